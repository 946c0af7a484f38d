"""Who handles this question: product details, clarifying questions and follow-ups.

The product comes from the LinearResponseSelector (retrieval intent `ask_product/<key>`),
or from a button/entity; everything said about it comes from `data/catalogue/`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.catalogue import Catalogue, Organisation, Product, load_catalogue
from bot.settings import settings
from bot.understanding import ANSWER, CLARIFY, FALLBACK, ORGANISATION, SAFETY, Candidate, Decision, decide

from . import outcome, replies

MAX_CLARIFY_BUTTONS = 5
# The question under an answer that offers the runner-up products; a pick from it is a correction.
ALTERNATIVES_TEXT = "Bedoelde je iets anders? Kies dan hieronder."
# Departments where a person is often better than a bot (money worries, care, family): offer one.
SENSITIVE_DEPARTMENTS = {"werk_inkomen", "zorg_welzijn"}


def catalogue() -> Catalogue:
    """The catalogue, loaded once per process."""
    return load_catalogue(settings.catalogue_dir)


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


# A product named alongside a journey ("klacht over mijn paspoortaanvraag") is carried into the
# case when the selector is at least this sure of it (its confidence given a product question).
NAMED_PRODUCT_CONFIDENCE = 0.6


def named_product(message: Dict[str, Any]) -> Optional[Product]:
    """The product a message names, if the selector is sure of it."""
    ranking = ((message.get("response_selector") or {}).get("ask_product") or {}).get("ranking") or []
    if not ranking or float(ranking[0].get("confidence") or 0) < NAMED_PRODUCT_CONFIDENCE:
        return None
    return catalogue().product((ranking[0].get("intent_response_key") or "").split("/", 1)[-1])


def current_product(tracker: Tracker) -> Optional[Product]:
    """The product the conversation is about: the slot, else the latest product entity."""
    for value in (tracker.get_slot("product"), _entity(tracker, "product")):
        if value:
            product = catalogue().product(value)
            if product:
                return product
    return None


def tell_department(dispatcher: CollectingDispatcher, product: Product,
                    alternatives: List[Candidate]) -> List[Dict[Text, Any]]:
    """Name the responsible department, how to reach it, and offer follow-ups."""
    department = catalogue().department_of(product)
    text = f"{replies.contact_line(department)} Meer informatie: {replies.page_link(product)}"
    buttons = []
    if product.case:
        buttons.append({"title": catalogue().case_types[product.case.type].button,
                        "payload": '/open_case{"case_type": "%s"}' % product.case.type})
    if product.department in SENSITIVE_DEPARTMENTS:
        text += " Wil je hier liever met een medewerker over praten? Dat kan."
        buttons.append({"title": "Praat met een medewerker", "payload": "/request_human"})
    dispatcher.utter_message(text=text, buttons=buttons + replies.followup_buttons())
    if alternatives:
        dispatcher.utter_message(
            text=ALTERNATIVES_TEXT,
            buttons=[replies.candidate_button(c) for c in alternatives],
        )
    return [SlotSet("product", product.upl_name)]


def tell_organisation(dispatcher: CollectingDispatcher, organisation: Organisation) -> None:
    """Another organisation handles this: its address, in the chat's words."""
    dispatcher.utter_message(text=replies.organisation_answer(organisation))


def say_safety(dispatcher: CollectingDispatcher, decision: Decision) -> bool:
    """Danger first: the safety answer (112, Veilig Thuis, 113) when the decision is safety."""
    if decision.decision != SAFETY:
        return False
    dispatcher.utter_message(response=f"utter_{decision.intent}")
    outcome.report_decision(dispatcher, decision)
    return True


def answer(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision) -> List[Dict[Text, Any]]:
    """Carry out a decision of bot/understanding.py in the chat."""
    if say_safety(dispatcher, decision):
        return []
    english = decision.language == "en"
    if decision.decision in (ANSWER, ORGANISATION, CLARIFY):
        outcome.report_decision(dispatcher, decision)
    if decision.decision == ANSWER:
        if english:
            dispatcher.utter_message(text=replies.english_product_answer(decision.product, decision.department),
                                     buttons=[replies.ENGLISH_PERSON_BUTTON])
            return [SlotSet("product", decision.product.upl_name)]
        dispatcher.utter_message(text=decision.product.answer)
        return tell_department(dispatcher, decision.product, list(decision.alternatives))
    if decision.decision == ORGANISATION:
        if english:
            dispatcher.utter_message(text=replies.english_organisation_answer(decision.organisation),
                                     buttons=[replies.ENGLISH_PERSON_BUTTON])
        else:
            tell_organisation(dispatcher, decision.organisation)
        return []
    if decision.decision == CLARIFY:
        dispatcher.utter_message(
            text=(replies.ENGLISH_CLARIFY if english else
                  "Ik weet niet zeker wat je bedoelt. Gaat het om een van deze onderwerpen? "
                  "Kies er een, of typ je vraag op een andere manier."),
            buttons=[replies.candidate_button(c) for c in decision.alternatives[:MAX_CLARIFY_BUTTONS]],
        )
        return []
    # Not understood: the fallback decides between rephrasing and a person (two in a row).
    from .fallback import not_understood
    return not_understood(dispatcher, tracker, decision)


class ActionAnswerQuestion(Action):
    """A question about a product or another organisation: answer, clarify or fall back.

    The decision is bot/understanding.py's, the same one POST /api/route reports, so the
    chat never names a product it is not sure of.
    """

    def name(self) -> Text:
        return "action_answer_question"

    def run(self, dispatcher, tracker, domain):
        decision = decide(tracker.latest_message, catalogue())
        if say_safety(dispatcher, decision):
            return []
        follow_up = follow_up_in_context(dispatcher, tracker)
        if follow_up is not None:
            return follow_up
        # "ik wil een vergunning": a broad topic is better asked back with its curated
        # products (topics.yml) than with whatever the models rank close.
        if decision.decision in (CLARIFY, FALLBACK) and decision.language != "en" and clarify(dispatcher, tracker):
            return []
        return answer(dispatcher, tracker, decision)


