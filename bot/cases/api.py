"""HTTP API of the case store.

- Internal (action server, service token): open a case, look up a case after verification.
- Desk (clerk login): read cases by number or conversation.
"""
from __future__ import annotations

import re

from sanic import Blueprint, Request
from sanic.response import json

from .. import validation
from ..edge.auth import require_service
from ..edge.auth import require_role
from ..edge.errors import ClientError, json_body
from ..desk.sessions import CLERK
from .model import CaseError, CaseNumbersExhausted, LookupLocked, NoMatch
from .store import AttemptLimits, NewCase

bp = Blueprint("cases")
# Served on the internal listener only (bot/app.py).
internal = Blueprint("cases_internal")

CASE_NUMBER = re.compile(r"^Z-\d{4}-\d{6}$", re.IGNORECASE)
# An e-mail address is at most 254 characters (RFC 5321); a code or phone number is shorter.
MAX_VERIFICATION_CHARS = 254
# Rasa's sender ids are the chat's conversation ids (36 characters); room for other channels.
MAX_CONVERSATION_ID_CHARS = 64
# The same body for an unknown number and a wrong answer: nobody can tell one from the other.
NO_MATCH = "no case with this number and verification"
NO_MATCH_NL = "Er is geen zaak met dit nummer en deze gegevens."


def _optional(body: dict, key: str, check) -> str | None:
    value = body.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ClientError(400, f"{key} must be text")
    try:
        return check(value)
    except validation.InvalidValue as exc:
        raise ClientError(400, f"{key} is not valid", str(exc))


def new_case_from(body: dict, created_by: str) -> NewCase:
    """Check a JSON request body and turn it into a NewCase."""
    for key in ("type", "idempotency_key"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise ClientError(400, f"{key} is required", "Kies een soort zaak." if key == "type" else None)
    for key in ("product", "conversation_id", "channel"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise ClientError(400, f"{key} must be text")
    if body.get("details") is not None and not isinstance(body["details"], dict):
        raise ClientError(400, "details must be an object")
    return NewCase(
        type=body["type"],
        idempotency_key=body["idempotency_key"],
        created_by=created_by,
        upl_name=body.get("product") or None,
        conversation_id=body.get("conversation_id") or None,
        channel=body.get("channel") or "chat",
        details=body.get("details") or {},
        contact_email=_optional(body, "email", validation.email),
        contact_phone=_optional(body, "phone", validation.phone),
        contact_postcode=_optional(body, "postcode", validation.postcode),
    )


def open_case(request: Request, new: NewCase):
    """Open a case: 201 with the lookup code (the only time it is sent), 200 for a known idempotency key.

    A replay (200) does not carry the code: only its hash is stored, and handing out a new
    one to whoever repeats the request would let the code be replaced.
    """
    try:
        case, created = request.app.ctx.cases.open(new)
    except CaseNumbersExhausted as exc:
        raise ClientError(503, str(exc), exc.message_nl)
    except CaseError as exc:
        raise ClientError(400, str(exc), exc.message_nl)
    body = case.to_json(request.app.ctx.catalogue)
    if created:
        body["lookup_code"] = case.lookup_code
    return json(body, status=201 if created else 200)


@internal.post("/api/internal/cases")
async def create_case(request: Request):
    """Open a case for the action server. 201 new, 200 when the idempotency key is known."""
    require_service(request)
    return open_case(request, new_case_from(json_body(request), "balie"))


@internal.post("/api/internal/cases/lookup")
async def lookup_case(request: Request):
    """Status of a case, only after its lookup code or the e-mail address or phone number on record.

    Unknown number and wrong verification get the same 404; too many of either, per case
    number or per conversation (BALIE_STATUS_ATTEMPTS_PER_*, 24 hours), get the same 429
    `locked` with Retry-After, for real and made-up numbers alike: nothing leaks.
    """
    require_service(request)
    body = json_body(request)
    number = body.get("number")
    if not isinstance(number, str) or not CASE_NUMBER.match(number.strip()):
        raise ClientError(400, "number must look like Z-2026-000123")
    verification = body.get("verification")
    if not isinstance(verification, str) or not verification.strip() or len(verification) > MAX_VERIFICATION_CHARS:
        raise ClientError(400, f"verification is required (at most {MAX_VERIFICATION_CHARS} characters)")
    conversation_id = body.get("conversation_id")
    if (not isinstance(conversation_id, str) or not conversation_id.strip()
            or len(conversation_id) > MAX_CONVERSATION_ID_CHARS):
        raise ClientError(400, f"conversation_id is required (at most {MAX_CONVERSATION_ID_CHARS} characters)")
    settings = request.app.ctx.settings
    limits = AttemptLimits(settings.status_attempts_per_case, settings.status_attempts_per_conversation)
    try:
        case = request.app.ctx.cases.lookup(number, verification, conversation_id.strip(), limits)
    except LookupLocked as exc:
        phone = request.app.ctx.catalogue.contact_centre.phone
        raise ClientError(429, "too many failed lookups for this case number or conversation",
                          "Er waren te veel pogingen met een verkeerd zaaknummer of verkeerde gegevens. "
                          f"Probeer het later opnieuw, of bel {phone}.",
                          code="locked", retry_after=exc.retry_after)
    except NoMatch:
        raise ClientError(404, NO_MATCH, NO_MATCH_NL)
    data = case.to_json(request.app.ctx.catalogue)
    return json({key: data[key] for key in ("number", "type_nl", "status", "status_nl", "department", "due_date")})


@bp.get("/api/desk/cases/<number>")
async def desk_case(request: Request, number: str):
    """A case, for a logged-in medewerker (the role that handles citizens' questions)."""
    require_role(request, CLERK)
    case = request.app.ctx.cases.by_number(number)
    if case is None:
        raise ClientError(404, "case not found")
    return json(case.to_json(request.app.ctx.catalogue))


@bp.get("/api/desk/cases")
async def desk_cases(request: Request):
    """Cases of one conversation, for a logged-in medewerker."""
    require_role(request, CLERK)
    conversation = request.args.get("conversation")
    if not conversation:
        raise ClientError(400, "conversation is required")
    catalogue = request.app.ctx.catalogue
    return json({"cases": [c.to_json(catalogue) for c in request.app.ctx.cases.by_conversation(conversation)]})
