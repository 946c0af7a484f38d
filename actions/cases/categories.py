"""The Signalen category of a report: the sub categories that fit the citizen's words, as buttons."""
from __future__ import annotations

import re
from typing import List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.catalogue import Product

from .. import outcome
from ..routing import catalogue, current_product
from .form import last_story

OTHER = "overig"
MAX_BUTTONS = 4
# Button payloads: "categorie:<sub slug>" (validators.validate_case_category reads them).
PAYLOAD_PREFIX = "categorie:"


def category_suggestions(text: str, product: Optional[Product]) -> List[Tuple[str, str]]:
    """Signalen sub categories that fit the citizen's words, best first: (sub slug, name)."""
    signalen = catalogue().signalen
    words = set(re.findall(r"\w{4,}", (text or "").lower()))
    scored = []
    for sub_slug, (_, _, sub_name, _) in signalen.items():
        name_words = set(re.findall(r"\w{4,}", f"{sub_name} {sub_slug}".lower()))
        score = sum(1 for w in words for n in name_words if w.startswith(n[:5]) or n.startswith(w[:5]))
        if score:
            scored.append((score, sub_slug, sub_name))
    scored.sort(key=lambda s: (-s[0], s[2]))
    result: List[Tuple[str, str]] = []
    if product and product.case and product.case.signalen:
        result.append((product.case.signalen, signalen[product.case.signalen][2]))
    for _, sub_slug, sub_name in scored:
        if sub_slug not in [r[0] for r in result]:
            result.append((sub_slug, sub_name))
    result = result[:MAX_BUTTONS - 1]
    result.append((OTHER, signalen[OTHER][2] if OTHER in signalen else "Overig"))
    return result


def category_button(sub_slug: str, name: str) -> dict:
    return {"title": "Iets anders" if sub_slug == OTHER else name, "payload": f"{PAYLOAD_PREFIX}{sub_slug}"}


class AskCaseCategory(Action):
    """Report category: the sub categories that fit the citizen's words, and 'Iets anders'."""

    def name(self) -> Text:
        return "action_ask_case_category"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain):
        text = " ".join(filter(None, [tracker.get_slot("case_description"), last_story(tracker)]))
        field = catalogue().case_types["report"].field("case_category")
        options = category_suggestions(text, current_product(tracker))
        dispatcher.utter_message(text=field.question, buttons=[category_button(s, n) for s, n in options])
        outcome.report_journey(dispatcher, tracker, "report")
        return []
