"""Open a case (zaak) from the chat, and look one up.

One form (`case_form`) for the four case types; which fields it asks depends on the
type. Every field is checked with a clear Dutch message; the citizen can skip optional
fields, change any field at the summary ("klopt dit?"), or stop ("laat maar") without a
case being opened. The case is opened through the bot service (desk_client), with an
idempotency key derived from the conversation and the form submission, so a retry
after a timeout never opens two cases.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import validation
from bot.catalogue import Product
from bot.privacy import mask_personal_numbers

from .desk_client import BotServiceUnavailable, DeskClient, NotFound, Rejected
from .routing import catalogue, current_product

TIMEZONE = ZoneInfo("Europe/Amsterdam")

CASE_TYPES = ("report", "complaint", "callback", "question")
# The NLU uses the citizen's Dutch words as entity values (melding, klacht, ...): the same
# words are also topics and product names, and Rasa's synonym mapping ignores the entity type.
CASE_TYPE_WORDS = {"melding": "report", "klacht": "complaint", "terugbellen": "callback",
                   "vraag": "question", **{t: t for t in ("report", "complaint", "callback", "question")}}
FIELDS = {
    "report": ["case_category", "case_location", "case_description", "case_contact", "case_confirm"],
    "complaint": ["case_description", "case_when", "case_employee", "case_wish", "case_name",
                  "case_contact", "case_confirm"],
    "callback": ["case_topic", "case_phone", "case_part_of_day", "case_confirm"],
    "question": ["case_description", "case_contact", "case_confirm"],
}
ALL_FIELDS = sorted({f for fields in FIELDS.values() for f in fields})
OPTIONAL = {("report", "case_contact"), ("complaint", "case_employee")}
SKIPPED = "-"
ANONYMOUS = "anoniem"
LABELS = {
    "case_category": "Soort melding",
    "case_location": "Plek",
    "case_description": "Omschrijving",
    "case_when": "Wanneer",
    "case_employee": "Afdeling of medewerker",
    "case_wish": "Wat je wilt",
    "case_name": "Naam",
    "case_contact": "Contact",
    "case_topic": "Onderwerp",
    "case_phone": "Telefoonnummer",
    "case_part_of_day": "Dagdeel",
}
QUESTIONS = {
    ("report", "case_location"): "Waar is het? Typ de straat en het huisnummer, de postcode, of beschrijf de plek.",
    ("report", "case_description"): "Wat is er aan de hand? Beschrijf het kort.",
    ("report", "case_contact"): "Wil je bericht over je melding? Typ je e-mailadres of telefoonnummer. Of kies 'Anoniem melden'.",
    ("complaint", "case_description"): "Wat is er gebeurd? Vertel het in je eigen woorden.",
    ("complaint", "case_when"): "Wanneer gebeurde het? Bijvoorbeeld: 'gisteren' of '3 november'.",
    ("complaint", "case_employee"): "Over welke afdeling of medewerker gaat het? Weet je het niet? Kies dan 'Weet ik niet'.",
    ("complaint", "case_wish"): "Wat wil je dat de gemeente doet? Bijvoorbeeld: excuses, uitleg of een oplossing.",
    ("complaint", "case_name"): "Wat is je naam? Voor een klacht hebben we je naam nodig (Awb 9:8).",
    ("complaint", "case_contact"): "Hoe kunnen we je bereiken? Typ je e-mailadres, of je adres met postcode.",
    ("callback", "case_topic"): "Waar gaat je vraag over? Dan belt de juiste medewerker je.",
    ("callback", "case_phone"): "Op welk telefoonnummer kunnen we je bellen?",
    ("callback", "case_part_of_day"): "Wanneer kunnen we je het beste bellen?",
    ("question", "case_description"): "Wat is je vraag voor de afdeling? Typ hem zo volledig mogelijk.",
    ("question", "case_contact"): "Hoe krijg je het antwoord? Typ je e-mailadres of telefoonnummer.",
}
PARTS_OF_DAY = {"ochtend": "ochtend", "morgen": "ochtend", "middag": "middag", "smiddags": "middag",
                "avond": "avond", "savonds": "avond", "maakt niet uit": "maakt niet uit", "maakt niks uit": "maakt niet uit"}
SKIP_WORDS = re.compile(r"^\s*(overslaan|sla over|skip|weet ik niet|geen idee|weet niet|nee|geen|-)\s*[.!]?\s*$", re.I)
ANONYMOUS_WORDS = re.compile(r"\b(anoniem|anonymous|liever niet|zonder gegevens)\b", re.I)
YES = re.compile(r"^\s*(/affirm|ja+|jazeker|klopt|correct|ok(é|e|ay)?|prima|goed|verstuur|versturen|ja,? versturen|ja,? klopt|yes)\b", re.I)
NO = re.compile(r"^\s*(/deny|nee|klopt niet|niet goed|fout|wijzigen|aanpassen)\b", re.I)
CHANGE = re.compile(r"^\s*wijzig(?:en)?:?\s*(case_\w+|.+?)\s*$", re.I)
MIN_TEXT = 3
MAX_TEXT = 1000
CASE_NUMBER = re.compile(r"\bZ-\d{4}-\d{6}\b", re.I)


def fields_for(case_type: Optional[str]) -> List[str]:
    return FIELDS.get(case_type or "question", FIELDS["question"])


def ask_text(case_type: str, slot: str) -> str:
    return QUESTIONS.get((case_type, slot)) or QUESTIONS.get(("question", slot), "")


def case_product(tracker: Tracker) -> Optional[Product]:
    return current_product(tracker)


def department_name(tracker: Tracker) -> str:
    product = case_product(tracker)
    return catalogue().department_of(product).name if product else ""


def idempotency_key(tracker: Tracker) -> str:
    """Derived from the conversation and this form submission (the event that completed it).

    The same submission retried gives the same key; a new case in the same
    conversation gives a new one.
    """
    marker = next((e.get("timestamp") for e in reversed(tracker.events)
                   if e.get("event") == "user"), "")
    raw = f"{tracker.sender_id}:{tracker.get_slot('case_type')}:{marker}"
    return "chat:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def category_suggestions(text: str, product: Optional[Product]) -> List[tuple]:
    """Signalen sub categories that fit the citizen's words, best first (sub_slug, name)."""
    signalen = catalogue().signalen
    words = {w for w in re.findall(r"\w{4,}", (text or "").lower())}
    scored = []
    for sub_slug, (main_slug, main_name, sub_name, _) in signalen.items():
        name_words = set(re.findall(r"\w{4,}", f"{sub_name} {sub_slug}".lower()))
        score = sum(1 for w in words for n in name_words if w.startswith(n[:5]) or n.startswith(w[:5]))
        if score:
            scored.append((score, sub_slug, sub_name))
    scored.sort(key=lambda s: (-s[0], s[2]))
    result = []
    if product and product.case and product.case.signalen:
        result.append((product.case.signalen, signalen[product.case.signalen][2]))
    for _, sub_slug, sub_name in scored:
        if sub_slug not in [r[0] for r in result]:
            result.append((sub_slug, sub_name))
    if "overig" not in [r[0] for r in result]:
        result.append(("overig", signalen["overig"][2] if "overig" in signalen else "Overig"))
    return result[:4] if len(result) > 4 else result


