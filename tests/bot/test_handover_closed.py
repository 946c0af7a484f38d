"""Outside office hours a request for a person becomes a callback request (a case)."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml

from tests.conftest import ROOT, login, say, start_stack

pytestmark = pytest.mark.servers
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@pytest.fixture(scope="module")
def closed_stack(tmp_path_factory):
    """A stack whose contact centre is open only on one day, two days from now."""
    tmp = tmp_path_factory.mktemp("closed")
    catalogue = tmp / "catalogue"
    shutil.copytree(ROOT / "data" / "catalogue", catalogue)
    path = catalogue / "departments.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    open_day = WEEKDAYS[(datetime.now(ZoneInfo("Europe/Amsterdam")) + timedelta(days=2)).weekday()]
    for department in data["departments"]:
        if department["id"] == "kcc":
            department["hours"] = {open_day: "09:00-17:00"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    yield from start_stack(tmp, BALIE_CATALOGUE_DIR=str(catalogue), BALIE_ALWAYS_OPEN="false")


def test_outside_office_hours_the_citizen_gets_a_callback_case(closed_stack):
    stack = closed_stack
    login(stack, "nina.avond")  # a clerk is logged in, but the contact centre is closed
    conversation_id, headers = requests.post(f"{stack.bot_url}/api/conversations", timeout=10).json().values()
    conversation = (conversation_id, {"Authorization": f"Bearer {headers}"})
    response = say(stack, conversation, "ik wil een medewerker spreken")
    bot = response.json()["messages"][-1]
    assert "Er is nu geen medewerker" in bot["text"]
    assert bot["buttons"][0]["payload"] == '/open_case{"case_type": "callback"}'
    say(stack, conversation, payload=bot["buttons"][0]["payload"])
    say(stack, conversation, "over mijn parkeervergunning")
    say(stack, conversation, "06 12345678")
    summary = say(stack, conversation, "ochtend").json()["messages"][-1]["text"]
    assert "Telefoonnummer: +31612345678" in summary and "Dagdeel: ochtend" in summary
    done = " ".join(m["text"] for m in say(stack, conversation, "ja versturen").json()["messages"])
    assert "Je zaaknummer is Z-" in done and "belt je" in done
    clerk = login(stack, "nina.avond")
    cases = requests.get(f"{stack.bot_url}/api/desk/cases?conversation={conversation_id}", headers=clerk, timeout=10).json()["cases"]
    assert [c["type"] for c in cases] == ["callback"] and cases[0]["contact"]["phone"] == "+31612345678"
    waiting = requests.get(f"{stack.bot_url}/api/desk/handovers?status=waiting", headers=clerk, timeout=10).json()
    assert all(h["conversation_id"] != conversation_id for h in waiting["handovers"])
