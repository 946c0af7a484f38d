"""Handover of a conversation from the bot to a clerk, and back.

Conversation control is a small persisted state machine:
bot → waiting (handover requested, in a department's queue) → clerk (claimed by exactly
one clerk) → bot (released or closed). While not `bot`, Rasa does not answer: the
conversation is paused in Rasa's tracker (ConversationPaused), which still records
the citizen's messages.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import clerks, conversations, handovers
from ..insights import events

STATUSES = ("waiting", "active", "closed")
# Used for the wait estimate until there are enough finished handovers to measure.
DEFAULT_HANDLING_MINUTES = 6.0
MAX_OUTCOME = 2000


class HandoverNotFound(LookupError):
    pass


class HandoverConflict(RuntimeError):
    """The handover is not in a state that allows this (e.g. someone else claimed it).

    `code` is stable (already_claimed, not_holder, handover_closed); the desk API turns it
    into the clerk's Dutch message.
    """

    def __init__(self, reason: str, code: str = "conflict"):
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class Handover:
    id: int
    conversation_id: str
    status: str
    queue: str
    reason: str
    upl_name: Optional[str]
    summary: str
    facts: dict
    clerk_id: Optional[int]
    clerk_name: Optional[str]
    outcome: Optional[str]
    created_at: datetime
    claimed_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None

    def waiting_seconds(self, now: Optional[datetime] = None) -> int:
        end = self.claimed_at or now or datetime.now(timezone.utc)
        return max(0, int((end - self.created_at).total_seconds()))

    def to_json(self, department_name: str = "") -> dict:
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "status": self.status,
            "queue": {"id": self.queue, "name": department_name or self.queue},
            "reason": self.reason,
            "product": self.upl_name,
            "summary": self.summary,
            "facts": self.facts,
            "clerk": {"id": self.clerk_id, "name": self.clerk_name} if self.clerk_id else None,
            "outcome": self.outcome,
            "created_at": self.created_at.isoformat(),
            "claimed_at": self.claimed_at.isoformat() if self.claimed_at else None,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "waiting_seconds": self.waiting_seconds(),
        }


def _aware(moment):
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _now() -> datetime:
    return datetime.now(timezone.utc)


class HandoverStore:
    """Persists handovers and the conversation's control state."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def _select(self):
        return sa.select(handovers, clerks.c.display_name).select_from(
            handovers.outerjoin(clerks, clerks.c.id == handovers.c.clerk_id))

    def _row(self, row) -> Handover:
        return Handover(row.id, row.conversation_id, row.status, row.queue, row.reason, row.upl_name,
                        row.summary, row.facts or {}, row.clerk_id, row.display_name, row.outcome,
                        _aware(row.created_at), _aware(row.claimed_at), _aware(row.closed_at))

    def get(self, handover_id: int) -> Handover:
        with self.engine.connect() as conn:
            row = conn.execute(self._select().where(handovers.c.id == handover_id)).first()
        if row is None:
            raise HandoverNotFound(handover_id)
        return self._row(row)

    def open_for(self, conversation_id: str) -> Optional[Handover]:
        """The waiting or active handover of a conversation, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(self._select().where(
                handovers.c.conversation_id == conversation_id,
                handovers.c.status.in_(("waiting", "active")),
            ).order_by(handovers.c.id.desc())).first()
        return self._row(row) if row else None

    def request(self, conversation_id: str, queue: str, reason: str, upl_name: Optional[str],
                summary: str, facts: dict) -> tuple[Handover, bool]:
        """Put a conversation in a queue; returns (handover, created). One open handover per conversation."""
        existing = self.open_for(conversation_id)
        if existing:
            return existing, False
        now = _now()
        with self.engine.begin() as conn:
            handover_id = conn.execute(handovers.insert().values(
                conversation_id=conversation_id, status="waiting", queue=queue, reason=reason,
                upl_name=upl_name, summary=summary, facts=facts, created_at=now,
            )).inserted_primary_key[0]
            conn.execute(conversations.update().where(conversations.c.id == conversation_id)
                         .values(control="waiting"))
            events.record(conn, "handover_requested", conversation_id, at=now, reason=reason, department=queue,
                          product=upl_name)
        return self.get(handover_id), True

    def list(self, status: str) -> List[Handover]:
        with self.engine.connect() as conn:
            # Waiting and active: oldest first (the queue); closed: the newest 500.
            order = handovers.c.id.desc() if status == "closed" else handovers.c.id
            rows = conn.execute(self._select().where(handovers.c.status == status)
                                .order_by(order).limit(500)).all()
        return [self._row(r) for r in rows]

    def position(self, handover: Handover) -> int:
        """1 for the first waiting conversation in its queue."""
        with self.engine.connect() as conn:
            ahead = conn.execute(sa.select(sa.func.count()).select_from(handovers).where(
                handovers.c.status == "waiting", handovers.c.queue == handover.queue,
                handovers.c.id < handover.id,
            )).scalar_one()
        return ahead + 1

    def handling_minutes(self) -> float:
        """Median minutes a clerk spent on the last 50 finished handovers."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(handovers.c.claimed_at, handovers.c.closed_at).where(
                handovers.c.status == "closed", handovers.c.claimed_at.is_not(None),
            ).order_by(handovers.c.id.desc()).limit(50)).all()
        durations = [(_aware(r.closed_at) - _aware(r.claimed_at)).total_seconds() / 60 for r in rows if r.closed_at]
        return statistics.median(durations) if len(durations) >= 5 else DEFAULT_HANDLING_MINUTES

    def claim(self, handover_id: int, clerk_id: int) -> Handover:
        """Give the handover to this clerk. Exactly one clerk wins a race; the others get a conflict."""
        now = _now()
        with self.engine.begin() as conn:
            won = conn.execute(handovers.update().where(
                handovers.c.id == handover_id, handovers.c.status == "waiting",
            ).values(status="active", clerk_id=clerk_id, claimed_at=now)).rowcount
            if won:
                row = conn.execute(sa.select(handovers.c.conversation_id, handovers.c.created_at,
                                             handovers.c.queue)
                                   .where(handovers.c.id == handover_id)).one()
                conn.execute(conversations.update().where(conversations.c.id == row.conversation_id)
                             .values(control="clerk"))
                # The citizen's wait. After a transfer the handover keeps its first request time,
                # so a second claim counts the whole wait since the citizen asked.
                events.record(conn, "handover_claimed", row.conversation_id, at=now, department=row.queue,
                              wait_seconds=max(0.0, (now - _aware(row.created_at)).total_seconds()))
        handover = self.get(handover_id)
        if not won:
            if handover.status == "active":
                raise HandoverConflict("already claimed", "already_claimed")
            raise HandoverConflict(f"handover is {handover.status}",
                                   "handover_closed" if handover.status == "closed" else "conflict")
        return handover

    def require_holder(self, handover_id: int, clerk_id: int) -> Handover:
        handover = self.get(handover_id)
        if handover.status != "active" or handover.clerk_id != clerk_id:
            raise HandoverConflict("this clerk does not hold the conversation", "not_holder")
        return handover

    def transfer(self, handover_id: int, clerk_id: int, queue: str) -> Handover:
        """Put the conversation back in the queue of another department."""
        self.require_holder(handover_id, clerk_id)
        with self.engine.begin() as conn:
            conn.execute(handovers.update().where(handovers.c.id == handover_id).values(
                status="waiting", queue=queue, clerk_id=None, claimed_at=None))
            conn.execute(conversations.update().where(
                conversations.c.id == sa.select(handovers.c.conversation_id)
                .where(handovers.c.id == handover_id).scalar_subquery()).values(control="waiting"))
        return self.get(handover_id)

    def finish(self, handover_id: int, clerk_id: int, outcome: str) -> Handover:
        """Close the handover (after release or close); the bot answers again."""
        if len(outcome) > MAX_OUTCOME:
            raise ValueError(f"outcome is longer than {MAX_OUTCOME} characters")
        handover = self.require_holder(handover_id, clerk_id)
        with self.engine.begin() as conn:
            conn.execute(handovers.update().where(handovers.c.id == handover_id).values(
                status="closed", outcome=outcome, closed_at=_now()))
            conn.execute(conversations.update().where(conversations.c.id == handover.conversation_id)
                         .values(control="bot"))
        return self.get(handover_id)
