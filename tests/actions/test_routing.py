"""Routing actions, run without a server: a Tracker from a parsed message, a CollectingDispatcher."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from actions.routing import (
    ActionChooseProduct,
    ActionClarify,
    ActionProductDetails,
    ActionProductFollowup,
)


def parsed(intent: str, products=(), entities=()):
    """A latest_message as Rasa's NLU gives it, with a product ranking."""
    ranking = [{"intent_response_key": f"ask_product/{key}", "confidence": conf} for key, conf in products]
    return {
        "text": "...",
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [{"entity": e, "value": v} for e, v in entities],
        "response_selector": {"ask_product": {"ranking": ranking}},
    }


def tracker(message, slots=None, events=None):
    return Tracker("c1", slots or {}, message, events or [], False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    return dispatcher.messages, events


def test_product_details_name_the_department_and_contact():
    messages, events = run(ActionProductDetails(), tracker(parsed("ask_product", [("paspoort", 0.97), ("identiteitskaart", 0.02)])))
    assert "Burgerzaken" in messages[0]["text"]
    assert "burgerzaken@voorbeeld.example" in messages[0]["text"]
    assert "/burgerzaken/paspoort" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]][0] == "/ask_cost"
    assert len(messages) == 1  # clear winner: no "did you mean"
    assert events == [SlotSet("product", "paspoort")]


def test_close_second_product_is_offered_as_alternative():
    messages, _ = run(ActionProductDetails(), tracker(parsed("ask_product", [("afvalinzameling_grofvuil", 0.5), ("afvalinzamelstation", 0.4)])))
    assert messages[1]["buttons"] == [{"title": messages[1]["buttons"][0]["title"],
                                       "payload": '/choose_product{"product": "afvalinzamelstation"}'}]


def test_product_details_without_a_ranking_asks_to_rephrase():
    messages, events = run(ActionProductDetails(), tracker(parsed("ask_product")))
    assert "andere manier" in messages[0]["text"] and events == []


def test_vague_topic_gets_buttons_for_its_products():
    messages, _ = run(ActionClarify(), tracker(parsed("ask_vague", entities=[("topic", "vergunning")])))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/choose_product{"product": "omgevingsvergunning bouw"}' in payloads
    assert len(payloads) <= 5


def test_vague_without_topic_uses_the_product_ranking():
    messages, _ = run(ActionClarify(), tracker(parsed("ask_vague", [("bijstand", 0.4), ("schuldhulpverlening", 0.3)])))
    assert len(messages[0]["buttons"]) == 2


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


def test_fallback_rephrases_first_then_offers_a_person():
    first = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": "blabla"}]
    messages, _ = run(ActionFallback(), tracker(parsed("nlu_fallback"), events=first))
    assert "andere manier" in messages[0]["text"]
    second = first + [{"event": "action", "name": "action_fallback"},
                      {"event": "action", "name": "action_listen"},
                      {"event": "user", "text": "blablabla"}]
    messages, _ = run(ActionFallback(), tracker(parsed("nlu_fallback"), events=second))
    assert messages[0]["buttons"][0]["payload"] == "/request_human"


@pytest.mark.parametrize("ranking", [
    [("paspoort", 0.75), ("noodreisdocument", 0.2)],   # under 0.3 of the first
    [("paspoort", 0.12), ("noodreisdocument", 0.04)],  # under the 0.05 floor
])
def test_a_weak_runner_up_is_not_offered(ranking):
    messages, _ = run(ActionProductDetails(), tracker(parsed("ask_product", ranking)))
    assert len(messages) == 1


def test_a_runner_up_at_the_ratio_is_offered():
    messages, _ = run(ActionProductDetails(), tracker(parsed("ask_product", [("paspoort", 0.6), ("noodreisdocument", 0.18)])))
    assert len(messages) == 2 and "noodreisdocument" in messages[1]["buttons"][0]["payload"]


def test_unsure_nlu_with_a_product_guess_gets_a_clarifying_question():
    message = parsed("nlu_fallback", [("omgevingsvergunning_bouw", 0.09), ("alcoholvergunning", 0.07)],
                     entities=[("topic", "vergunning")])
    message["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "ask_vague"}, {"name": "ask_product"}]
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": "ik wil een vergunning"}]
    messages, _ = run(ActionFallback(), tracker(message, events=events))
    assert "vergunning" in messages[0]["text"] and len(messages[0]["buttons"]) == 5
