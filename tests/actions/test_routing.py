"""Routing actions, run without a server: a Tracker from a parsed message, a CollectingDispatcher."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.outcome import is_outcome
from actions.desk_client import BotServiceUnavailable
from actions.fallback import ActionFallback
from actions.routing import (
    ActionAnswerQuestion,
    ActionChooseProduct,
    ActionClarify,
    ActionProductFollowup,
)


def parsed(intent: str, products=(), entities=(), organisations=(), confidence=1.0, language="nl"):
    """A latest_message as Rasa's NLU gives it, with product and organisation rankings."""
    ranking = [{"intent_response_key": f"ask_product/{key}", "confidence": conf} for key, conf in products]
    orgs = [{"intent_response_key": f"ask_organisation/{key}", "confidence": conf} for key, conf in organisations]
    return {
        "text": "...",
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": e, "value": v} for e, v in entities],
        "response_selector": {"ask_product": {"ranking": ranking}, "ask_organisation": {"ranking": orgs}},
        "scope": {"known_share": 1.0, "language": language, "in_scope": True},
    }


class Desk:
    """The bot service's answer to 'can a clerk take it now?' (the HTTP edge of the actions)."""

    def __init__(self, status="open"):
        self.status = status

    def clerk_availability(self):
        if self.status == "down":
            raise BotServiceUnavailable("connection refused")
        return self.status


def tracker(message, slots=None, events=None):
    return Tracker("c1", slots or {}, message, events or [], False, None, {}, "action_listen")


def run(action, t):
    """What the citizen sees and the events; the statistics outcome (actions/outcome.py) left out."""
    messages, events, _ = run_with_outcome(action, t)
    return messages, events


def run_with_outcome(action, t):
    """(visible messages, events, the outcome payload the action attached or None)."""
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    outcomes = [m["custom"]["balie_outcome"] for m in dispatcher.messages if is_outcome(m)]
    return [m for m in dispatcher.messages if not is_outcome(m)], events, (outcomes[-1] if outcomes else None)


def test_a_clear_product_gets_its_answer_department_and_contact():
    messages, events = run(ActionAnswerQuestion(), tracker(parsed("ask_product", [("paspoort", 0.97), ("identiteitskaart", 0.02)])))
    assert "paspoort" in messages[0]["text"].lower()
    assert "Burgerzaken" in messages[1]["text"] and "burgerzaken@voorbeeld.example" in messages[1]["text"]
    assert "/burgerzaken/paspoort" in messages[1]["text"]
    assert [b["payload"] for b in messages[1]["buttons"]][0] == "/ask_cost"
    assert len(messages) == 2  # clear winner: no "did you mean"
    assert events == [SlotSet("product", "paspoort")]


def test_a_close_second_product_gets_a_question_not_an_answer():
    messages, events = run(ActionAnswerQuestion(), tracker(parsed("ask_product", [("afvalinzameling_grofvuil", 0.5), ("afvalinzamelstation", 0.4)])))
    assert len(messages) == 1 and "Ik weet niet zeker" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/choose_product{"product": "afvalinzameling grofvuil"}', '/choose_product{"product": "afvalinzamelstation"}']
    assert events == []


def test_without_any_likely_product_balie_asks_to_rephrase():
    messages, events = run(ActionAnswerQuestion(), tracker(parsed("ask_product")))
    assert "andere manier" in messages[0]["text"] and not messages[0].get("buttons")
    assert events == [SlotSet("misunderstood_turn", 0.0)]


def test_a_question_for_another_organisation_gets_its_address():
    messages, _ = run(ActionAnswerQuestion(), tracker(parsed("ask_organisation", organisations=[("uwv", 0.9)])))
    assert "UWV" in messages[0]["text"] and "uwv.nl" in messages[0]["text"]


