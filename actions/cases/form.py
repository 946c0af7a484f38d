"""Start the case form and ask its fields, worded per case type (data/catalogue/case_types.yml)."""
from __future__ import annotations

import abc
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.catalogue import CASE_SLOTS, CaseType, Product
from bot.privacy import mask_personal_numbers

from .. import outcome
from ..routing import catalogue, current_product, named_product

DEFAULT_TYPE = "question"
# The NLU gives the citizen's Dutch word as the case_type entity (melding, klacht, ...) or,
# from the journey words (nlu_components/journey_words.py), the type itself.
CASE_TYPE_WORDS = {"melding": "report", "klacht": "complaint", "terugbellen": "callback", "vraag": "question",
                   **{t: t for t in ("report", "complaint", "callback", "question")}}
# A message shorter than this is a reply, not the citizen's story.
MIN_STORY = 3
# "ik wil een melding maken" is only the request; with this many words it tells the story too.
MIN_STORY_WORDS = 8
STOP_HINT = " Je kunt altijd stoppen: typ 'laat maar'."


def case_type(tracker: Tracker) -> CaseType:
    """The case type being opened (the slot), or a question for a department."""
    types = catalogue().case_types
    return types.get(tracker.get_slot("case_type") or "") or types[DEFAULT_TYPE]


def fields_for(type_id: Optional[str]) -> List[str]:
    """The slots a case type asks, in order, with the confirmation last."""
    types = catalogue().case_types
    return list((types.get(type_id or "") or types[DEFAULT_TYPE]).slots) + ["case_confirm"]


def last_story(tracker: Tracker, earlier_questions: bool = True) -> Optional[str]:
    """The citizen's own account that led to this case, masked; None if they gave none.

    The message that asked for the case counts when it says more than the request itself
    ("ik wil een klacht indienen over hoe ik aan de balie behandeld ben"); otherwise, if
    `earlier_questions`, the last product question before it.
    """
    latest = True
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        text = event.get("text") or ""
        if not text.startswith("/"):
            if latest and intent == "open_case" and len(text.split()) >= MIN_STORY_WORDS:
                return mask_personal_numbers(text).text
            if not latest and earlier_questions and intent == "ask_product" and len(text) >= MIN_STORY:
                return mask_personal_numbers(text).text
        if not latest and not earlier_questions:
            return None
        latest = False
    return None


class ActionPrepareCase(Action):
    """Start a case form: clear old answers, take what the citizen already told.

    The citizen never has to tell the story twice: the question that led here becomes the
    first description, and a product named in the same message ("klacht over mijn
    paspoortaanvraag") is carried into the case.
    """

    def name(self) -> Text:
        return "action_prepare_case"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        word = next(tracker.get_latest_entity_values("case_type"), None) or tracker.get_slot("case_type")
        type_id = CASE_TYPE_WORDS.get((word or "").lower(), DEFAULT_TYPE)
        kind = catalogue().case_types[type_id]
        events = [SlotSet(slot, None) for slot in CASE_SLOTS + ("case_confirm",)]
        events.append(SlotSet("case_type", type_id))
        product: Optional[Product] = named_product(tracker.latest_message) or current_product(tracker)
        if product:
            events.append(SlotSet("product", product.upl_name))
        # A complaint is about what happened, not about the product asked before.
        story = last_story(tracker, earlier_questions=type_id != "complaint")
        if story and "case_description" in kind.slots:
            events.append(SlotSet("case_description", story))
        if product and "case_topic" in kind.slots:
            events.append(SlotSet("case_topic", product.title))
        dispatcher.utter_message(text=kind.intro + STOP_HINT)
        outcome.report_journey(dispatcher, tracker, type_id)
        return events


class AskCaseField(Action, abc.ABC):
    """Ask one field of case_form in the case type's words, with a skip button if optional.

    Abstract: each field has its own small subclass, so a grep for an action's name finds it.
    """

    @property
    @abc.abstractmethod
    def slot(self) -> str:
        """The slot this action asks for."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        field = case_type(tracker).field(self.slot) or catalogue().case_types[DEFAULT_TYPE].field(self.slot)
        if field is None:
            return []
        buttons = [{"title": field.skip_title, "payload": field.skip_value}] if field.optional else []
        dispatcher.utter_message(text=field.question, buttons=buttons)
        outcome.report_journey(dispatcher, tracker, case_type(tracker).id)
        return []


class AskCaseLocation(AskCaseField):
    slot = "case_location"


class AskCaseDescription(AskCaseField):
    slot = "case_description"


class AskCaseWhen(AskCaseField):
    slot = "case_when"


class AskCaseEmployee(AskCaseField):
    slot = "case_employee"


class AskCaseWish(AskCaseField):
    slot = "case_wish"


class AskCaseName(AskCaseField):
    slot = "case_name"


class AskCaseContact(AskCaseField):
    slot = "case_contact"


class AskCaseTopic(AskCaseField):
    slot = "case_topic"


class AskCasePhone(AskCaseField):
    slot = "case_phone"


PARTS_OF_DAY_BUTTONS = [
    {"title": "Ochtend", "payload": "ochtend"},
    {"title": "Middag", "payload": "middag"},
    {"title": "Maakt niet uit", "payload": "maakt niet uit"},
]


class AskCasePartOfDay(AskCaseField):
    """When to call back: buttons for the parts of the day."""

    slot = "case_part_of_day"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        field = catalogue().case_types["callback"].field(self.slot)
        dispatcher.utter_message(text=field.question, buttons=PARTS_OF_DAY_BUTTONS)
        outcome.report_journey(dispatcher, tracker, "callback")
        return []
