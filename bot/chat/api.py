"""HTTP API of the citizen chat channel (used by the widget)."""
from __future__ import annotations

import asyncio
import json as jsonlib
from dataclasses import dataclass
from typing import List, Optional

from sanic import Blueprint, Request
from sanic.response import json

from ..desk import service as desk_service
from ..edge.auth import bearer
from ..edge.errors import ClientError, json_body, whole_number
from ..insights.outcome import split_replies
from ..insights.turns import record_turn
from ..privacy import NOTICE, mask_personal_numbers
from .rasa_client import RasaUnavailable
from .store import ConversationNotFound

bp = Blueprint("chat", url_prefix="/api/conversations")

MAX_CLIENT_ID = 64
MAX_PAYLOAD = 300
NOT_OFFERED_NL = ("Deze knop hoort bij een eerdere vraag. Kies een knop onder de laatste vraag, "
                  "of typ je antwoord.")



def unavailable_nl(request: Request) -> str:
    """The citizen's message when Rasa does not answer, with the contact centre's number."""
    phone = request.app.ctx.catalogue.contact_centre.phone
    return f"Balie is even niet bereikbaar. Je bericht is bewaard. Probeer het zo nog eens, of bel {phone}."


def authorise_conversation(request: Request, conversation_id: str) -> None:
    """The citizen's bearer token must be this conversation's; else a 404."""
    try:
        request.app.ctx.chat.authorise(conversation_id, bearer(request))
    except ConversationNotFound:
        # 404 for a wrong token too: do not reveal which conversations exist.
        raise ClientError(404, "conversation not found")


@bp.post("")
async def create_conversation(request: Request):
    """Start a conversation; the token is the only key to it."""
    conversation_id, token = request.app.ctx.chat.create_conversation()
    return json({"id": conversation_id, "token": token}, status=201)


@dataclass(frozen=True)
class CitizenInput:
    """A citizen message as the widget sent it: typed text, or a clicked button's payload."""

    text: Optional[str]
    payload: Optional[str]
    client_id: Optional[str]


@dataclass(frozen=True)
class Resolved:
    """What is stored and shown (`text`), and what Rasa gets (`forward`)."""

    text: str
    forward: str
    payload: Optional[str] = None


def _citizen_input(request: Request) -> CitizenInput:
    """Check the shape of the request body; what a payload may be is checked against the offer."""
    body = json_body(request)
    limit = request.app.ctx.settings.max_message_chars
    client_id = body.get("client_id")
    if client_id is not None and (not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID):
        raise ClientError(400, f"client_id must be a string of 1 to {MAX_CLIENT_ID} characters")
    if "payload" in body:
        payload = body["payload"]
        if not isinstance(payload, str) or not payload.strip() or len(payload) > MAX_PAYLOAD:
            raise ClientError(400, f"payload must be a non-empty string of at most {MAX_PAYLOAD} characters",
                              NOT_OFFERED_NL)
        return CitizenInput(None, payload, client_id)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ClientError(400, "text is required", "Typ eerst je vraag.")
    if len(text) > limit:
        raise ClientError(
            400, f"text is longer than {limit} characters",
            f"Je bericht is te lang. Gebruik maximaal {limit} tekens.",
        )
    return CitizenInput(text.strip(), None, client_id)


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split()).strip(" .!?")


def resolve(given: CitizenInput, offered: List[dict]) -> Resolved:
    """Apply the button contract to one citizen message.

    A payload is accepted if, and only if, a bot message of this conversation offers it now
    (the bot messages after the citizen's last message): a citizen can neither inject an
    intent or slot value nor replay an old button. Typed text equal to an offered button's
    title, ignoring case, counts as clicking that button. Other typed text goes to NLU; a
    leading "/" is dropped so typed text can never be read as an intent.
    """
    if given.payload is not None:
        for button in offered:
            if button.get("payload") == given.payload:
                return Resolved(str(button.get("title") or given.payload), given.payload, given.payload)
        raise ClientError(400, "payload was not offered by a button of the latest bot message",
                          NOT_OFFERED_NL)
    text = given.text or ""
    wanted = _title_key(text)
    for button in offered:
        if wanted and _title_key(str(button.get("title") or "")) == wanted and button.get("payload"):
            return Resolved(text, str(button["payload"]), str(button["payload"]))
    if text.startswith("/"):
        text = text.lstrip("/").strip() or text
    return Resolved(text, text)


