"""Record a `turn` event for every citizen message Rasa answered (and `corrected` when it applies).

Called by the chat channel (bot/chat/api.py) after the replies are stored. The outcome comes
from the actions (bot/insights/outcome.py). A turn without one was answered by a rule or a
plain response: it is recorded as `other`, with the intent from Rasa's tracker, fetched in the
background so the citizen's reply never waits for the statistics.
"""
from __future__ import annotations

import logging
from typing import Optional

from sanic import Sanic

from ..chat.rasa_client import RasaUnavailable
from . import events
from .outcome import OTHER, Outcome

log = logging.getLogger(__name__)


def record_outcome(engine, conversation_id: str, seq: int, outcome: Outcome) -> None:
    """The turn, and a `corrected` event when the citizen picked another product than Balie answered."""
    events.record(engine, "turn", conversation_id, seq=seq, **outcome.event_facts())
    if outcome.corrected:
        # The product (or organisation) the citizen picked: the review list compares it with
        # the product of the turn before, which Balie answered.
        events.record(engine, "corrected", conversation_id, seq=seq, intent=outcome.intent,
                      product=outcome.product, department=outcome.department,
                      organisation=outcome.organisation)


async def record_unreported(app: Sanic, conversation_id: str, seq: int) -> None:
    """A turn no action reported on: `other`, with the intent if Rasa still knows it."""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    try:
        intent, confidence = await app.ctx.rasa.latest_intent(conversation_id)
    except RasaUnavailable:
        pass  # the turn still counts, without its intent
    try:
        events.record(app.ctx.engine, "turn", conversation_id, seq=seq, decision=OTHER,
                      intent=intent[:64] if intent else None,
                      confidence=round(confidence, 4) if confidence is not None else None)
    except Exception as exc:  # a background task: log it, never lose the loop over a statistic
        log.error("turn event not recorded: %s", type(exc).__name__, exc_info=(type(exc), None, exc.__traceback__))


def record_turn(app: Sanic, conversation_id: str, seq: int, outcome: Optional[Outcome]) -> None:
    """One `turn` per answered citizen message: now with an outcome, in the background without."""
    if outcome is not None:
        record_outcome(app.ctx.engine, conversation_id, seq, outcome)
    else:
        app.add_task(record_unreported(app, conversation_id, seq))