def test_an_english_question_gets_an_english_answer_with_a_person_on_offer():
    messages, _ = run(ActionAnswerQuestion(), tracker(parsed("ask_product", [("verhuismelding", 0.95)], language="en")))
    assert messages[0]["text"].startswith("This is handled by") and "Burgerzaken" in messages[0]["text"]
    assert "works best in Dutch" in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "Talk to a person", "payload": "/request_human"}]


def test_vague_topic_gets_buttons_for_its_products():
    messages, _ = run(ActionClarify(), tracker(parsed("ask_vague", entities=[("topic", "vergunning")])))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/choose_product{"product": "omgevingsvergunning bouw"}' in payloads
    assert len(payloads) <= 5


def test_vague_without_topic_uses_the_product_ranking():
    messages, _ = run(ActionClarify(), tracker(parsed("ask_vague", [("bijstand", 0.4), ("schuldhulpverlening", 0.3)])))
    assert len(messages[0]["buttons"]) == 2 and "Ik weet niet zeker" in messages[0]["text"]


def test_choose_product_answers_from_the_catalogue():
    messages, events = run(ActionChooseProduct(), tracker(parsed("choose_product", entities=[("product", "hondenbelasting")])))
    assert "hond" in messages[0]["text"].lower()
    assert "Belastingen" in messages[1]["text"]
    assert events == [SlotSet("product", "hondenbelasting")]


def test_choose_unknown_product_asks_for_a_sentence():
    messages, events = run(ActionChooseProduct(), tracker(parsed("choose_product", entities=[("product", "ruimteschip")])))
    assert "welk onderwerp" in messages[0]["text"] and events == []


def test_followup_cost_uses_the_product_in_the_slot():
    from actions.routing import catalogue

    messages, _ = run(ActionProductFollowup(), tracker(parsed("ask_cost"), slots={"product": "paspoort"}))
    assert catalogue().products["paspoort"].cost in messages[0]["text"]


def test_followup_opening_hours_lists_weekdays_as_example_values():
    messages, _ = run(ActionProductFollowup(), tracker(parsed("ask_opening_hours"), slots={"product": "rijbewijs"}))
    assert "maandag" in messages[0]["text"] and "voorbeeld" in messages[0]["text"]


def test_followup_without_product_asks_what_it_is_about():
    messages, events = run(ActionProductFollowup(), tracker(parsed("ask_bring")))
    assert "Waar gaat je vraag over" in messages[0]["text"] and events == []


def user_events(n):
    return [e for i in range(n) for e in ({"event": "action", "name": "action_listen"},
                                          {"event": "user", "text": f"blabla {i}"})]


def test_fallback_rephrases_first_then_offers_a_person():
    messages, events = run(ActionFallback(Desk("open")), tracker(parsed("nlu_fallback"), events=user_events(1)))
    assert "andere manier" in messages[0]["text"] and events == [SlotSet("misunderstood_turn", 1.0)]
    messages, _ = run(ActionFallback(Desk("open")),
                      tracker(parsed("nlu_fallback"), slots={"misunderstood_turn": 1.0}, events=user_events(2)))
    assert messages[0]["buttons"][0]["payload"] == "/request_human"


@pytest.mark.parametrize("status", ["closed", "unavailable", "down"])
def test_the_second_miss_offers_a_callback_when_no_clerk_can_take_it(status):
    messages, _ = run(ActionFallback(Desk(status)),
                      tracker(parsed("out_of_scope"), slots={"misunderstood_turn": 1.0}, events=user_events(2)))
    assert messages[0]["buttons"][0]["payload"] == '/open_case{"case_type": "callback"}'
    assert "terugbelt" in messages[0]["text"]


def test_a_miss_after_an_understood_message_starts_counting_again():
    messages, _ = run(ActionFallback(Desk("open")),
                      tracker(parsed("nlu_fallback"), slots={"misunderstood_turn": 1.0}, events=user_events(3)))
    assert "andere manier" in messages[0]["text"]


