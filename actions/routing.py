"""Who handles this question: product details, clarifying questions and follow-ups.

The product comes from the LinearResponseSelector (retrieval intent `ask_product/<key>`),
or from a button/entity; everything said about it comes from `data/catalogue/`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.catalogue import Catalogue, Product, load_catalogue
from bot.settings import settings

from . import replies

# A second product with at least this share of the first one's confidence is offered as
# "did you mean". The selector's confidences are calibrated (nlu_components/): on the
# held-out questions these values put the right product on a button for 4 of the 9
# wrong first answers, and showed buttons for only 1% of the right ones.
ALTERNATIVE_RATIO = 0.3
ALTERNATIVE_MIN_CONFIDENCE = 0.05
MAX_CLARIFY_BUTTONS = 5
# Products below this confidence are not offered as a guess.
CLARIFY_MIN_CONFIDENCE = 0.05
# Topics where a person is often better than a bot (money worries, care, family): offer one.
SENSITIVE_THEMES = {"werk_inkomen", "zorg"}
CASE_BUTTON_TITLE = {"report": "Melding maken", "complaint": "Klacht indienen",
                     "question": "Vraag stellen aan de afdeling", "callback": "Bel me terug"}


def catalogue() -> Catalogue:
    """The catalogue, loaded once per process."""
    return load_catalogue(settings.catalogue_dir)


def product_ranking(message: Dict[str, Any]) -> List[tuple]:
    """(product, confidence) pairs from the response selector output of a parsed message."""
    selector = (message.get("response_selector") or {}).get("ask_product") or {}
    ranking = []
    for entry in selector.get("ranking") or []:
        key = (entry.get("intent_response_key") or "").split("/", 1)[-1]
        product = catalogue().product(key)
        if product:
            ranking.append((product, float(entry.get("confidence") or 0.0)))
    return ranking


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


def current_product(tracker: Tracker) -> Optional[Product]:
    """The product the conversation is about: the slot, else the latest product entity."""
    for value in (tracker.get_slot("product"), _entity(tracker, "product")):
        if value:
            product = catalogue().product(value)
            if product:
                return product
    return None


def tell_department(dispatcher: CollectingDispatcher, product: Product,
                    alternatives: List[Product]) -> List[Dict[Text, Any]]:
    """Name the responsible department, how to reach it, and offer follow-ups."""
    department = catalogue().department_of(product)
    text = f"{replies.contact_line(department)} Meer informatie: {replies.page_link(product)}"
    buttons = []
    if product.case:
        buttons.append({"title": CASE_BUTTON_TITLE[product.case.type],
                        "payload": '/open_case{"case_type": "%s"}' % product.case.type})
    if product.theme in SENSITIVE_THEMES:
        text += " Wil je hier liever met een medewerker over praten? Dat kan."
        buttons.append({"title": "Praat met een medewerker", "payload": "/request_human"})
    dispatcher.utter_message(text=text, buttons=buttons + replies.followup_buttons())
    if alternatives:
        dispatcher.utter_message(
            text="Bedoelde je iets anders? Kies dan hieronder.",
            buttons=[replies.choose_button(p) for p in alternatives],
        )
    return [SlotSet("product", product.upl_name)]


class ActionProductDetails(Action):
    """After the product answer: department, contact, link, and close alternatives."""

    def name(self) -> Text:
        return "action_product_details"

    def run(self, dispatcher, tracker, domain):
        ranking = product_ranking(tracker.latest_message)
        if not ranking:
            dispatcher.utter_message(text=replies.REPHRASE)
            return []
        product, confidence = ranking[0]
        alternatives = [
            p for p, c in ranking[1:3]
            if c >= ALTERNATIVE_MIN_CONFIDENCE and c >= ALTERNATIVE_RATIO * confidence
        ]
        return tell_department(dispatcher, product, alternatives)


class ActionChooseProduct(Action):
    """The citizen picked a product (button or 'ik bedoel ...'): answer it in full."""

    def name(self) -> Text:
        return "action_choose_product"

    def run(self, dispatcher, tracker, domain):
        value = _entity(tracker, "product")
        product = catalogue().product(value) if value else None
        if not product:
            dispatcher.utter_message(
                text="Ik weet niet zeker welk onderwerp je bedoelt. Kun je je vraag in een zin stellen?"
            )
            return []
        dispatcher.utter_message(text=product.answer)
        return tell_department(dispatcher, product, [])


# Rasa's synonym mapping ignores the entity type: "vraag"/"klacht" may arrive as a case type word.
TOPIC_ALIASES = {"vergunningen": "vergunning", "belastingen": "belasting"}


def clarify(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Ask which product is meant, with buttons: for the topic named, else the likely products.

    Returns False when there is nothing sensible to offer.
    """
    topic = TOPIC_ALIASES.get(_entity(tracker, "topic"), _entity(tracker, "topic"))
    names = catalogue().topics.get(topic or "", ())
    products = [catalogue().product(n) for n in names]
    if not products:
        products = [p for p, c in product_ranking(tracker.latest_message)[:3] if c >= CLARIFY_MIN_CONFIDENCE]
    if not products:
        return False
    about = f" over {topic}" if topic in catalogue().topics else ""
    dispatcher.utter_message(
        text=f"Je hebt een vraag{about}. Waar gaat het precies over? Kies een onderwerp, of typ je vraag.",
        buttons=[replies.choose_button(p) for p in products[:MAX_CLARIFY_BUTTONS]],
    )
    return True


class ActionClarify(Action):
    """A broad question ("ik wil een vergunning"): ask which product, with buttons."""

    def name(self) -> Text:
        return "action_clarify"

    def run(self, dispatcher, tracker, domain):
        if not clarify(dispatcher, tracker):
            dispatcher.utter_message(text=replies.REPHRASE)
        return []


class ActionProductFollowup(Action):
    """Answer 'wat kost dat?', 'wat moet ik meenemen?' etc. about the current product."""

    def name(self) -> Text:
        return "action_product_followup"

    def run(self, dispatcher, tracker, domain):
        product = current_product(tracker)
        intent = tracker.latest_message.get("intent", {}).get("name")
        if not product:
            dispatcher.utter_message(
                text="Waar gaat je vraag over? Noem het onderwerp, bijvoorbeeld 'paspoort' of 'grofvuil'."
            )
            return []
        department = catalogue().department_of(product)
        if intent == "ask_cost":
            text = product.cost or f"Voor {product.title.lower()} betaal je niets, of de kosten hangen af van je situatie. {department.name} vertelt je meer."
        elif intent == "ask_bring":
            text = product.bring or f"Voor {product.title.lower()} hoef je niets mee te nemen."
        elif intent == "ask_duration":
            text = product.duration or f"Hoe lang het duurt, hangt af van je situatie. {department.name} vertelt je meer."
        elif intent == "ask_location":
            text = product.where or f"Je kunt terecht bij {department.name}: {department.address}."
        else:
            text = f"Openingstijden van {department.name} (voorbeeldtijden):\n{department.hours_text()}"
            closed = sorted(catalogue().closed_days.items())
            if closed:
                text += "\nOp feestdagen zijn we dicht."
        dispatcher.utter_message(text=f"{product.title}: {text}")
        return [SlotSet("product", product.upl_name)]
