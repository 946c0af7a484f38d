"""Call a person: queue the conversation for a clerk (KCC-medewerker), with what Balie knew.

The bot service decides whether a clerk can take it now (office hours from the
catalogue, a clerk with the console open). If so, this action pauses the conversation
in Rasa (ConversationPaused): the clerk answers from then on. If not, the citizen is
offered a callback request instead.
"""
from __future__ import annotations

from datetime import datetime
from typing import Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from . import outcome
from .desk_client import BotServiceUnavailable, DeskClient, NotFound, Rejected
from .routing import catalogue, current_product

# Every handover goes to the contact centre's queue: it is the first line for all questions,
# and a clerk transfers the conversation to a department from the console when needed.
CONTACT_CENTRE = "kcc"
CALLBACK_BUTTON = {"title": "Ja, bel me terug", "payload": '/open_case{"case_type": "callback"}'}
NO_BUTTON = {"title": "Nee, dank je", "payload": "/deny"}
MAX_SUMMARY_MESSAGES = 6


def handover_reason(tracker: Tracker) -> str:
    """Why the citizen needs a person, from the latest intent."""
    intent = tracker.latest_message.get("intent", {}).get("name")
    return {
        "frustration": "frustration",
        "request_human": "asked for a person",
        "nlu_fallback": "bot did not understand twice",
    }.get(intent, "asked for a person")


def citizen_messages(tracker: Tracker) -> List[str]:
    """The citizen's messages in this conversation, oldest first (payloads left out)."""
    return [e.get("text") for e in tracker.events
            if e.get("event") == "user" and e.get("text") and not e["text"].startswith("/")]


def summary(tracker: Tracker) -> tuple[str, Dict]:
    """One paragraph for the clerk: what the citizen asked, what Balie answered and knew."""
    product = current_product(tracker)
    asked = citizen_messages(tracker)[-MAX_SUMMARY_MESSAGES:]
    facts: Dict = {}
    parts = []
    if asked:
        parts.append("De inwoner vroeg: " + " / ".join(f"'{t}'" for t in asked) + ".")
    if product:
        department = catalogue().department_of(product)
        facts["product"] = product.upl_name
        facts["department"] = department.name
        parts.append(f"Balie herkende het onderwerp '{product.title}' ({department.name}) en gaf uitleg en contactgegevens.")
    else:
        parts.append("Balie herkende nog geen onderwerp.")
    filled = {name: value for name, value in tracker.slots.items()
              if value not in (None, "", [], 0, 0.0) and name.startswith("case_")}
    if filled:
        facts["slots"] = filled
        parts.append("Al ingevuld: " + ", ".join(f"{k.removeprefix('case_')}: {v}" for k, v in filled.items()) + ".")
    opened = tracker.get_slot("case_number")
    if opened:
        facts["case_number"] = opened
        parts.append(f"Geopende zaak: {opened}.")
    return " ".join(parts), facts


class ActionRequestHuman(Action):
    """Connect the citizen with a clerk, or offer a callback when nobody can take it now."""

    def name(self) -> Text:
        return "action_request_human"

    def __init__(self, client: Optional[DeskClient] = None):
        self.client = client

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        client = self.client or DeskClient()
        text, facts = summary(tracker)
        product = current_product(tracker)
        reason = handover_reason(tracker)
        kcc = catalogue().contact_centre
        # Whether a clerk takes it or a callback is offered: this turn asked for a person.
        outcome.report(dispatcher, outcome.Outcome(decision=outcome.HANDOVER, intent=outcome.intent_of(tracker),
                                                   product=product.upl_name if product else None))
        try:
            result = client.request_handover(tracker.sender_id, reason, CONTACT_CENTRE,
                                             product.upl_name if product else None, text, facts)
        except (BotServiceUnavailable, Rejected, NotFound):
            dispatcher.utter_message(
                text=f"Het lukt nu niet om je door te verbinden. Bel het {kcc.name} op {kcc.phone}, "
                     f"of laat je terugbellen.",
                buttons=[CALLBACK_BUTTON, NO_BUTTON],
            )
            return [SlotSet("handover_reason", reason)]
        prefix = "Vervelend dat het niet lukt. " if reason == "frustration" else ""
        if result.get("status") == "queued":
            position, wait = result["position"], result["wait_minutes"]
            dispatcher.utter_message(text=(
                f"{prefix}Ik verbind je met een medewerker van de gemeente. Je bent nummer {position} "
                f"in de wachtrij. De wachttijd is ongeveer {wait} minuten. Je kunt alvast typen: "
                f"de medewerker leest alles wat je mij al vertelde."
            ))
            return [SlotSet("handover_reason", reason), ConversationPaused()]
        if result.get("status") == "closed":
            opens = datetime.fromisoformat(result["opens_at"])
            when = f"{opens:%d-%m} vanaf {opens:%H:%M}"
            text = (f"{prefix}Er is nu geen medewerker. We zijn weer bereikbaar op {when}. "
                    f"Wil je dat we je terugbellen? Dan maak ik een terugbelverzoek.")
        else:
            text = (f"{prefix}Alle medewerkers zijn nu bezet of niet ingelogd. "
                    f"Wil je dat we je terugbellen? Dan maak ik een terugbelverzoek.")
        dispatcher.utter_message(text=text, buttons=[CALLBACK_BUTTON, NO_BUTTON])
        return [SlotSet("handover_reason", reason)]
