"""The summary ("klopt dit?"), sending the case to the bot service, and stopping."""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import validation
from bot.catalogue import CASE_SLOTS

from .. import outcome
from ..desk_client import BotServiceUnavailable, DeskClient, NotFound, Rejected
from ..routing import catalogue, current_product
from .form import case_type
from .validators import ANONYMOUS, SKIPPED, change_buttons

CONFIRM_BUTTON = {"title": "Ja, versturen", "payload": "ja versturen"}
FORM_SLOTS = CASE_SLOTS + ("case_confirm",)


def idempotency_key(tracker: Tracker) -> str:
    """Derived from the conversation and this form submission (the message that completed it).

    The same submission retried gives the same key; a new case in the same
    conversation gives a new one.
    """
    marker = next((e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "user"), "")
    raw = f"{tracker.sender_id}:{tracker.get_slot('case_type')}:{marker}"
    return "chat:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def summary_lines(tracker: Tracker) -> List[str]:
    """'Label: value' for every field of the case type, as the citizen will check it."""
    lines = []
    for field in case_type(tracker).fields:
        value = tracker.get_slot(field.slot)
        if field.slot == "case_category" and value in catalogue().signalen:
            main = catalogue().signalen[value]
            value = f"{main[1]} – {main[2]}"
        if value == SKIPPED:
            value = "(niet ingevuld)"
        lines.append(f"{field.label}: {value}")
    return lines


class AskCaseConfirm(Action):
    """The summary of everything that will be sent, with 'klopt dit?'."""

    def name(self) -> Text:
        return "action_ask_case_confirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        text = f"Dit stuur ik als {case_type(tracker).name}:\n" + "\n".join(summary_lines(tracker)) + "\nKlopt dit?"
        dispatcher.utter_message(text=text, buttons=[CONFIRM_BUTTON] + change_buttons(tracker))
        outcome.report_journey(dispatcher, tracker, case_type(tracker).id)
        return []


def case_request(tracker: Tracker) -> dict:
    """The request body for the bot service's case API."""
    kind = case_type(tracker)
    product = current_product(tracker)
    details = {slot.removeprefix("case_"): tracker.get_slot(slot)
               for slot in kind.slots if slot not in ("case_contact", "case_phone")}
    if kind.id == "report":
        category = tracker.get_slot("case_category")
        if category in catalogue().signalen:
            details.update({"main_category": catalogue().signalen[category][0], "sub_category": category})
        details.pop("category", None)
    body: Dict[str, Any] = {
        "type": kind.id,
        "product": product.upl_name if product else ({"complaint": "klacht"}.get(kind.id)),
        "conversation_id": tracker.sender_id,
        "channel": "chat",
        "details": details,
        "idempotency_key": idempotency_key(tracker),
    }
    contact = tracker.get_slot("case_contact")
    if contact and contact not in (ANONYMOUS, SKIPPED):
        if "@" in contact:
            body["email"] = contact
        elif contact.startswith("+"):
            body["phone"] = contact
        else:
            details["address"] = contact
            body["postcode"] = validation.find_postcode(contact)
    if tracker.get_slot("case_phone"):
        body["phone"] = tracker.get_slot("case_phone")
    location = tracker.get_slot("case_location")
    if location and not body.get("postcode"):
        body["postcode"] = validation.find_postcode(location)
    return body


def confirmation(case: dict) -> str:
    """What the citizen reads after submitting: number, department, term, end date, next step, lookup code.

    The bot service sends the lookup code only in the answer that opened the case. A retried
    request (the first answer was lost) gets the case without it; then the citizen asks for
    the status with the e-mail address or phone number given, or calls.
    """
    due = date.fromisoformat(case["due_date"])
    next_step = catalogue().case_types[case["type"]].next_step
    text = (f"Gelukt! Je zaaknummer is {case['number']}. {case['department']['name']} behandelt dit. "
            f"Dat duurt maximaal {case['handling_term_days']} dagen: uiterlijk {due:%d-%m-%Y}. {next_step} ")
    if case.get("lookup_code"):
        return text + (f"Je code is {case['lookup_code']}. Bewaar deze code. "
                       "Je hebt hem nodig om de status van je zaak op te vragen.")
    contact = case.get("contact") or {}
    if contact.get("email") or contact.get("phone"):
        return text + ("Bewaar je zaaknummer. Je vraagt de status op met dit nummer en het e-mailadres "
                       "of telefoonnummer dat je gaf.")
    return text + f"Bewaar je zaaknummer. Wil je de status weten? Bel dan {catalogue().contact_centre.phone}."


def forget_answers() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ActionSubmitCase(Action):
    """Open the case through the bot service and tell the citizen what happens next."""

    def __init__(self, client: Optional[DeskClient] = None):
        self.client = client

    def name(self) -> Text:
        return "action_submit_case"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        client = self.client or DeskClient()
        phone = catalogue().contact_centre.phone
        kind = case_type(tracker).id
        # Reported first: whatever happens below, this turn was a step of the journey.
        outcome.report_journey(dispatcher, tracker, kind)
        try:
            case = client.open_case(case_request(tracker))
        except (BotServiceUnavailable, NotFound):
            # Nothing was sent; the conversation, with every answer, stays for a clerk to see.
            dispatcher.utter_message(
                text=f"Het versturen lukt nu niet. Er is nog niets verstuurd. Probeer het zo opnieuw, "
                     f"of bel {phone}: de medewerker ziet wat je mij vertelde.")
            return []
        except Rejected as exc:
            dispatcher.utter_message(text=f"Het versturen lukt niet: {exc}. Bel {phone}, dan helpen we je verder.")
            return forget_answers()
        dispatcher.utter_message(text=confirmation(case))
        # The case is open and its department named: the journey ended with an owner.
        outcome.report_journey(dispatcher, tracker, case["type"], department=(case.get("department") or {}).get("id"),
                               product=case.get("product"))
        return forget_answers() + [SlotSet("case_number", case["number"])]


class ActionCancelCase(Action):
    """The citizen stopped: nothing is sent, the answers are forgotten."""

    def name(self) -> Text:
        return "action_cancel_case"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        dispatcher.utter_message(text="Oké, ik ben gestopt. Er is niets verstuurd. Kan ik je nog ergens anders mee helpen?")
        outcome.report_journey(dispatcher, tracker, tracker.get_slot("case_type"))
        return forget_answers() + [SlotSet("case_type", None)]
