"""HTTP API of the canned responses (docs/api.md, section 3).

The beheerder manages the list; a medewerker gets it filled in for the handover on screen.
Thin: checks the role and the input, calls bot/desk/canned.py, translates its errors.
"""
from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import json

from ..edge.auth import require_role
from ..edge.errors import ClientError, error_response, json_body, whole_number
from . import canned
from .handovers import HandoverNotFound
from .sessions import CLERK, MAINTAINER

bp = Blueprint("canned")

NOT_FOUND_NL = "Dit standaardantwoord bestaat niet (meer)."


@bp.exception(canned.CannedError)
async def _invalid(request: Request, exc: canned.CannedError):
    return error_response(exc.status, "conflict" if exc.status == 409 else "invalid_request", str(exc), exc.message_nl)


@bp.exception(canned.CannedNotFound)
async def _not_found(request: Request, exc: canned.CannedNotFound):
    return error_response(404, "not_found", "canned response not found", NOT_FOUND_NL)


def _canned_id(value: str) -> int:
    try:
        return whole_number(value, "canned response id")
    except ClientError:
        raise ClientError(404, "canned response not found", NOT_FOUND_NL)


def _limits() -> dict:
    return {"max_title": canned.MAX_TITLE, "max_text": canned.MAX_TEXT, "placeholders": list(canned.PLACEHOLDERS)}


@bp.get("/api/desk/canned")
async def list_canned(request: Request):
    """All canned responses as written (placeholders not filled in), with the limits."""
    require_role(request, MAINTAINER)
    return json({"canned": [c.to_json() for c in request.app.ctx.canned.all()], **_limits()})


@bp.post("/api/desk/canned")
async def add_canned(request: Request):
    """A new canned response: {title, text}."""
    clerk = require_role(request, MAINTAINER)
    body = json_body(request)
    return json(request.app.ctx.canned.add(body.get("title"), body.get("text"), clerk.username).to_json(), status=201)


@bp.put("/api/desk/canned/<canned_id>")
async def update_canned(request: Request, canned_id: str):
    """Change a canned response: {title, text}."""
    clerk = require_role(request, MAINTAINER)
    number = _canned_id(canned_id)
    body = json_body(request)
    return json(request.app.ctx.canned.update(number, body.get("title"), body.get("text"), clerk.username).to_json())


@bp.delete("/api/desk/canned/<canned_id>")
async def delete_canned(request: Request, canned_id: str):
    """Remove a canned response from the list."""
    clerk = require_role(request, MAINTAINER)
    request.app.ctx.canned.delete(_canned_id(canned_id), clerk.username)
    return json({"status": "deleted"})


@bp.get("/api/desk/handovers/<handover_id>/canned")
async def canned_for_handover(request: Request, handover_id: str):
    """The canned responses filled in for one handover: [{id, title, text}]."""
    require_role(request, CLERK)
    try:
        number = whole_number(handover_id, "handover id")
    except ClientError:
        raise ClientError(404, "handover not found", "Dit gesprek bestaat niet (meer).")
    try:
        handover = request.app.ctx.handovers.get(number)
    except HandoverNotFound:
        raise ClientError(404, "handover not found", "Dit gesprek bestaat niet (meer).")
    cases = request.app.ctx.cases.by_conversation(handover.conversation_id)
    numbers = [c.number for c in cases] or (
        [handover.facts["case_number"]] if isinstance(handover.facts.get("case_number"), str) else [])
    values = canned.values_for(request.app.ctx.catalogue, handover.upl_name, handover.queue, numbers)
    return json({"canned": [{"id": c.id, "title": c.title, "text": canned.fill(c.text, values)}
                            for c in request.app.ctx.canned.all()]})
