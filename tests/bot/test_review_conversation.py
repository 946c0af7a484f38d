"""The review list from real conversations: the widget's API, Rasa, the actions and the bot service.

What a citizen types that Balie does not understand (gibberish, a question too broad to answer)
shows up for the beheerder in GET /api/desk/review, masked, with what happened next.
"""
from __future__ import annotations

import pytest
import requests

from tests.conftest import login, say

pytestmark = pytest.mark.servers


def review_items(stack, headers):
    response = requests.get(f"{stack.bot_url}/api/desk/review", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return {item["text"]: item for item in response.json()["items"]}


def buttons(response):
    return [b for m in response.json()["messages"] for b in (m.get("buttons") or [])]


def test_what_balie_did_not_understand_reaches_the_review_list(stack, conversation):
    # A clerk is available, so the second miss offers a person (not a callback).
    login(stack, "review.medewerker")
    maintainer = login(stack, "review.beheerder", role="beheerder")

    first = say(stack, conversation, "sdkfj qwpoeiru zxmvn, bel 06-12345678")
    assert first.status_code == 200 and "andere manier" in " ".join(m["text"] for m in first.json()["messages"])
    broad = say(stack, conversation, "ik wil een vergunning")
    assert any("Evenementenvergunning" in b["title"] for b in buttons(broad)), broad.text

    items = review_items(stack, maintainer)
    gibberish = items["sdkfj qwpoeiru zxmvn, bel [telefoonnummer verwijderd]"]
    assert gibberish["outcome"] == "fallback" and gibberish["count"] >= 1
    assert items["ik wil een vergunning"]["outcome"] == "clarify"
    assert "06-12345678" not in str(items)

    # Not understood twice in a row: Balie offers a person and the citizen takes it. The miss
    # just before is a handover after a misunderstanding.
    say(stack, conversation, "lkjh poiuy mnbv")
    second = say(stack, conversation, "qwrt zxcvb plmkn")
    person = [b for b in buttons(second) if "medewerker" in b["title"].lower()]
    assert person, second.text
    assert say(stack, conversation, payload=person[0]["payload"]).status_code == 200
    items = review_items(stack, maintainer)
    assert items["qwrt zxcvb plmkn"]["outcome"] == "handover"
    assert items["lkjh poiuy mnbv"]["outcome"] == "fallback"

    # A medewerker may not read the list; the beheerder may not read the handover.
    clerk = login(stack, "review.medewerker")
    assert requests.get(f"{stack.bot_url}/api/desk/review", headers=clerk, timeout=10).status_code == 403
    assert requests.get(f"{stack.bot_url}/api/desk/handovers", headers=maintainer, timeout=10).status_code == 403
