"""HTTP and WebSocket API of the clerk console (documented in docs/api.md)."""
from __future__ import annotations

import asyncio
import json as jsonlib
from datetime import datetime, timezone

from sanic import Blueprint, Request
from sanic.response import json

from ..cases.api import new_case_from, open_case
from ..chat.rasa_client import RasaUnavailable
from ..chat.store import ConversationNotFound
from ..edge.auth import CLERK_COOKIE as COOKIE, clerk_token as request_token, require_clerk, require_role, require_service
from ..edge.client import client_address
from ..edge.csrf import check_socket_origin
from ..edge.errors import ClientError, error_response, json_body, whole_number
from .handovers import MAX_OUTCOME, STATUSES, HandoverConflict, HandoverNotFound
from .sessions import CLERK, LoginFailed
from .throttle import LoginThrottled, PoolBusy, account_key, address_key, login_guard
from . import audit, service

bp = Blueprint("desk", url_prefix="/api/desk")
internal = Blueprint("desk_internal", url_prefix="/api/internal")

MAX_LOGIN_FIELD = 256
MAX_CLERK_MESSAGE = 2000


@bp.post("/login")
async def login(request: Request):
    """Username + password → session cookie for the console and a bearer token for API clients.

    Before the password is hashed: the throttle per username and per client address (429
    with Retry-After) and the bound on the hashing pool (503). Unknown username, wrong
    password and disabled account get the same answer and the same throttling.
    """
    body = json_body(request)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise ClientError(400, "username and password are required")
    if len(username) > MAX_LOGIN_FIELD or len(password) > MAX_LOGIN_FIELD:
        raise ClientError(400, f"username and password are at most {MAX_LOGIN_FIELD} characters")
    app = request.app
    guard = login_guard(app)
    address = client_address(request)
    keys = (account_key(username), address_key(address))
    try:
        with guard.pool.slot():
            try:
                guard.throttle.begin(keys)
            except LoginThrottled as exc:
                if exc.first:
                    audit.record(app.ctx.engine, audit.LOGIN_REFUSED, username=username, address=address,
                                 detail="locked" if exc.locked else "throttled")
                raise ClientError(429, "too many failed logins: wait before trying again",
                                  _wait_nl(exc.retry_after), code="locked", retry_after=exc.retry_after)
            try:
                clerk = await guard.pool.run(app.ctx.clerks.verify, username, password)
            except LoginFailed as exc:
                audit.record(app.ctx.engine, audit.LOGIN_FAILED, username=username, address=address,
                             detail=exc.reason)
                raise ClientError(401, "wrong username or password", code="login_failed")
    except PoolBusy as exc:
        raise ClientError(503, "too many logins at once: try again", code="busy", retry_after=exc.retry_after)
    guard.throttle.succeeded(keys)
    token = app.ctx.clerks.start_session(clerk)
    audit.record(app.ctx.engine, audit.LOGIN_OK, clerk_id=clerk.id, username=clerk.username, address=address)
    response = json({"token": token, "clerk": {"id": clerk.id, "name": clerk.display_name, "role": clerk.role}})
    response.cookies[COOKIE] = token
    response.cookies[COOKIE]["httponly"] = True
    response.cookies[COOKIE]["samesite"] = "Strict"
    response.cookies[COOKIE]["path"] = "/"
    response.cookies[COOKIE]["secure"] = request.app.ctx.settings.public_url.startswith("https://")
    response.cookies[COOKIE]["max-age"] = request.app.ctx.settings.session_hours * 3600
    return response