def test_out_of_scope_text_gets_no_product():
    messages, _ = run(ActionFallback(Desk("open")), tracker(parsed("out_of_scope", [("paspoort", 0.9)], confidence=0.9),
                                                             events=user_events(1)))
    assert "niet mee helpen" in messages[0]["text"] and not messages[0].get("buttons")


def test_gibberish_never_gets_a_product_even_when_the_selector_is_sure():
    message = parsed("nlu_fallback", [("paspoort", 0.99)])
    message["scope"] = {"known_share": 0.1, "language": "unknown", "in_scope": False}
    messages, _ = run(ActionFallback(Desk("open")), tracker(message, events=user_events(1)))
    assert "andere manier" in messages[0]["text"] and not messages[0].get("buttons")


def test_unsure_nlu_offers_its_candidates_as_buttons_never_an_answer():
    message = parsed("nlu_fallback", [("omgevingsvergunning_bouw", 0.9), ("alcoholvergunning", 0.07)])
    message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.6},
                                 {"name": "ask_product", "confidence": 0.5}, {"name": "ask_vague", "confidence": 0.3}]
    messages, _ = run(ActionFallback(Desk("open")), tracker(message, events=user_events(1)))
    assert len(messages) == 1 and "Ik weet niet zeker" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == '/choose_product{"product": "omgevingsvergunning bouw"}'


@pytest.mark.parametrize("text,intent,fragment", [
    ("wat kost dat?", "ask_product", "Paspoort:"),
    ("en hoe lang duurt het", "nlu_fallback", "Paspoort:"),
    ("wat moet ik meenemen", "ask_bring", "Paspoort:"),
])
def test_a_short_follow_up_answers_about_the_product_in_context_whatever_the_nlu_said(text, intent, fragment):
    message = {**parsed(intent, [("identiteitskaart", 0.4), ("rijbewijs", 0.3)]), "text": text}
    action = ActionFallback(Desk("open")) if intent == "nlu_fallback" else ActionAnswerQuestion()
    messages, events = run(action, tracker(message, slots={"product": "paspoort"}, events=user_events(2)))
    assert messages[0]["text"].startswith(fragment) and events == [SlotSet("product", "paspoort")]


def test_without_a_product_in_context_a_short_question_is_not_a_follow_up():
    message = {**parsed("ask_product", [("paspoort", 0.95)]), "text": "wat kost dat?"}
    messages, _ = run(ActionAnswerQuestion(), tracker(message))
    assert "Burgerzaken" in messages[1]["text"]  # answered as the product question it may be


def test_a_broad_topic_gets_its_curated_products_not_the_models_guesses():
    message = parsed("ask_product", [("seksbedrijf_exploitatievergunning", 0.3), ("parkeervergunning", 0.3)],
                     entities=[("topic", "vergunning")])
    messages, _ = run(ActionAnswerQuestion(), tracker(message))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/choose_product{"product": "evenementenvergunning"}' in payloads
    assert not any("seksbedrijf" in p for p in payloads)


def test_a_topic_word_does_not_hide_a_sure_organisation():
    message = parsed("ask_product", entities=[("topic", "uitkering")])
    message["retrieval_ranking"] = [{"key": "ask_organisation/uwv", "confidence": 0.95}]
    messages, _ = run(ActionAnswerQuestion(), tracker(message))
    assert "UWV" in messages[0]["text"]


@pytest.mark.parametrize("action", [ActionAnswerQuestion(), ActionFallback(client=Desk())], ids=["answer", "fallback"])
def test_danger_second_in_the_ranking_gets_the_safety_answer_first(action):
    """A story about debts that says 'ik wil niet meer leven': 113, whatever product it also names."""
    message = parsed("ask_product", [("schuldhulpverlening", 0.95)], confidence=0.6)
    message["intent_ranking"] = [{"name": "ask_product", "confidence": 0.6},
                                 {"name": "suicide_risk", "confidence": 0.35}]
    messages, events = run(action, tracker(message))
    assert [m.get("response") for m in messages] == ["utter_suicide_risk"]
    assert events == []
