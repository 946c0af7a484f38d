"""POST /api/route: which product, department or organisation a question is for.

Lets a website route contact forms the same way the chat does, and is how routing
quality can be measured from outside. Uses Rasa's NLU (/model/parse) and the catalogue.
"""
from __future__ import annotations

from typing import Optional

from sanic import Blueprint, Request
from sanic.response import json

from .catalogue import Catalogue
from .chat.rasa_client import RasaUnavailable
from .errors import ClientError, json_body
from .privacy import mask_personal_numbers

bp = Blueprint("routing")

MAX_ALTERNATIVES = 3
# The selector's confidences are calibrated and often near 1.0 for the first product; runners-up
# under 1% say nothing to a website that routes a form, so they are left out.
MIN_ALTERNATIVE_CONFIDENCE = 0.01
# Safety intents route to the organisation that helps at once.
SAFETY_ORGANISATIONS = {"emergency": "politie", "domestic_violence": "veilig_thuis",
                        "suicide_risk": "zelfmoordpreventie"}


def _ranking(parse: dict, retrieval_intent: str) -> list:
    selector = (parse.get("response_selector") or {}).get(retrieval_intent) or {}
    return [(entry.get("intent_response_key", "").split("/", 1)[-1], float(entry.get("confidence") or 0))
            for entry in selector.get("ranking") or []]


def route(parse: dict, catalogue: Catalogue) -> dict:
    """Turn Rasa's parse result into the routing answer."""
    ranking = parse.get("intent_ranking") or [parse.get("intent") or {}]
    # nlu_fallback only says NLU is unsure: route on its best guess, with its confidence.
    intent = next((i for i in ranking if i.get("name") != "nlu_fallback"), {})
    name, intent_confidence = intent.get("name"), float(intent.get("confidence") or 0)
    product, organisation, confidence, alternatives = None, None, intent_confidence, []
    if name in ("ask_product", "ask_vague", "choose_product"):
        products = [(catalogue.product(key), c) for key, c in _ranking(parse, "ask_product")]
        products = [(p, c) for p, c in products if p]
        if products:
            product, confidence = products[0][0], intent_confidence * products[0][1]
            alternatives = [{"product": p.upl_name, "confidence": round(intent_confidence * c, 4)}
                            for p, c in products[1:1 + MAX_ALTERNATIVES]
                            if intent_confidence * c >= MIN_ALTERNATIVE_CONFIDENCE]
    elif name == "ask_organisation":
        organisations = _ranking(parse, "ask_organisation")
        if organisations and organisations[0][0] in catalogue.organisations:
            organisation = catalogue.organisations[organisations[0][0]]
            confidence = intent_confidence * organisations[0][1]
    elif name in SAFETY_ORGANISATIONS:
        organisation = catalogue.organisations[SAFETY_ORGANISATIONS[name]]
    department = catalogue.departments[product.department] if product else None
    return {
        "product": product.upl_name if product else None,
        "department": {"id": department.id, "name": department.name} if department else None,
        "organisation": organisation.name if organisation else None,
        "confidence": round(min(max(confidence, 0.0), 1.0), 4),
        "alternatives": alternatives,
        "intent": name,
    }


@bp.post("/api/route")
async def route_question(request: Request):
    """{"text": "..."} → product (UPL name), department, organisation, confidence, alternatives."""
    body = json_body(request)
    text = body.get("text")
    limit = request.app.ctx.settings.max_message_chars
    if not isinstance(text, str) or not text.strip():
        raise ClientError(400, "text is required")
    if len(text) > limit:
        raise ClientError(400, f"text is longer than {limit} characters")
    try:
        parse = await request.app.ctx.rasa.parse(mask_personal_numbers(text.strip()).text)
    except RasaUnavailable:
        raise ClientError(503, "routing unavailable: the assistant does not answer")
    return json(route(parse, request.app.ctx.catalogue))