def summary_lines(tracker: Tracker) -> List[str]:
    case_type = tracker.get_slot("case_type")
    lines = []
    for slot in fields_for(case_type):
        if slot == "case_confirm":
            continue
        value = tracker.get_slot(slot)
        if slot == "case_category" and value in catalogue().signalen:
            main = catalogue().signalen[value]
            value = f"{main[1]} – {main[2]}"
        if value == SKIPPED:
            value = "(niet ingevuld)"
        lines.append(f"{LABELS[slot]}: {value}")
    return lines


class ActionPrepareCase(Action):
    """Start a case form: clear old answers, take what the citizen already told."""

    def name(self) -> Text:
        return "action_prepare_case"

    def run(self, dispatcher, tracker, domain):
        word = next(tracker.get_latest_entity_values("case_type"), None) or tracker.get_slot("case_type")
        case_type = CASE_TYPE_WORDS.get((word or "").lower(), "question")
        events = [SlotSet(slot, None) for slot in ALL_FIELDS]
        events.append(SlotSet("case_type", case_type))
        product = case_product(tracker)
        # The citizen never has to tell the story twice: the question that led here is
        # the first description (shown in the summary, and can be changed there).
        story = _last_story(tracker)
        if story and case_type in ("report", "question"):
            events.append(SlotSet("case_description", story))
        if product and case_type == "callback":
            events.append(SlotSet("case_topic", product.title))
        intro = {
            "report": "Ik help je een melding te maken.",
            "complaint": "Ik help je een klacht in te dienen. De klachtencoördinator behandelt je klacht.",
            "callback": "Ik maak een terugbelverzoek voor je.",
            "question": "Ik zet je vraag door naar de afdeling.",
        }[case_type]
        dispatcher.utter_message(text=intro + " Je kunt altijd stoppen: typ 'laat maar'.")
        return events


