"""What happens around a handover: queue, Rasa pause/resume, messages and live pushes.

The HTTP layers (desk API, internal API for the actions, citizen chat) call these
functions; they keep the database, Rasa's tracker and the open sockets in step.
"""
from __future__ import annotations

from datetime import datetime
from math import ceil
from typing import Optional
from zoneinfo import ZoneInfo

import logging

from sanic import Sanic

from ..chat.rasa_client import RasaUnavailable
from .handovers import Handover
from .sessions import Clerk

logger = logging.getLogger(__name__)
TIMEZONE = ZoneInfo("Europe/Amsterdam")
CONTACT_CENTRE = "kcc"


def describe(app: Sanic, handover: Handover) -> dict:
    """JSON of a handover with its queue's department name."""
    department = app.ctx.catalogue.departments.get(handover.queue)
    return handover.to_json(department.name if department else handover.queue)


def office_open(app: Sanic, department: str = CONTACT_CENTRE, moment: Optional[datetime] = None) -> bool:
    """Office hours and closed days from the catalogue; BALIE_ALWAYS_OPEN for demos and tests."""
    if app.ctx.settings.always_open:
        return True
    return app.ctx.catalogue.is_open(department, moment or datetime.now(TIMEZONE))


def clerks_available(app: Sanic) -> int:
    """Clerks with the console open or an API session used in the last five minutes."""
    return app.ctx.clerks.available_count()


def wait_minutes(app: Sanic, position: int) -> int:
    """A realistic wait: conversations ahead × median handling time ÷ clerks available."""
    clerks = max(1, clerks_available(app))
    return max(1, ceil(position * app.ctx.handovers.handling_minutes() / clerks))


def availability(app: Sanic) -> dict:
    """Can a clerk take a conversation now? {"status": open|closed|unavailable, "opens_at"?}."""
    if not office_open(app):
        opens = app.ctx.catalogue.next_opening(CONTACT_CENTRE, datetime.now(TIMEZONE))
        return {"status": "closed", "opens_at": opens.isoformat()}
    if clerks_available(app) == 0:
        return {"status": "unavailable"}
    return {"status": "open"}


async def request(app: Sanic, conversation_id: str, reason: str, queue: str,
                  upl_name: Optional[str], summary: str, facts: dict) -> dict:
    """Queue a conversation for a clerk, or say why not (closed, nobody available)."""
    now = availability(app)
    if now["status"] != "open":
        return now
    handover, created = app.ctx.handovers.request(conversation_id, queue, reason, upl_name, summary, facts)
    if created:
        await app.ctx.hub.to_desk({"type": "queue", "handover": describe(app, handover)})
    position = app.ctx.handovers.position(handover)
    return {"status": "queued", "handover_id": handover.id, "position": position,
            "wait_minutes": wait_minutes(app, position)}


async def claim(app: Sanic, handover_id: int, clerk: Clerk) -> Handover:
    handover = app.ctx.handovers.claim(handover_id, clerk.id)
    text = f"Je praat nu met {clerk.display_name} van de gemeente."
    message, _ = app.ctx.chat.add(handover.conversation_id, "system", text)
    await app.ctx.hub.to_conversation(handover.conversation_id,
                                      {"type": "message", "message": message.to_json(), "clerk_name": clerk.display_name})
    await app.ctx.hub.to_desk({"type": "queue", "handover": describe(app, handover)})
    return handover


async def clerk_says(app: Sanic, handover_id: int, clerk: Clerk, text: str) -> dict:
    """Store the clerk's message, record it in Rasa's tracker, push it to the citizen."""
    handover = app.ctx.handovers.require_holder(handover_id, clerk.id)
    message, _ = app.ctx.chat.add(handover.conversation_id, "clerk", text,
                                  meta={"clerk_name": clerk.display_name})
    try:
        await app.ctx.rasa.append_events(handover.conversation_id, [
            {"event": "bot", "text": text, "metadata": {"clerk": clerk.display_name}}])
    except RasaUnavailable as exc:
        # The citizen still gets the message (it is stored); only Rasa's copy is missing.
        logger.warning("clerk message not recorded in Rasa tracker of %s: %s", handover.conversation_id, exc)
    body = message.to_json()
    await app.ctx.hub.to_conversation(handover.conversation_id, {"type": "message", "message": body})
    await app.ctx.hub.to_desk({"type": "message", "handover_id": handover.id, "message": body})
    return body


async def citizen_said(app: Sanic, conversation_id: str, message_json: dict) -> None:
    """A citizen message while a clerk holds (or is about to hold) the conversation."""
    handover = app.ctx.handovers.open_for(conversation_id)
    if handover:
        await app.ctx.hub.to_desk({"type": "message", "handover_id": handover.id, "message": message_json})


async def transfer(app: Sanic, handover_id: int, clerk: Clerk, department: str) -> Handover:
    handover = app.ctx.handovers.transfer(handover_id, clerk.id, department)
    name = app.ctx.catalogue.departments[department].name
    message, _ = app.ctx.chat.add(handover.conversation_id, "system",
                                  f"Je vraag gaat naar een collega van {name}. Een moment geduld.")
    await app.ctx.hub.to_conversation(handover.conversation_id, {"type": "message", "message": message.to_json()})
    await app.ctx.hub.to_desk({"type": "queue", "handover": describe(app, handover)})
    return handover


async def finish(app: Sanic, handover_id: int, clerk: Clerk, outcome: str, released: bool) -> Handover:
    """Release to the bot or close; Rasa resumes (ConversationResumed) either way.

    Rasa is resumed first: if it is unreachable nothing changes and the clerk can retry
    (RasaUnavailable), instead of a conversation nobody answers.
    """
    held = app.ctx.handovers.require_holder(handover_id, clerk.id)
    # action_listen after the resume: Rasa recorded the citizen's messages during the
    # pause without listening turns, and its policies only read a user message that
    # follows action_listen. Without it the next question gets Rasa's core fallback.
    await app.ctx.rasa.append_events(held.conversation_id, [
        {"event": "resume"}, {"event": "action", "name": "action_listen"}])
    handover = app.ctx.handovers.finish(handover_id, clerk.id, outcome)
    text = ("Je praat weer met Balie, de chatassistent. Heb je nog een vraag? Typ hem hier."
            if released else
            "De medewerker heeft het gesprek afgesloten. Heb je nog een vraag? Dan help ik je weer.")
    # Closed by the clerk: the conversation has come to an end, so the widget may ask
    # "Heeft dit je geholpen?" (bot/insights/csat.py). Not after a release: Balie takes over again.
    message, _ = app.ctx.chat.add(handover.conversation_id, "bot", text, meta=None if released else {"csat": True})
    await app.ctx.hub.to_conversation(handover.conversation_id, {"type": "message", "message": message.to_json()})
    await app.ctx.hub.to_desk({"type": "queue", "handover": describe(app, handover)})
    return handover
