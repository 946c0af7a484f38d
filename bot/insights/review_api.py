"""HTTP API of the review list ("leervragen"), for the beheerder role (docs/api.md, section 3).

Thin: checks the role and the input, calls bot/insights/review.py, translates its errors.
"""
from __future__ import annotations

import asyncio

from sanic import Blueprint, Request
from sanic.response import json, text

from ..desk import audit
from ..desk.sessions import MAINTAINER
from ..edge.auth import require_role
from ..edge.client import client_address
from ..edge.errors import ClientError, json_body
from . import review

bp = Blueprint("review")


def _period(request: Request):
    try:
        # review.period accepts YYYY-MM-DD only: anything longer or odder gets its Dutch message.
        return review.period(request.args.get("from"), request.args.get("to"))
    except review.ReviewError as exc:
        raise ClientError(400, str(exc), exc.message_nl)


@bp.get("/api/desk/review")
async def review_list(request: Request):
    """The questions Balie did not understand well in a period (?from=&to=, YYYY-MM-DD; default the last 7 days)."""
    clerk = require_role(request, MAINTAINER)
    first, last = _period(request)
    items = review.review_list(request.app.ctx.engine, first, last)
    # The list shows (masked) citizen text from many conversations: who looked, and when, is logged.
    audit.record(request.app.ctx.engine, audit.REVIEW_OPENED, clerk_id=clerk.id, username=clerk.username,
                 address=client_address(request), detail=f"{first.isoformat()}..{last.isoformat()}")
    catalogue = request.app.ctx.catalogue
    return json({
        "from": first.isoformat(), "to": last.isoformat(),
        "low_confidence": review.LOW_CONFIDENCE, "near_duplicate": review.NEAR_DUPLICATE,
        "items": [item.to_json() for item in items],
        # What the console's pickers offer.
        "products": sorted(({"upl_name": p.upl_name, "title": p.title} for p in catalogue.products.values()),
                           key=lambda p: p["title"].lower()),
        "intents": list(review.assignable_intents(catalogue)),
    })


@bp.post("/api/desk/review/assignments")
async def assign(request: Request):
    """Assign a question to a product, an intent or out of scope: {text, product | intent | out_of_scope: true}."""
    clerk = require_role(request, MAINTAINER)
    body = json_body(request)
    try:
        assignment = review.assign(request.app.ctx.engine, request.app.ctx.catalogue, body.get("text"),
                                   clerk.username, product=body.get("product"), intent=body.get("intent"),
                                   out_of_scope=body.get("out_of_scope", False))
    except review.ReviewError as exc:
        raise ClientError(400, str(exc), exc.message_nl)
    return json(assignment.to_json(), status=201)


@bp.get("/api/desk/review/export")
async def export(request: Request):
    """The assignments as Rasa NLU YAML, without the examples data/nlu/ already has.

    ?from=&to= (YYYY-MM-DD) limit it to assignments made on those days; default all stored.
    """
    clerk = require_role(request, MAINTAINER)
    first = last = None
    if request.args.get("from") or request.args.get("to"):
        first, last = _period(request)
    items = review.assignments(request.app.ctx.engine, first, last)
    # Reading data/nlu/ takes most of a second: not on the event loop.
    known = await asyncio.get_running_loop().run_in_executor(None, review.known_examples)
    audit.record(request.app.ctx.engine, audit.REVIEW_EXPORTED, clerk_id=clerk.id, username=clerk.username,
                 address=client_address(request), detail=f"{len(items)} examples")
    return text(review.export_yaml(items, known=known), content_type="application/yaml; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="leervragen.yml"'})
