"""Events to statistics through the real servers: widget API, Rasa, actions, clerk console API.

Four conversations, as citizens have them: one Balie does not understand, one it answers, one
that ends in a report (a case), one a clerk takes over and closes, with a CSAT answer. Then
GET /api/desk/stats must count them right, `ownerless` included. The stack is shared with other
test modules, so the test compares the numbers before and after its own conversations.
"""
from __future__ import annotations

import time

import pytest
import requests
import sqlalchemy as sa

from bot.db import insight_events
from tests.conftest import login, say

pytestmark = pytest.mark.servers


def new_conversation(stack) -> tuple:
    body = requests.post(f"{stack.bot_url}/api/conversations", timeout=10).json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def replies(stack, conversation, text=None, payload=None) -> list:
    response = say(stack, conversation, text, payload)
    assert response.status_code == 200, response.text
    messages = response.json()["messages"]
    # The actions' outcome never reaches the citizen: only text and buttons, never an empty message.
    assert all(m["text"] or m["buttons"] for m in messages) and all("custom" not in m for m in messages)
    return messages


def press(stack, conversation, messages, fragment) -> list:
    button = next(b for m in messages for b in m["buttons"] if fragment.lower() in b["title"].lower())
    return replies(stack, conversation, payload=button["payload"])


def stats(stack, headers) -> dict:
    response = requests.get(f"{stack.bot_url}/api/desk/stats", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def turns(stack, conversation_id) -> list:
    """The turn events of a conversation, read from the service's database."""
    engine = sa.create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(insight_events).where(insight_events.c.conversation_id == conversation_id,
                                                                insight_events.c.kind == "turn")
                                .order_by(insight_events.c.seq)).all()
    finally:
        engine.dispose()


def settled(stack, expected: dict) -> None:
    """Wait until every conversation has its turns (turns without an outcome are written in the background)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(len(turns(stack, cid)) >= n for cid, n in expected.items()):
            return
        time.sleep(0.2)
    raise AssertionError({cid: len(turns(stack, cid)) for cid in expected})


def grow(before: dict, after: dict, *path) -> int:
    """How much a number of the statistics grew, e.g. grow(before, after, "cases", "by_type", "report")."""
    for key in path:
        before = before.get(key, 0) if isinstance(before, dict) else 0
        after = after.get(key, 0) if isinstance(after, dict) else 0
    return (after or 0) - (before or 0)


def test_four_conversations_make_the_right_numbers(stack):
    lead = login(stack, "lotte.teamleider", role="teamleider")
    clerk = login(stack, "kees.klerk")  # a clerk is online: handovers are queued
    before = stats(stack, lead)

    # 1. Not understood: rephrase, no product. Nobody was named: ownerless.
    lost = new_conversation(stack)
    first = replies(stack, lost, "xqzv brmpf klotsj wrrr")
    assert not any(m.get("csat") for m in first)
    [turn] = turns(stack, lost[0])
    assert turn.decision == "fallback" and turn.department is None and turn.seq == 1

    # 2. Answered: the product and its department, and the widget may ask for a rating.
    answered = new_conversation(stack)
    reply = replies(stack, answered, "wanneer wordt het grofvuil opgehaald")
    assert "Afvalbedrijf Voorbeeld" in " ".join(m["text"] for m in reply)
    assert [m.get("csat") for m in reply][-1] is True
    [turn] = turns(stack, answered[0])
    assert (turn.decision, turn.product, turn.department) == ("answer", "afvalinzameling grofvuil", "afval")
    assert 0.5 <= turn.confidence <= 1.0

    # 3. A report, completed in the chat: a case at Openbare Ruimte.
    reported = new_conversation(stack)
    steps = [replies(stack, reported, "de lantaarnpaal voor mijn deur is al dagen kapot")]
    steps.append(press(stack, reported, steps[-1], "Melding maken"))
    steps.append(press(stack, reported, steps[-1], steps[-1][-1]["buttons"][0]["title"]))
    steps.append(replies(stack, reported, "Dorpsstraat 12, 1234 AB"))
    steps.append(replies(stack, reported, "jan@example.nl"))
    steps.append(press(stack, reported, steps[-1], "Ja, versturen"))
    assert "Je zaaknummer is Z-" in " ".join(m["text"] for m in steps[-1])
    assert steps[-1][-1].get("csat") is True
    settled(stack, {reported[0]: len(steps)})
    journey = turns(stack, reported[0])
    assert journey[-1].decision == "journey" and journey[-1].case_type == "report"
    assert journey[-1].department == "openbare_ruimte"

    # 4. A person: queued, claimed by a clerk, closed; then the citizen answers the CSAT question.
    helped = new_conversation(stack)
    assert "wachtrij" in " ".join(m["text"] for m in replies(stack, helped, "ik wil een medewerker spreken"))
    assert replies(stack, helped, "hallo, ik wacht") == []  # waiting: Rasa is paused, no turn
    waiting = requests.get(f"{stack.bot_url}/api/desk/handovers?status=waiting", headers=clerk, timeout=10).json()
    handover = next(h for h in waiting["handovers"] if h["conversation_id"] == helped[0])
    time.sleep(1.1)  # a measurable wait
    url = f"{stack.bot_url}/api/desk/handovers/{handover['id']}"
    assert requests.post(f"{url}/claim", headers=clerk, timeout=10).status_code == 200
    closed = requests.post(f"{url}/close", json={"outcome": "Vraag over parkeren beantwoord."}, headers=clerk,
                           timeout=30)
    assert closed.status_code == 200, closed.text
    history = requests.get(f"{stack.bot_url}/api/conversations/{helped[0]}/messages", headers=helped[1],
                           timeout=10).json()["messages"]
    assert history[-1]["sender"] == "bot" and history[-1].get("csat") is True
    csat = requests.post(f"{stack.bot_url}/api/conversations/{helped[0]}/csat", headers=helped[1],
                         json={"score": 4, "comment": "Fijn dat er iemand was."}, timeout=10)
    assert csat.status_code == 201, csat.text
    [turn] = turns(stack, helped[0])
    assert turn.decision == "handover"

    settled(stack, {lost[0]: 1, answered[0]: 1, reported[0]: len(steps), helped[0]: 1})
    after = stats(stack, lead)
    assert grow(before, after, "conversations") == 4
    assert grow(before, after, "with_question") == 4
    assert grow(before, after, "ownerless") == 1                   # the one Balie did not understand
    assert grow(before, after, "contained_conversations") == 2     # answered, and the report
    assert grow(before, after, "fallbacks") == 1
    assert grow(before, after, "handovers", "count") == 1
    assert grow(before, after, "handovers", "claimed") == 1
    assert after["handovers"]["wait_seconds"]["median"] is not None
    assert grow(before, after, "handovers", "reasons", "asked for a person") == 1
    assert grow(before, after, "cases", "count") == 1
    assert grow(before, after, "cases", "by_type", "report") == 1
    assert grow(before, after, "cases", "by_department", "openbare_ruimte") == 1
    assert grow(before, after, "csat", "responses") == 1
    assert grow(before, after, "csat", "scores", "4") == 1
    top = {p["product"]: p["count"] for p in after["top_products"]}
    earlier = {p["product"]: p["count"] for p in before["top_products"]}
    assert top["afvalinzameling grofvuil"] == earlier.get("afvalinzameling grofvuil", 0) + 1
    assert after["labels"]["departments"]["openbare_ruimte"] == "Openbare Ruimte"
    today = after["days"][-1]
    assert today["day"] == after["to"] and today["conversations"] >= 4 and today["ownerless"] >= 1