class ActionChooseProduct(Action):
    """The citizen picked a product or organisation (button or 'ik bedoel ...'): answer it in full."""

    def name(self) -> Text:
        return "action_choose_product"

    def run(self, dispatcher, tracker, domain):
        corrected = picked_from_alternatives(tracker)
        organisation = catalogue().organisations.get(_entity(tracker, "organisation") or "")
        if organisation:
            tell_organisation(dispatcher, organisation)
            outcome.report(dispatcher, outcome.Outcome(
                decision=ORGANISATION, intent=outcome.intent_of(tracker), organisation=organisation.id,
                corrected=corrected))
            return []
        value = _entity(tracker, "product")
        product = catalogue().product(value) if value else None
        if not product:
            dispatcher.utter_message(
                text="Ik weet niet zeker welk onderwerp je bedoelt. Kun je je vraag in een zin stellen?"
            )
            outcome.report(dispatcher, outcome.Outcome(decision=FALLBACK, intent=outcome.intent_of(tracker)))
            return []
        dispatcher.utter_message(text=product.answer)
        events = tell_department(dispatcher, product, [])
        # A pick of the product already answered is no correction: the answer was right.
        corrected = corrected and product.upl_name != tracker.get_slot("product")
        outcome.report_product(dispatcher, tracker, product, product.department, corrected=corrected)
        return events


def picked_from_alternatives(tracker: Tracker) -> bool:
    """Whether the citizen's latest message answers "Bedoelde je iets anders?" (a pick from it corrects Balie)."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if not users:
        return False
    since = users[-2] if len(users) > 1 else -1
    return any(e.get("event") == "bot" and e.get("text") == ALTERNATIVES_TEXT
               for e in tracker.events[since + 1:users[-1]])


# Rasa's synonym mapping ignores the entity type: "vraag"/"klacht" may arrive as a case type word.
TOPIC_ALIASES = {"vergunningen": "vergunning", "belastingen": "belasting"}


def clarify(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Ask which product is meant, with a button per product of the broad topic named.

    Returns False when there is nothing sensible to offer.
    """
    topic = TOPIC_ALIASES.get(_entity(tracker, "topic"), _entity(tracker, "topic"))
    names = catalogue().topics.get(topic or "", ())
    products = [catalogue().product(n) for n in names]
    if not products:
        return False
    about = f" over {topic}" if topic in catalogue().topics else ""
    dispatcher.utter_message(
        text=f"Je hebt een vraag{about}. Waar gaat het precies over? Kies een onderwerp, of typ je vraag.",
        buttons=[replies.choose_button(p) for p in products[:MAX_CLARIFY_BUTTONS]],
    )
    outcome.report(dispatcher, outcome.Outcome(decision=CLARIFY, intent=outcome.intent_of(tracker)))
    return True


class ActionClarify(Action):
    """A broad question ("ik wil een vergunning"): ask which product, with buttons."""

    def name(self) -> Text:
        return "action_clarify"

    def run(self, dispatcher, tracker, domain):
        if clarify(dispatcher, tracker):
            return []
        return answer(dispatcher, tracker, decide(tracker.latest_message, catalogue()))


FOLLOW_UP_INTENTS = ("ask_cost", "ask_bring", "ask_duration", "ask_location", "ask_opening_hours")


def follow_up_intent(text: str) -> Optional[str]:
    """The follow-up a short question asks for ("wat kost dat?" is ask_cost), if any."""
    import re

    from nlu_components.linear_selector import normalise

    clean = normalise(text or "")
    for intent, patterns in catalogue().follow_up_words.items():
        if any(re.search(pattern, clean) for pattern in patterns):
            return intent
    return None


def answer_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> List[Dict[Text, Any]]:
    """Cost, what to bring, duration, where to go or opening hours of the product in context."""
    product = current_product(tracker)
    if not product:
        dispatcher.utter_message(
            text="Waar gaat je vraag over? Noem het onderwerp, bijvoorbeeld 'paspoort' of 'grofvuil'."
        )
        outcome.report(dispatcher, outcome.Outcome(decision=CLARIFY, intent=intent))
        return []
    department = catalogue().department_of(product)
    outcome.report(dispatcher, outcome.Outcome(decision=ANSWER, intent=intent, product=product.upl_name,
                                               department=department.id))
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
        if catalogue().closed_days:
            text += "\nOp feestdagen zijn we dicht."
    dispatcher.utter_message(text=f"{product.title}: {text}")
    return [SlotSet("product", product.upl_name)]


def follow_up_in_context(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """A short follow-up about the product in context, answered whatever the NLU made of it.

    "wat kost dat?" has too few words for the models to tell it from a product question;
    with a product in the conversation it can only mean that product's cost.
    """
    if not tracker.get_slot("product"):
        return None
    intent = follow_up_intent(tracker.latest_message.get("text") or "")
    return answer_follow_up(dispatcher, tracker, intent) if intent else None


class ActionProductFollowup(Action):
    """Answer 'wat kost dat?', 'wat moet ik meenemen?' etc. about the current product."""

    def name(self) -> Text:
        return "action_product_followup"

    def run(self, dispatcher, tracker, domain):
        intent = tracker.latest_message.get("intent", {}).get("name")
        return answer_follow_up(dispatcher, tracker, intent if intent in FOLLOW_UP_INTENTS else "ask_opening_hours")