def _last_story(tracker: Tracker) -> Optional[str]:
    """The citizen's last message about a product (not a button or a short reply)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        text = event.get("text") or ""
        if intent == "ask_product" and not text.startswith("/") and len(text) >= MIN_TEXT:
            return mask_personal_numbers(text).text
    return None


class ValidateCaseForm(FormValidationAction):
    """Checks every field of case_form, with a Dutch message when it is wrong."""

    def name(self) -> Text:
        return "validate_case_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return fields_for(tracker.get_slot("case_type"))

    def _text(self, value: Any, dispatcher, slot: str, case_type: str) -> Optional[str]:
        text = (value or "").strip() if isinstance(value, str) else ""
        if text.startswith("/"):
            dispatcher.utter_message(text="Typ je antwoord in je eigen woorden.")
            return None
        if (case_type, slot) in OPTIONAL and SKIP_WORDS.match(text):
            return SKIPPED
        masked = mask_personal_numbers(text)
        if masked.masked:
            dispatcher.utter_message(text="Je typte een burgerservicenummer of rekeningnummer. Dat heb ik weggehaald; dat is niet nodig.")
        text = masked.text
        if len(text) < MIN_TEXT:
            dispatcher.utter_message(text="Dat is wat kort. Kun je iets meer vertellen?")
            return None
        if len(text) > MAX_TEXT:
            dispatcher.utter_message(text=f"Dat is te lang. Gebruik maximaal {MAX_TEXT} tekens.")
            return None
        return text

    def _plain(self, slot: str):
        async def validate(value, dispatcher, tracker, domain) -> Dict[Text, Any]:
            return {slot: self._text(value, dispatcher, slot, tracker.get_slot("case_type"))}
        return validate

    async def validate_case_category(self, value, dispatcher, tracker, domain):
        text = (value or "").strip()
        signalen = catalogue().signalen
        slug = text.split(":", 1)[1] if text.startswith("categorie:") else None
        if slug in signalen:
            return {"case_category": slug}
        for sub_slug, (_, _, sub_name, _) in signalen.items():
            if text.lower() in (sub_slug, sub_name.lower()):
                return {"case_category": sub_slug}
        dispatcher.utter_message(text="Kies een van de knoppen, of 'Iets anders'.")
        return {"case_category": None}

    async def validate_case_location(self, value, dispatcher, tracker, domain):
        text = self._text(value, dispatcher, "case_location", "report")
        if text is None:
            return {"case_location": None}
        postcode = validation.find_postcode(text)
        if re.search(r"\b\d{4}\s?[a-z]{2}\b", text, re.I) and postcode is None:
            dispatcher.utter_message(text="Die postcode klopt niet. Een postcode heeft 4 cijfers en 2 letters, zoals 1234 AB.")
            return {"case_location": None}
        return {"case_location": text}

    async def validate_case_description(self, value, dispatcher, tracker, domain):
        return await self._plain("case_description")(value, dispatcher, tracker, domain)

    async def validate_case_when(self, value, dispatcher, tracker, domain):
        text = self._text(value, dispatcher, "case_when", tracker.get_slot("case_type"))
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
        return await self._plain("case_employee")(value, dispatcher, tracker, domain)

    async def validate_case_wish(self, value, dispatcher, tracker, domain):
        return await self._plain("case_wish")(value, dispatcher, tracker, domain)

    async def validate_case_topic(self, value, dispatcher, tracker, domain):
        return await self._plain("case_topic")(value, dispatcher, tracker, domain)

    async def validate_case_name(self, value, dispatcher, tracker, domain):
        text = (value or "").strip()
        if not re.search(r"[A-Za-zÀ-ÿ]{2,}", text) or len(text) > 100 or any(c.isdigit() for c in text):
            dispatcher.utter_message(text="Typ je voornaam en achternaam, bijvoorbeeld: Fatima de Jong.")
            return {"case_name": None}
        return {"case_name": text}

    async def validate_case_contact(self, value, dispatcher, tracker, domain):
        case_type = tracker.get_slot("case_type")
        text = (value or "").strip()
        if case_type == "report" and (ANONYMOUS_WORDS.search(text) or SKIP_WORDS.match(text)):
            return {"case_contact": ANONYMOUS}
        if case_type == "complaint" and "@" not in text:
            # Awb 9:8: a complaint needs a name and address; a postal address with postcode will do.
            postcode = validation.find_postcode(text)
            if postcode and re.search(r"[A-Za-zÀ-ÿ]{3,}\s*\d", text):
                return {"case_contact": text}
            dispatcher.utter_message(text="Typ je e-mailadres, of je straat, huisnummer en postcode. Zonder contactgegevens kunnen we een klacht niet behandelen.")
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
            fields = fields_for(tracker.get_slot("case_type"))
            for slot in fields:
                if wanted in (slot, LABELS.get(slot, "").lower()):
                    return {"case_confirm": None, slot: None}
            dispatcher.utter_message(text="Kies met de knoppen wat je wilt wijzigen.")
            return {"case_confirm": None}
        if YES.match(text):
            return {"case_confirm": "ja"}
        if NO.match(text):
            dispatcher.utter_message(text="Wat wil je wijzigen?", buttons=_change_buttons(tracker))
            return {"case_confirm": None}
        dispatcher.utter_message(text="Kies 'Ja, versturen', of kies wat je wilt wijzigen. Stoppen kan ook: typ 'laat maar'.")
        return {"case_confirm": None}


def _change_buttons(tracker: Tracker) -> List[dict]:
    return [{"title": f"Wijzig {LABELS[s].lower()}", "payload": f"wijzig {s}"}
            for s in fields_for(tracker.get_slot("case_type")) if s != "case_confirm"]


class AskCaseSlot:
    """Ask for one field of case_form, worded for the case type (mixed into an Action per slot)."""

    slot = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    def run(self, dispatcher, tracker, domain):
        case_type = tracker.get_slot("case_type") or "question"
        buttons = []
        if (case_type, self.slot) in OPTIONAL:
            label = "Anoniem melden" if self.slot == "case_contact" else "Weet ik niet"
            buttons.append({"title": label, "payload": ANONYMOUS if self.slot == "case_contact" else "weet ik niet"})
        dispatcher.utter_message(text=ask_text(case_type, self.slot), buttons=buttons)
        return []


for _slot in ("case_location", "case_description", "case_when", "case_employee", "case_wish",
              "case_name", "case_contact", "case_topic", "case_phone"):
    globals()[f"Ask_{_slot}"] = type(f"Ask_{_slot}", (AskCaseSlot, Action), {"slot": _slot})


class AskCasePartOfDay(AskCaseSlot, Action):
    slot = "case_part_of_day"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=ask_text("callback", self.slot), buttons=[
            {"title": "Ochtend", "payload": "ochtend"},
            {"title": "Middag", "payload": "middag"},
            {"title": "Maakt niet uit", "payload": "maakt niet uit"},
        ])
        return []


class AskCaseCategory(AskCaseSlot, Action):
    """Report category: Signalen sub categories that fit the citizen's words, as buttons."""

    slot = "case_category"

    def run(self, dispatcher, tracker, domain):
        text = " ".join(filter(None, [tracker.get_slot("case_description"), _last_story(tracker)]))
        options = category_suggestions(text, case_product(tracker))
        dispatcher.utter_message(
            text="Over welk soort probleem gaat je melding? Kies wat het best past.",
            buttons=[{"title": ("Iets anders" if slug == "overig" else name), "payload": f"categorie:{slug}"}
                     for slug, name in options],
        )
        return []


