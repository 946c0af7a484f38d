"""Check every answer of the case form, with a clear Dutch message when it is wrong."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, List, Optional, Text
from zoneinfo import ZoneInfo

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import validation
from bot.privacy import mask_personal_numbers

from ..routing import catalogue
from .categories import PAYLOAD_PREFIX
from .form import case_type, fields_for

TIMEZONE = ZoneInfo("Europe/Amsterdam")
SKIPPED = "-"
ANONYMOUS = "anoniem"
MIN_TEXT = 3
MAX_TEXT = 1000
MAX_NAME = 100
PARTS_OF_DAY = {"ochtend": "ochtend", "morgen": "ochtend", "middag": "middag", "smiddags": "middag",
                "avond": "avond", "savonds": "avond", "maakt niet uit": "maakt niet uit",
                "maakt niks uit": "maakt niet uit"}
SKIP_WORDS = re.compile(r"^\s*(overslaan|sla over|skip|weet ik niet|geen idee|weet niet|nee|geen|-)\s*[.!]?\s*$", re.I)
ANONYMOUS_WORDS = re.compile(r"\b(anoniem|anonymous|liever niet|zonder gegevens)\b", re.I)
YES = re.compile(r"^\s*(/affirm|ja+|jazeker|klopt|correct|ok(é|e|ay)?|prima|goed|verstuur|versturen|"
                 r"ja,? versturen|ja,? klopt|yes)\b", re.I)
NO = re.compile(r"^\s*(/deny|nee|klopt niet|niet goed|fout|wijzigen|aanpassen)\b", re.I)
# The summary's "Wijzig ..." buttons send "wijzig <slot>"; typed "wijzig plek" works too.
CHANGE = re.compile(r"^\s*wijzig(?:en)?:?\s*(case_\w+|.+?)\s*$", re.I)


def change_buttons(tracker: Tracker) -> List[dict]:
    """A 'Wijzig ...' button for every field of the case type."""
    return [{"title": f"Wijzig {field.label.lower()}", "payload": f"wijzig {field.slot}"}
            for field in case_type(tracker).fields]


class ValidateCaseForm(FormValidationAction):
    """Checks every field of case_form, with a Dutch message when it is wrong."""

    def name(self) -> Text:
        return "validate_case_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return fields_for(tracker.get_slot("case_type"))

    def _text(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str) -> Optional[str]:
        """Free text: not a command, skippable when optional, BSN/IBAN masked, within limits."""
        text = (value or "").strip() if isinstance(value, str) else ""
        if text.startswith("/"):
            dispatcher.utter_message(text="Typ je antwoord in je eigen woorden.")
            return None
        field = case_type(tracker).field(slot)
        if field is not None and field.optional and (SKIP_WORDS.match(text) or text == field.skip_value):
            return SKIPPED
        masked = mask_personal_numbers(text)
        if masked.masked:
            dispatcher.utter_message(text="Je typte een burgerservicenummer of rekeningnummer. "
                                          "Dat heb ik weggehaald; dat is niet nodig.")
        text = masked.text
        if len(text) < MIN_TEXT:
            dispatcher.utter_message(text="Dat is wat kort. Kun je iets meer vertellen?")
            return None
        if len(text) > MAX_TEXT:
            dispatcher.utter_message(text=f"Dat is te lang. Gebruik maximaal {MAX_TEXT} tekens.")
            return None
        return text

    async def validate_case_category(self, value, dispatcher, tracker, domain):
        text = (value or "").strip()
        signalen = catalogue().signalen
        slug = text[len(PAYLOAD_PREFIX):] if text.startswith(PAYLOAD_PREFIX) else None
        if slug in signalen:
            return {"case_category": slug}
        for sub_slug, (_, _, sub_name, _) in signalen.items():
            if text.lower() in (sub_slug, sub_name.lower()):
                return {"case_category": sub_slug}
        dispatcher.utter_message(text="Kies een van de knoppen, of 'Iets anders'.")
        return {"case_category": None}

    async def validate_case_location(self, value, dispatcher, tracker, domain):
        text = self._text(value, dispatcher, tracker, "case_location")
        if text is None:
            return {"case_location": None}
        if re.search(r"\b\d{4}\s?[a-z]{2}\b", text, re.I) and validation.find_postcode(text) is None:
            dispatcher.utter_message(text="Die postcode klopt niet. Een postcode heeft 4 cijfers en 2 letters, zoals 1234 AB.")
            return {"case_location": None}
        return {"case_location": text}

    async def validate_case_description(self, value, dispatcher, tracker, domain):
        return {"case_description": self._text(value, dispatcher, tracker, "case_description")}

    async def validate_case_when(self, value, dispatcher, tracker, domain):
        text = self._text(value, dispatcher, tracker, "case_when")
        if text is None:
            return {"case_when": None}
        # Keep the citizen's words and add the day they name: "gisteren" means nothing
        # to the clerk who reads the complaint next week.
        try:
            day = validation.incident_moment(text, datetime.now(TIMEZONE).replace(tzinfo=None))
        except validation.InvalidValue as exc:
            dispatcher.utter_message(text=str(exc))
            return {"case_when": None}
        return {"case_when": f"{text} ({day})" if day and day not in text else text}

    async def validate_case_employee(self, value, dispatcher, tracker, domain):
        return {"case_employee": self._text(value, dispatcher, tracker, "case_employee")}

    async def validate_case_wish(self, value, dispatcher, tracker, domain):
        return {"case_wish": self._text(value, dispatcher, tracker, "case_wish")}

    async def validate_case_topic(self, value, dispatcher, tracker, domain):
        return {"case_topic": self._text(value, dispatcher, tracker, "case_topic")}

    async def validate_case_name(self, value, dispatcher, tracker, domain):
        text = (value or "").strip()
        if not re.search(r"[A-Za-zÀ-ÿ]{2,}", text) or len(text) > MAX_NAME or any(c.isdigit() for c in text):
            dispatcher.utter_message(text="Typ je voornaam en achternaam, bijvoorbeeld: Fatima de Jong.")
            return {"case_name": None}
        return {"case_name": text}

    async def validate_case_contact(self, value, dispatcher, tracker, domain):
        type_id = tracker.get_slot("case_type")
        text = (value or "").strip()
        field = case_type(tracker).field("case_contact")
        if field is not None and field.optional and (ANONYMOUS_WORDS.search(text) or SKIP_WORDS.match(text)):
            return {"case_contact": ANONYMOUS}
        if type_id == "complaint" and "@" not in text:
            # Awb 9:8: a complaint needs a name and address; a postal address with postcode will do.
            if validation.find_postcode(text) and re.search(r"[A-Za-zÀ-ÿ]{3,}\s*\d", text):
                return {"case_contact": text}
            dispatcher.utter_message(text="Typ je e-mailadres, of je straat, huisnummer en postcode. "
                                          "Zonder contactgegevens kunnen we een klacht niet behandelen.")
            return {"case_contact": None}
        try:
            contact = validation.contact(text)
        except validation.InvalidValue as exc:
            dispatcher.utter_message(text=str(exc))
            return {"case_contact": None}
        return {"case_contact": contact.get("email") or contact.get("phone")}

    async def validate_case_phone(self, value, dispatcher, tracker, domain):
        try:
            return {"case_phone": validation.phone((value or "").strip())}
        except validation.InvalidValue as exc:
            dispatcher.utter_message(text=str(exc))
            return {"case_phone": None}

    async def validate_case_part_of_day(self, value, dispatcher, tracker, domain):
        text = re.sub(r"[^a-z ]", "", (value or "").lower())
        for word, part in PARTS_OF_DAY.items():
            if word in text:
                return {"case_part_of_day": part}
        dispatcher.utter_message(text="Kies ochtend, middag of maakt niet uit.")
        return {"case_part_of_day": None}

    async def validate_case_confirm(self, value, dispatcher, tracker, domain):
        text = (value or "").strip()
        change = CHANGE.match(text)
        if change:
            wanted = change.group(1).strip().lower()
            for field in case_type(tracker).fields:
                if wanted in (field.slot, field.label.lower()):
                    return {"case_confirm": None, field.slot: None}
            dispatcher.utter_message(text="Kies met de knoppen wat je wilt wijzigen.")
            return {"case_confirm": None}
        if YES.match(text):
            return {"case_confirm": "ja"}
        if NO.match(text):
            dispatcher.utter_message(text="Wat wil je wijzigen?", buttons=change_buttons(tracker))
            return {"case_confirm": None}
        dispatcher.utter_message(text="Kies 'Ja, versturen', of kies wat je wilt wijzigen. Stoppen kan ook: typ 'laat maar'.")
        return {"case_confirm": None}
