"""Look up a case's status: the case number, then something only the citizen has.

That is the lookup code from the confirmation, or the e-mail address or phone number the
citizen gave. Not the postcode: for a report about a public place that is the place's
postcode, which anyone can know. The bot service limits failed lookups per case number and
per conversation (bot/cases/store.py); this conversation's id is sent for that.
"""
from __future__ import annotations

import math
import re
from datetime import date
from typing import Optional, Text

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import SlotSet

from bot import validation
from bot.cases.model import normalise_lookup_code

from .. import outcome
from ..desk_client import BotServiceUnavailable, DeskClient, Locked, NotFound, Rejected
from ..routing import catalogue

CASE_NUMBER = re.compile(r"\bZ-\d{4}-\d{6}\b", re.I)


class AskStatusNumber(Action):
    """Ask for the case number."""

    def name(self) -> Text:
        return "action_ask_status_number"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Wat is het zaaknummer? Het ziet er zo uit: Z-2026-000123.")
        outcome.report_journey(dispatcher, tracker)
        return []


class AskStatusVerification(Action):
    """Ask for the lookup code, or the e-mail address or phone number given with the case."""

    def name(self) -> Text:
        return "action_ask_status_verification"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Om je privacy te beschermen: wat is de code uit de bevestiging? "
                                      "Die ziet er zo uit: K7QF-M3ZD. Heb je de code niet? Typ dan het "
                                      "e-mailadres of telefoonnummer dat je bij de zaak gaf.")
        outcome.report_journey(dispatcher, tracker)
        return []


class ValidateStatusForm(FormValidationAction):
    """Case number and verification for a status lookup."""

    def name(self) -> Text:
        return "validate_status_form"

    async def extract_status_number(self, dispatcher, tracker, domain):
        """A case number anywhere in the latest message ("status van Z-2026-000123?")."""
        if tracker.get_slot("status_number"):
            return {}
        match = CASE_NUMBER.search(tracker.latest_message.get("text") or "")
        return {"status_number": match.group(0).upper()} if match else {}

    async def validate_status_number(self, value, dispatcher, tracker, domain):
        match = CASE_NUMBER.search(value or "")
        if not match:
            dispatcher.utter_message(text="Dat is geen zaaknummer. Een zaaknummer ziet er zo uit: Z-2026-000123.")
            return {"status_number": None}
        return {"status_number": match.group(0).upper()}

    async def validate_status_verification(self, value, dispatcher, tracker, domain):
        """The lookup code, an e-mail address or a phone number, normalised; else ask again."""
        text = (value or "").strip()
        code = normalise_lookup_code(text)
        if code:
            return {"status_verification": code}
        if "@" in text:
            try:
                return {"status_verification": validation.email(text)}
            except validation.InvalidValue as exc:
                dispatcher.utter_message(text=str(exc))
                return {"status_verification": None}
        try:
            return {"status_verification": validation.phone(text)}
        except validation.InvalidValue:
            pass
        dispatcher.utter_message(text="Typ de code uit de bevestiging, zoals K7QF-M3ZD. Of typ het e-mailadres "
                                      "of telefoonnummer dat je bij de zaak gaf.")
        return {"status_verification": None}


def locked_message(retry_after: Optional[int]) -> str:
    """Too many wrong tries: when to try again, and the contact centre's number."""
    phone = catalogue().contact_centre.phone
    when = f"over {math.ceil(retry_after / 3600)} uur" if retry_after else "later"
    # Neutral wording: the lock may come from someone else's tries on this case number.
    return ("Er waren te veel pogingen met een verkeerd zaaknummer of verkeerde gegevens. Daarom kan ik de "
            f"status nu niet opvragen. Probeer het {when} opnieuw. Of bel {phone}, dan helpen we je verder.")


class ActionCaseStatus(Action):
    """Status and department, only after the lookup code, e-mail address or phone number matches."""

    def __init__(self, client: Optional[DeskClient] = None):
        self.client = client

    def name(self) -> Text:
        return "action_case_status"

    def run(self, dispatcher, tracker, domain):
        client = self.client or DeskClient()
        number, verification = tracker.get_slot("status_number"), tracker.get_slot("status_verification")
        reset = [SlotSet("status_number", None), SlotSet("status_verification", None)]
        outcome.report_journey(dispatcher, tracker)
        try:
            case = client.lookup_case(number, verification, tracker.sender_id)
        except Locked as exc:
            dispatcher.utter_message(text=locked_message(exc.retry_after))
            return reset
        except (NotFound, Rejected):
            dispatcher.utter_message(text=(
                "Ik kan geen zaak vinden met dat nummer en die gegevens. Controleer het zaaknummer en de code "
                "(of het e-mailadres of telefoonnummer). Heb je geen code en gaf je geen e-mailadres of "
                f"telefoonnummer? Bel dan {catalogue().contact_centre.phone}."))
            return reset
        except BotServiceUnavailable:
            dispatcher.utter_message(text="Ik kan de status nu niet opvragen. Probeer het later opnieuw.")
            return reset
        due = date.fromisoformat(case["due_date"])
        dispatcher.utter_message(text=(
            f"Zaak {case['number']} ({case['type_nl'].lower()}) is {case['status_nl']}. "
            f"{case['department']['name']} behandelt hem, uiterlijk {due:%d-%m-%Y}."))
        return reset