class AskCaseConfirm(AskCaseSlot, Action):
    """The summary of everything that will be sent, with 'klopt dit?'."""

    slot = "case_confirm"

    def run(self, dispatcher, tracker, domain):
        kind = {"report": "melding", "complaint": "klacht", "callback": "terugbelverzoek",
                "question": "vraag"}[tracker.get_slot("case_type") or "question"]
        text = f"Dit stuur ik als {kind}:\n" + "\n".join(summary_lines(tracker)) + "\nKlopt dit?"
        dispatcher.utter_message(text=text, buttons=[{"title": "Ja, versturen", "payload": "ja versturen"}]
                                 + _change_buttons(tracker))
        return []


def case_request(tracker: Tracker) -> dict:
    """The request body for the bot service's case API."""
    case_type = tracker.get_slot("case_type") or "question"
    product = case_product(tracker)
    details = {slot.removeprefix("case_"): tracker.get_slot(slot)
               for slot in fields_for(case_type) if slot not in ("case_confirm", "case_contact", "case_phone")}
    if case_type == "report":
        category = tracker.get_slot("case_category")
        if category in catalogue().signalen:
            main = catalogue().signalen[category]
            details.update({"main_category": main[0], "sub_category": category})
        details.pop("category", None)
    body: Dict[str, Any] = {
        "type": case_type,
        "product": product.upl_name if product else ({"complaint": "klacht"}.get(case_type)),
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
    """What the citizen reads after submitting: number, department, term, end date, next step."""
    due = date.fromisoformat(case["due_date"])
    text = (f"Gelukt! Je zaaknummer is {case['number']}. {case['department']['name']} behandelt dit. "
            f"Dat duurt maximaal {case['handling_term_days']} dagen: uiterlijk {due:%d-%m-%Y}.")
    next_step = {
        "report": " We gaan ermee aan de slag. Heb je je e-mail of telefoon gegeven? Dan hoor je wanneer het is opgelost.",
        "complaint": " De klachtencoördinator neemt contact met je op. De wet geeft de gemeente zes weken voor een klacht (Awb 9:11).",
        "callback": " Een medewerker belt je op het dagdeel dat je koos.",
        "question": " Je krijgt het antwoord van de afdeling.",
    }[case["type"]]
    return text + next_step + " Bewaar je zaaknummer: daarmee kun je de status opvragen."


class ActionSubmitCase(Action):
    """Open the case through the bot service and tell the citizen what happens next."""

    def __init__(self, client: Optional[DeskClient] = None):
        self.client = client

    def name(self) -> Text:
        return "action_submit_case"

    def run(self, dispatcher, tracker, domain):
        client = self.client or DeskClient()
        try:
            case = client.open_case(case_request(tracker))
        except (BotServiceUnavailable, NotFound):
            dispatcher.utter_message(
                text="Het versturen lukt nu niet. Er is nog niets verstuurd. Probeer het later opnieuw, "
                     "of bel 14 0999: de medewerker ziet wat je mij vertelde.")
            return []
        except Rejected as exc:
            dispatcher.utter_message(text=f"Het versturen lukt niet: {exc}. Bel 14 0999, dan helpen we je verder.")
            return [SlotSet(slot, None) for slot in ALL_FIELDS]
        dispatcher.utter_message(text=confirmation(case))
        return [SlotSet(slot, None) for slot in ALL_FIELDS] + [SlotSet("case_number", case["number"])]


class ActionCancelCase(Action):
    """The citizen stopped: nothing is sent, the answers are forgotten."""

    def name(self) -> Text:
        return "action_cancel_case"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Oké, ik ben gestopt. Er is niets verstuurd. Kan ik je nog ergens anders mee helpen?")
        return [SlotSet(slot, None) for slot in ALL_FIELDS] + [SlotSet("case_type", None)]


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
                "het e-mailadres of de postcode. Geen e-mail of postcode opgegeven? Bel dan 14 0999."))
            return reset
        except BotServiceUnavailable:
            dispatcher.utter_message(text="Ik kan de status nu niet opvragen. Probeer het later opnieuw.")
            return reset
        due = date.fromisoformat(case["due_date"])
        dispatcher.utter_message(text=(
            f"Zaak {case['number']} ({case['type_nl'].lower()}) is {case['status_nl']}. "
            f"{case['department']['name']} behandelt hem, uiterlijk {due:%d-%m-%Y}."))
        return reset