def _wait_nl(seconds: int) -> str:
    """Dutch for the clerk: how long to wait after too many wrong passwords."""
    if seconds <= 90:
        wait = "1 seconde" if seconds == 1 else f"{seconds} seconden"
        return f"Te vaak een verkeerd wachtwoord. Wacht {wait} en probeer het dan opnieuw."
    minutes = -(-seconds // 60)
    return f"Te vaak een verkeerd wachtwoord. Probeer het over {minutes} minuten opnieuw."


@bp.post("/logout")
async def logout(request: Request):
    """End this session (the console's cookie is removed too)."""
    clerk = require_clerk(request)
    request.app.ctx.clerks.logout(request_token(request))
    audit.record(request.app.ctx.engine, audit.LOGOUT, clerk_id=clerk.id, username=clerk.username,
                 address=client_address(request))
    response = json({"status": "logged out"})
    del response.cookies[COOKIE]
    return response


@bp.get("/me")
async def me(request: Request):
    """Who is logged in, and their role: the console shows each role its own pages."""
    clerk = require_clerk(request)
    return json({"id": clerk.id, "username": clerk.username, "name": clerk.display_name, "role": clerk.role})


@bp.get("/handovers")
async def list_handovers(request: Request):
    """Handovers by status (waiting, active or closed), with waiting time and summary."""
    require_role(request, CLERK)
    status = request.args.get("status", "waiting")
    if status not in STATUSES:
        raise ClientError(400, f"status must be one of {', '.join(STATUSES)}")
    return json({"handovers": [service.describe(request.app, h) for h in request.app.ctx.handovers.list(status)]})


def _handover_id(value: str) -> int:
    try:
        return whole_number(value, "handover id")
    except ClientError:
        raise ClientError(404, "handover not found", "Dit gesprek bestaat niet (meer).")


def _get(request: Request, handover_id: str):
    return request.app.ctx.handovers.get(_handover_id(handover_id))


@bp.get("/handovers/<handover_id>")
async def get_handover(request: Request, handover_id: str):
    """Transcript, summary, cases and status of one handover."""
    clerk = require_role(request, CLERK)
    handover = _get(request, handover_id)
    # Written before the transcript is read: no transcript is shown without its audit entry.
    audit.record(request.app.ctx.engine, audit.TRANSCRIPT_OPENED, clerk_id=clerk.id, username=clerk.username,
                 address=client_address(request), handover_id=handover.id,
                 conversation_id=handover.conversation_id)
    body = service.describe(request.app, handover)
    body["transcript"] = [m.to_json() for m in request.app.ctx.chat.after(handover.conversation_id, 0)]
    body["cases"] = [c.to_json(request.app.ctx.catalogue)
                     for c in request.app.ctx.cases.by_conversation(handover.conversation_id)]
    return json(body)


# Domain errors of the handover, translated once for every desk endpoint.
# Dutch for the clerk, per conflict the handover store reports (bot/desk/handovers.py).
CONFLICTS_NL = {
    "already_claimed": "Een collega heeft dit gesprek al opgepakt.",
    "not_holder": "Je hebt dit gesprek niet (meer). Het is afgesloten, doorgezet of teruggegeven.",
    "handover_closed": "Dit gesprek is al afgesloten.",
}


@bp.exception(HandoverConflict)
async def _conflict(request: Request, exc: HandoverConflict):
    code = exc.code if exc.code in CONFLICTS_NL else "conflict"
    return error_response(409, code, str(exc), CONFLICTS_NL.get(code))


@bp.exception(HandoverNotFound)
async def _not_found(request: Request, exc: HandoverNotFound):
    return error_response(404, "not_found", "handover not found", "Dit gesprek bestaat niet (meer).")


@bp.exception(RasaUnavailable)
async def _rasa_down(request: Request, exc: RasaUnavailable):
    return error_response(503, "unavailable", "assistant unavailable: try again")


# What the clerk sees when a text field is empty or too long, per field.
FIELDS_NL = {"text": ("Typ eerst een bericht.", "Je bericht is te lang. Gebruik maximaal {limit} tekens."),
             "outcome": ("Schrijf eerst de uitkomst van het gesprek op.",
                         "De uitkomst is te lang. Gebruik maximaal {limit} tekens.")}


def _required_text(body: dict, key: str, limit: int) -> str:
    """A non-empty text field of at most `limit` characters, stripped; else a 400 saying which."""
    value = body.get(key)
    empty_nl, long_nl = FIELDS_NL.get(key, (None, None))
    if not isinstance(value, str) or not value.strip():
        raise ClientError(400, f"{key} is required", empty_nl)
    if len(value) > limit:
        raise ClientError(400, f"{key} is longer than {limit} characters", long_nl and long_nl.format(limit=limit))
    return value.strip()


@bp.post("/handovers/<handover_id>/claim")
async def claim(request: Request, handover_id: str):
    """Take the conversation. 409 when another clerk was first."""
    clerk = require_role(request, CLERK)
    handover = _get(request, handover_id)
    handover = await service.claim(request.app, handover.id, clerk)
    return json(service.describe(request.app, handover))


@bp.post("/handovers/<handover_id>/messages")
async def clerk_message(request: Request, handover_id: str):
    """A message from the clerk to the citizen, stored before it is acknowledged."""
    clerk = require_role(request, CLERK)
    text = _required_text(json_body(request), "text", MAX_CLERK_MESSAGE)
    handover = _get(request, handover_id)
    message = await service.clerk_says(request.app, handover.id, clerk, text)
    return json(message, status=201)


@bp.post("/handovers/<handover_id>/release")
async def release(request: Request, handover_id: str):
    """Hand the conversation back to the bot, which resumes with a short message."""
    clerk = require_role(request, CLERK)
    body = json_body(request) if request.body else {}
    note = body.get("note") or "Teruggegeven aan Balie"
    if not isinstance(note, str) or len(note) > MAX_OUTCOME:
        raise ClientError(400, f"note must be text of at most {MAX_OUTCOME} characters",
                          f"De notitie is te lang. Gebruik maximaal {MAX_OUTCOME} tekens.")
    handover = _get(request, handover_id)
    handover = await service.finish(request.app, handover.id, clerk, note, released=True)
    return json(service.describe(request.app, handover))


@bp.post("/handovers/<handover_id>/close")
async def close(request: Request, handover_id: str):
    """Close the conversation with an outcome note."""
    clerk = require_role(request, CLERK)
    outcome = _required_text(json_body(request), "outcome", MAX_OUTCOME)
    handover = _get(request, handover_id)
    handover = await service.finish(request.app, handover.id, clerk, outcome, released=False)
    return json(service.describe(request.app, handover))


@bp.post("/handovers/<handover_id>/transfer")
async def transfer(request: Request, handover_id: str):
    """Put the conversation in another department's queue."""
    clerk = require_role(request, CLERK)
    body = json_body(request)
    department = body.get("department")
    if not isinstance(department, str) or department not in request.app.ctx.catalogue.departments:
        raise ClientError(400, "department must be a department id from the catalogue",
                          "Kies een afdeling uit de lijst.")
    handover = _get(request, handover_id)
    handover = await service.transfer(request.app, handover.id, clerk, department)
    return json(service.describe(request.app, handover))


@bp.post("/handovers/<handover_id>/cases")
async def case_for_citizen(request: Request, handover_id: str):
    """Open a case on the citizen's behalf (channel chat, linked to the conversation)."""
    clerk = require_role(request, CLERK)
    handover = _get(request, handover_id)
    request.app.ctx.handovers.require_holder(handover.id, clerk.id)
    body = json_body(request)
    body["conversation_id"] = handover.conversation_id
    body.setdefault("idempotency_key", f"desk:{handover.id}:{body.get('client_id') or datetime.now(timezone.utc).isoformat()}")
    return open_case(request, new_case_from(body, f"clerk:{clerk.username}"[:64]))


@bp.get("/departments")
async def departments(request: Request):
    """The catalogue's departments (no personal data: every role may read them)."""
    require_clerk(request)
    return json({"departments": [{"id": d.id, "name": d.name}
                                 for d in request.app.ctx.catalogue.departments.values()]})


@bp.websocket("/ws")
async def desk_socket(request: Request, ws):
    """Live queue and messages for a console. Auth: cookie, or first message {"type":"auth","token"}.

    A browser always sends Origin on a WebSocket: one from another origin is refused before
    the cookie is looked at (cross-site WebSocket hijacking).
    """
    if not check_socket_origin(request):
        await ws.send(jsonlib.dumps({"type": "error", "code": "cross_site", "error": "cross-origin WebSocket refused"}))
        await ws.close()
        return
    clerks = request.app.ctx.clerks
    token = request.cookies.get(COOKIE, "")
    # (Re)connecting is the console's doing, not the clerk's: seen, but the idle clock runs on.
    clerk = clerks.heartbeat(token, active=False)
    if clerk is None:
        try:
            first = jsonlib.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            token = first.get("token", "") if isinstance(first, dict) else ""
            clerk = clerks.heartbeat(token if isinstance(token, str) else "", active=False)
        except (asyncio.TimeoutError, ValueError, TypeError, AttributeError):
            clerk = None
    if clerk is None:
        await ws.send(jsonlib.dumps({"type": "error", "code": "login_required", "error": "clerk login required"}))
        await ws.close()
        return
    if clerk.role != CLERK:
        # The socket carries the queue and the citizens' messages: for the role that chats only.
        await ws.send(jsonlib.dumps({"type": "error", "code": "role_forbidden", "error": "role not allowed"}))
        await ws.close()
        return
    hub = request.app.ctx.hub
    hub.join_desk(ws)
    try:
        await ws.send(jsonlib.dumps({"type": "hello", "clerk": clerk.display_name}))
        while True:
            # Any message (the console sends a heartbeat every 30 s) keeps the clerk available;
            # only {"type": "heartbeat", "active": true} (the clerk typed, clicked or touched since
            # the last one) resets the idle timeout. A socket whose session ended (logout, expiry,
            # idle) is closed at its next heartbeat.
            try:
                beat = jsonlib.loads(await ws.recv())
            except (ValueError, TypeError):
                beat = None
            active = isinstance(beat, dict) and beat.get("type") == "heartbeat" and beat.get("active") is True
            current = clerks.heartbeat(token, active)
            if current is None or current.role != CLERK:  # logged out, or given another role meanwhile
                await ws.send(jsonlib.dumps({"type": "error", "code": "login_required", "error": "session ended"}))
                await ws.close()
                return
    finally:
        hub.leave_desk(ws)


MAX_SUMMARY = 4000


@internal.get("/availability")
async def clerk_availability(request: Request):
    """Whether a clerk could take a conversation now (the fallback offers a person or a callback)."""
    require_service(request)
    return json(service.availability(request.app))


@internal.post("/handovers")
async def request_handover(request: Request):
    """The action server asks for a clerk. Answers queued (position, wait), closed or unavailable."""
    require_service(request)
    body = json_body(request)
    conversation_id = body.get("conversation_id")
    if not isinstance(conversation_id, str) or not conversation_id:
        raise ClientError(400, "conversation_id is required")
    try:
        request.app.ctx.chat.control(conversation_id)
    except ConversationNotFound:
        raise ClientError(404, "conversation not found")
    queue = body.get("queue") or service.CONTACT_CENTRE
    if not isinstance(queue, str) or queue not in request.app.ctx.catalogue.departments:
        raise ClientError(400, "queue must be a department id from the catalogue")
    summary = body.get("summary") or ""
    if not isinstance(summary, str) or len(summary) > MAX_SUMMARY:
        raise ClientError(400, f"summary must be text of at most {MAX_SUMMARY} characters")
    facts = body.get("facts") or {}
    if not isinstance(facts, dict):
        raise ClientError(400, "facts must be an object")
    product = body.get("product") or None
    if product is not None and (not isinstance(product, str) or request.app.ctx.catalogue.product(product) is None):
        raise ClientError(400, "product must be a UPL name from the catalogue")
    result = await service.request(request.app, conversation_id, str(body.get("reason") or "asked for a person")[:64],
                                   queue, product, summary, facts)
    return json(result)
