"""Every button Balie offers works when clicked: a crawl through the real services.

From a set of opening messages, every button of every reply is clicked in its own fresh
conversation (the path to it replayed), breadth first, up to a depth. Each click must be
accepted by the chat API (the button contract) and answered. The crawl must meet every
kind of button an action, rule or response can emit (EMITTERS): a new emitter without a
path here fails the test until the crawl reaches it.
"""
from __future__ import annotations

import json
import re
from collections import deque

import pytest
import requests

from tests.conftest import say

pytestmark = pytest.mark.servers

OPENINGS = [
    "mijn paspoort is verlopen, hoe vraag ik een nieuwe aan",
    "de lantaarnpaal voor mijn deur is al dagen kapot",
    "ik wil een vergunning",
    "sdkfj qwpoeiru zxmvn",
    "ik wil een klacht indienen",
    "kunnen jullie mij terugbellen over mijn parkeervergunning",
    "zet mijn vraag door naar de afdeling",
    "I just moved here, how do I register my new address?",
]
# Answers typed at questions without buttons, so the crawl gets through a form.
TYPED = [
    (re.compile(r"Waar is het\?"), "Dorpsstraat 12, 1234 AB"),
    (re.compile(r"Wat is er aan de hand|Wat is je vraag voor de afdeling|Wat is er gebeurd"),
     "er ligt al een week glas op de stoep"),
    (re.compile(r"Wanneer gebeurde het"), "gisteren"),
    (re.compile(r"Wat wil je dat de gemeente doet"), "excuses"),
    (re.compile(r"Wat is je naam"), "Fatima de Jong"),
    (re.compile(r"Hoe kunnen we je bereiken|Hoe krijg je het antwoord|Wil je bericht over je melding"), "fatima@example.nl"),
    (re.compile(r"Op welk telefoonnummer"), "06-12345678"),
    (re.compile(r"Waar gaat je vraag over\? Dan belt"), "mijn parkeervergunning"),
    (re.compile(r"Het lukt me niet|andere manier"), "lkjh poiuy mnbv"),
]
# Every kind of button an action, rule or response emits, by payload pattern.
EMITTERS = {
    "follow-up: cost": r"^/ask_cost$",
    "follow-up: bring": r"^/ask_bring$",
    "follow-up: duration": r"^/ask_duration$",
    "follow-up: location": r"^/ask_location$",
    "open a report from an answer": r'^/open_case\{"case_type": "report"\}$',
    "choose a product": r"^/choose_product\{",
    "report category": r"^categorie:",
    "skip: anonymous report": r"^anoniem$",
    "skip: unknown employee": r"^weet ik niet$",
    "part of day": r"^(ochtend|middag|maakt niet uit)$",
    "summary: send": r"^ja versturen$",
    "summary: change a field": r"^wijzig case_",
    # A clerk from another test may count as available: then a person is offered, else a callback.
    "a person or a callback after two misses": r'^(/request_human|/open_case\{"case_type": "callback"\})$',
    "no, try again": r"^/deny$",
    "talk to a person": r"^/request_human$",
}
MAX_DEPTH = 9
MAX_CLICKS = 90


def replies(response) -> list:
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def new_conversation(stack):
    body = requests.post(f"{stack.bot_url}/api/conversations", timeout=10).json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def play(stack, path):
    """Replay a path of ("text"|"payload", value) steps in a new conversation; the last replies."""
    conversation = new_conversation(stack)
    messages = []
    for kind, value in path:
        messages = replies(say(stack, conversation, **{kind: value}))
    return messages


def typed_answer(messages) -> str | None:
    text = " ".join(m["text"] for m in messages)
    return next((answer for pattern, answer in TYPED if pattern.search(text)), None)


def test_every_offered_button_is_accepted_and_answered(stack):
    seen_payloads: set = set()
    clicks = 0
    queue = deque(([("text", opening)], 0) for opening in OPENINGS)
    while queue and clicks < MAX_CLICKS:
        path, depth = queue.popleft()
        messages = play(stack, path)
        assert messages, f"no answer after {path}"
        buttons = [b for m in messages for b in (m.get("buttons") or [])]
        if depth >= MAX_DEPTH:
            continue
        for button in buttons:
            # One click per payload kind is enough (the category slugs differ per report).
            key = re.sub(r"categorie:.*", "categorie:", button["payload"])
            if key in seen_payloads:
                continue
            seen_payloads.add(key)
            clicks += 1
            after = play(stack, path + [("payload", button["payload"])])
            assert after, f"clicking {button['title']!r} ({button['payload']}) got no answer after {path}"
            queue.append((path + [("payload", button["payload"])], depth + 1))
        answer = typed_answer(messages)
        if answer and not buttons:
            queue.append((path + [("text", answer)], depth + 1))
    missing = [name for name, pattern in EMITTERS.items()
               if not any(re.search(pattern, p) for p in seen_payloads)]
    assert not missing, f"the crawl never met these buttons: {missing}; seen: {sorted(seen_payloads)}"


def test_a_button_of_another_conversation_is_refused(stack):
    first, second = new_conversation(stack), new_conversation(stack)
    offered = [b for m in replies(say(stack, first, "mijn paspoort is verlopen, hoe vraag ik een nieuwe aan"))
               for b in m.get("buttons") or []]
    say(stack, second, "hallo")
    response = say(stack, second, payload=offered[0]["payload"])
    assert response.status_code == 400 and "eerdere vraag" in response.json()["message"]
    assert json.loads(json.dumps(response.json()))["error"].startswith("payload was not offered")
