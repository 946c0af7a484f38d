"""POST /api/route: which product, department or organisation a question is for.

Lets a website route contact forms the same way the chat does, and is how routing
quality can be measured from outside. Uses Rasa's NLU (/model/parse) and the catalogue.
"""
from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import json

from .catalogue import Catalogue
from .chat.rasa_client import RasaUnavailable
from .edge.errors import ClientError, json_body
from .privacy import mask_personal_numbers
from .understanding import ANSWER, decide

bp = Blueprint("routing")


def route(parse: dict, catalogue: Catalogue) -> dict:
    """Turn Rasa's parse result into the routing answer: what the chat would do with it.

    `decision` is answer, clarify, fallback, organisation or safety (bot/understanding.py).
    Only `answer` names a product and department; `organisation` and `safety` name the
    organisation; otherwise both are null and `alternatives` lists the candidates.
    """
    decision = decide(parse, catalogue)
    answered = decision.decision == ANSWER
    return {
        "decision": decision.decision,
        "product": decision.product.upl_name if answered else None,
        "department": ({"id": decision.department.id, "name": decision.department.name}
                       if answered else None),
        "organisation": decision.organisation.name if decision.organisation else None,
        "organisation_id": decision.organisation.id if decision.organisation else None,
        "confidence": round(min(max(decision.confidence, 0.0), 1.0), 4),
        "alternatives": [c.to_json() for c in decision.alternatives],
        "intent": decision.intent,
        "language": decision.language,
    }


@bp.post("/api/route")
async def route_question(request: Request):
    """{"text": "..."} → decision, product (UPL name), department, organisation, confidence, alternatives."""
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
