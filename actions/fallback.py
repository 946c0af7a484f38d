"""Two-stage fallback: ask to rephrase once; the second time in a row, offer a person."""
from __future__ import annotations

from typing import Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from . import replies
from .routing import clarify

# When NLU is unsure but its best guess is a product question, a clarifying question with
# the likely products helps more than "say it differently".
PRODUCT_INTENTS = {"ask_product", "ask_vague", "choose_product"}

NAME = "action_fallback"


def failed_before(tracker: Tracker) -> bool:
    """Whether the bot's last action before this message was also the fallback."""
    seen_current_user_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_current_user_message:
                return False
            seen_current_user_message = True
        elif event.get("event") == "action" and seen_current_user_message:
            name = event.get("name")
            if name == NAME:
                return True
            if name not in ("action_listen", None):
                return False
    return False


def best_guess(tracker: Tracker) -> str | None:
    """The intent NLU ranked highest apart from nlu_fallback."""
    for entry in tracker.latest_message.get("intent_ranking") or []:
        if entry.get("name") != "nlu_fallback":
            return entry.get("name")
    return None


class ActionFallback(Action):
    """Rephrase request first; after a second miss, offer a clerk."""

    def name(self) -> Text:
        return NAME

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        if not failed_before(tracker):
            if best_guess(tracker) in PRODUCT_INTENTS and clarify(dispatcher, tracker):
                return []
            dispatcher.utter_message(text=replies.REPHRASE)
            return []
        dispatcher.utter_message(
            text="Het lukt me niet om je vraag te begrijpen. Sorry! Wil je het met een medewerker van de gemeente bespreken?",
            buttons=[
                {"title": "Ja, met een medewerker", "payload": "/request_human"},
                {"title": "Nee, ik probeer het opnieuw", "payload": "/deny"},
            ],
        )
        return []
