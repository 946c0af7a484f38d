"""Not understood: ask once more, and the second time in a row offer a person.

A message counts as not understood when NLU falls back (nlu_fallback, also for text of
mostly unknown words), when it is out of scope, or when the routing decision is
`fallback` (bot/understanding.py). Such a message never gets a product answer. The
first time Balie asks to rephrase, or offers the likely products as buttons; the second
time in a row it offers a person, or a callback when no clerk can take it now.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.understanding import (ANSWER, CLARIFY, DEFAULT_THRESHOLDS, FALLBACK, ORGANISATION, Decision,
                               candidates, decide)

from . import outcome, replies
from .desk_client import BotServiceUnavailable, DeskClient, NotFound, Rejected

NAME = "action_fallback"
# Slot holding the number of the citizen's turn that was last not understood.
SLOT = "misunderstood_turn"
MAX_CLARIFY_BUTTONS = 4

PERSON_BUTTON = {"title": "Ja, met een medewerker", "payload": "/request_human"}
CALLBACK_BUTTON = {"title": "Ja, bel me terug", "payload": '/open_case{"case_type": "callback"}'}
RETRY_BUTTON = {"title": "Nee, ik probeer het opnieuw", "payload": "/deny"}


def user_turn(tracker: Tracker) -> int:
    """How many messages the citizen has sent in this conversation, this one included."""
    return sum(1 for e in tracker.events if e.get("event") == "user")


def failed_before(tracker: Tracker) -> bool:
    """Whether the citizen's previous message was not understood either."""
    last = tracker.get_slot(SLOT)
    return last is not None and int(last) == user_turn(tracker) - 1


def offer_person(dispatcher: CollectingDispatcher, english: bool, client: Optional[DeskClient] = None) -> None:
    """A person now if a clerk can take it, otherwise a callback (outside hours, nobody free)."""
    try:
        status = (client or DeskClient()).clerk_availability()
    except (BotServiceUnavailable, Rejected, NotFound):
        status = "unavailable"
    if english:
        dispatcher.utter_message(text=replies.ENGLISH_NOT_UNDERSTOOD, buttons=[replies.ENGLISH_PERSON_BUTTON])
        return
    if status == "open":
        dispatcher.utter_message(
            text="Het lukt me niet om je vraag te begrijpen. Sorry! Wil je het met een medewerker van de gemeente bespreken?",
            buttons=[PERSON_BUTTON, RETRY_BUTTON])
        return
    dispatcher.utter_message(
        text="Het lukt me niet om je vraag te begrijpen. Sorry! Er is nu geen medewerker beschikbaar. "
             "Wil je dat een medewerker je terugbelt?",
        buttons=[CALLBACK_BUTTON, RETRY_BUTTON])


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision,
                   client: Optional[DeskClient] = None) -> List[Dict[Text, Any]]:
    """Rephrase or the likely candidates the first time; a person the second time in a row."""
    english = decision.language == "en"
    events = [SlotSet(SLOT, float(user_turn(tracker)))]
    outcome.report_decision(dispatcher, replace(decision, decision=FALLBACK))
    if failed_before(tracker):
        offer_person(dispatcher, english, client)
        return events
    if decision.intent == "out_of_scope":
        dispatcher.utter_message(text=replies.OUT_OF_SCOPE)
    elif decision.alternatives and not english:
        dispatcher.utter_message(
            text="Ik weet niet zeker wat je bedoelt. Gaat het om een van deze onderwerpen? "
                 "Anders kun je je vraag op een andere manier typen.",
            buttons=[replies.candidate_button(c) for c in decision.alternatives[:MAX_CLARIFY_BUTTONS]])
    elif english:
        dispatcher.utter_message(text=replies.ENGLISH_NOT_UNDERSTOOD, buttons=[replies.ENGLISH_PERSON_BUTTON])
    else:
        dispatcher.utter_message(text=replies.REPHRASE)
    return events


class ActionFallback(Action):
    """Not understood (nlu_fallback, out of scope): rephrase first, a person the second time."""

    def __init__(self, client: Optional[DeskClient] = None):
        self.client = client

    def name(self) -> Text:
        return NAME

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        from .routing import catalogue, clarify, follow_up_in_context, say_safety
        decision = decide(tracker.latest_message, catalogue())
        if say_safety(dispatcher, decision):  # danger first, also when NLU was unsure
            return []
        follow_up = follow_up_in_context(dispatcher, tracker)
        if follow_up is not None:
            return follow_up
        if clarify(dispatcher, tracker):  # a broad topic named ("vergunning"): its products as buttons
            return []
        if decision.decision in (ANSWER, ORGANISATION, CLARIFY):
            # NLU itself was unsure: even a high product score is offered, never answered.
            shortlist = tuple(c for c in candidates(tracker.latest_message, catalogue())
                              if c.score >= DEFAULT_THRESHOLDS.candidate)[:MAX_CLARIFY_BUTTONS]
            decision = replace(decision, decision=FALLBACK, product=None, department=None,
                               organisation=None, alternatives=shortlist)
        return not_understood(dispatcher, tracker, decision, self.client)
