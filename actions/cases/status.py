"""Look up a case's status: the case number, then something only the citizen gave."""
from __future__ import annotations

import re
from datetime import date
from typing import Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import validation

from ..desk_client import BotServiceUnavailable, DeskClient, NotFound, Rejected
from ..routing import catalogue

CASE_NUMBER = re.compile(r"\bZ-\d{4}-\d{6}\b", re.I)


class AskStatusNumber(Action):
    def name(self) -> Text:
        return "action_ask_status_number"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Wat is het zaaknummer? Het ziet er zo uit: Z-2026-000123.")
        return []


class AskStatusVerification(Action):
    def name(self) -> Text:
        return "action_ask_status_verification"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Om je privacy te beschermen: wat is het e-mailadres of de postcode "
                                      "die je bij de zaak opgaf?")
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
        text = (value or "").strip()
        if "@" in text:
            try:
                return {"status_verification": validation.email(text)}
            except validation.InvalidValue as exc:
                dispatcher.utter_message(text=str(exc))
                return {"status_verification": None}
        postcode = validation.find_postcode(text)
        if postcode:
            return {"status_verification": postcode}
        dispatcher.utter_message(text="Typ het e-mailadres of de postcode die je bij de zaak gaf.")
        return {"status_verification": None}


class ActionCaseStatus(Action):
    """Status and department, only after the e-mail or postcode matches."""

    def __init__(self, client: Optional[DeskClient] = None):
        self.client = client

    def name(self) -> Text:
        return "action_case_status"

    def run(self, dispatcher, tracker, domain):
        client = self.client or DeskClient()
        number, verification = tracker.get_slot("status_number"), tracker.get_slot("status_verification")
        reset = [SlotSet("status_number", None), SlotSet("status_verification", None)]
        try:
            case = client.lookup_case(number, verification)
        except (NotFound, Rejected):
            dispatcher.utter_message(text=(
                "Ik kan geen zaak vinden met dat nummer en die gegevens. Controleer het zaaknummer en "
                f"het e-mailadres of de postcode. Geen e-mail of postcode opgegeven? Bel dan {catalogue().contact_centre.phone}."))
            return reset
        except BotServiceUnavailable:
            dispatcher.utter_message(text="Ik kan de status nu niet opvragen. Probeer het later opnieuw.")
            return reset
        due = date.fromisoformat(case["due_date"])
        dispatcher.utter_message(text=(
            f"Zaak {case['number']} ({case['type_nl'].lower()}) is {case['status_nl']}. "
            f"{case['department']['name']} behandelt hem, uiterlijk {due:%d-%m-%Y}."))
        return reset
