"""The outcome contract between the actions and the bot service (bot/insights/outcome.py)."""
from __future__ import annotations

from bot.insights.outcome import OUTCOME_KEY, Outcome, merge, parse, split_replies


def custom(**facts) -> dict:
    return {"recipient_id": "c1", "custom": {OUTCOME_KEY: facts}}


def test_the_citizen_sees_text_and_buttons_and_never_the_outcome():
    answers = [{"recipient_id": "c1", "text": "Dit regelt Burgerzaken."},
               custom(decision="answer", product="paspoort", department="burgerzaken", confidence=0.91),
               {"recipient_id": "c1", "text": "Bedoelde je iets anders?", "buttons": [{"title": "ID", "payload": "/x"}]}]
    visible, outcome = split_replies(answers)
    assert [a["text"] for a in visible] == ["Dit regelt Burgerzaken.", "Bedoelde je iets anders?"]
    assert all("custom" not in a for a in visible)
    assert outcome == Outcome("answer", product="paspoort", department="burgerzaken", confidence=0.91)
    assert outcome.owner_named and outcome.ends_conversation


def test_other_custom_payloads_are_dropped_too_and_no_outcome_is_none():
    visible, outcome = split_replies([{"recipient_id": "c1", "custom": {"something": 1}},
                                      {"recipient_id": "c1", "text": "Hoi!"}])
    assert visible == [{"recipient_id": "c1", "text": "Hoi!"}] and outcome is None


def test_several_actions_in_one_turn_merge_later_wins():
    first = Outcome("journey", intent="affirm", case_type="report")
    second = Outcome("journey", department="openbare_ruimte", product="melding openbare ruimte")
    assert merge([first, second]) == Outcome("journey", intent="affirm", case_type="report",
                                             department="openbare_ruimte", product="melding openbare ruimte")
    assert merge([]) is None


def test_what_does_not_fit_is_dropped_never_raised():
    assert parse({"decision": "whatever"}) is None and parse("answer") is None
    outcome = parse({"decision": "answer", "confidence": 7, "product": "x" * 500, "department": 12,
                     "corrected": "yes"})
    assert outcome.confidence == 1.0 and len(outcome.product) == 120 and outcome.department is None
    assert outcome.corrected is False
    assert parse({"decision": "answer", "confidence": float("nan")}).confidence is None


def test_safety_answers_never_ask_for_a_rating():
    outcome = Outcome("safety", intent="suicide_risk", organisation="zelfmoordpreventie")
    assert outcome.owner_named and not outcome.ends_conversation
    assert not Outcome("fallback").ends_conversation


def test_the_payload_round_trips():
    outcome = Outcome("answer", intent="choose_product", product="paspoort", department="burgerzaken", corrected=True)
    assert parse(outcome.to_custom()[OUTCOME_KEY]) == outcome
    assert "organisation" not in outcome.to_custom()[OUTCOME_KEY]