@bp.post("/<conversation_id>/messages")
async def post_message(request: Request, conversation_id: str):
    """Store the citizen's message, forward it to Rasa, store and return the replies."""
    authorise_conversation(request, conversation_id)
    given = _citizen_input(request)
    chat = request.app.ctx.chat
    stored = chat.by_client_id(conversation_id, given.client_id) if given.client_id else None
    masked_any = False
    if stored is not None:
        # A resend (network error, reload): it was checked when first stored.
        message, created = stored, False
        forward = message.meta.get("payload") or message.text
    else:
        resolved = resolve(given, chat.offered_buttons(conversation_id))
        masked = mask_personal_numbers(resolved.text)
        masked_any = masked.masked
        forward = resolved.payload or masked.text
        message, created = chat.add(conversation_id, "citizen", masked.text, client_id=given.client_id,
                                    delivered=False,
                                    meta={"payload": resolved.payload} if resolved.payload else None)
    if not created and message.delivered:
        # A resend of a message already answered: return the stored answers, do not ask Rasa again.
        return json({"seq": message.seq,
                     "messages": [m.to_json() for m in chat.replies_after(conversation_id, message.seq)]})
    replies = []
    if masked_any and created:
        replies.append(chat.add(conversation_id, "system", NOTICE)[0])
    control = chat.control(conversation_id)
    if control != "bot":
        # A clerk has (or is about to take) the conversation: push it to the console.
        await desk_service.citizen_said(request.app, conversation_id, message.to_json())
    try:
        # Also while a clerk holds it: Rasa is paused then and only records the message,
        # so its transcript stays whole.
        answers = await request.app.ctx.rasa.send(conversation_id, forward)
    except RasaUnavailable:
        if control == "bot":
            return json({"code": "unavailable", "error": "assistant unavailable", "message": unavailable_nl(request),
                         "seq": message.seq}, status=503)
        answers = []
    # The actions' outcome (custom payload) is for the statistics, never for the citizen.
    visible, outcome = split_replies(answers)
    shown = [answer for answer in visible if answer.get("text") or answer.get("buttons")]
    if control == "bot" and not answers:
        # Rasa said nothing at all: the custom action it ran failed (action server down or
        # crashing; Rasa logs it and answers with an empty list). The citizen never waits in
        # silence: say so, with the phone number. The message is stored and Rasa has it.
        shown = [{"text": unavailable_nl(request)}]
    # A natural end (a department, organisation or case named): the last reply invites the
    # widget to ask "Heeft dit je geholpen?" (`csat: true`, see docs/api.md).
    ask_csat = outcome is not None and outcome.ends_conversation
    for position, answer in enumerate(shown):
        meta = {"csat": True} if ask_csat and position == len(shown) - 1 else None
        replies.append(chat.add(conversation_id, "bot", answer.get("text") or "",
                                buttons=answer.get("buttons"), meta=meta)[0])
    chat.mark_delivered(conversation_id, message.seq)
    if control == "bot":
        # Rasa answered this message itself (not paused for a clerk): one turn for the statistics.
        record_turn(request.app, conversation_id, message.seq, outcome)
    return json({"seq": message.seq, "messages": [m.to_json() for m in replies]})


@bp.get("/<conversation_id>/messages")
async def get_messages(request: Request, conversation_id: str):
    """Everything after a sequence number: for reloads and reconnects."""
    authorise_conversation(request, conversation_id)
    after = whole_number(request.args.get("after", "0"), "after")
    return json({"messages": [m.to_json() for m in request.app.ctx.chat.after(conversation_id, after)]})


@bp.websocket("/<conversation_id>/ws")
async def conversation_socket(request: Request, ws, conversation_id: str):
    """Pushes clerk and system messages. First message: {"type": "auth", "token": "..."}.

    Browsers cannot set headers on a WebSocket and a token in the URL ends up in logs,
    so the token comes as the first message.
    """
    chat = request.app.ctx.chat
    try:
        first = jsonlib.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        chat.authorise(conversation_id, first.get("token", ""))
    except (asyncio.TimeoutError, ValueError, TypeError, AttributeError, ConversationNotFound):
        await ws.send(jsonlib.dumps({"type": "error", "code": "not_found", "error": "conversation not found"}))
        await ws.close()
        return
    hub = request.app.ctx.hub
    hub.join_conversation(conversation_id, ws)
    try:
        await ws.send(jsonlib.dumps({"type": "hello", "control": chat.control(conversation_id)}))
        while True:
            await ws.recv()  # the widget sends pings; nothing else is expected
    finally:
        hub.leave_conversation(conversation_id, ws)
