"""Record what happened in a conversation, as text-free rows in `insight_events`.

One function writes them all, so every count in the statistics has one source. A row never
holds citizen text: the review list joins `messages` for that, and loses it when retention
purges the messages while the counts stay.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.db import insight_events

# Statistics count per day as the municipality lives it, not per UTC day.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")

KINDS = ("conversation", "turn", "corrected", "case", "handover_requested", "handover_claimed", "csat")
_COLUMNS = {column.name for column in insight_events.columns} - {"id", "conversation_id", "at", "day", "kind"}


def local_day(moment: datetime) -> date:
    """The calendar day of a moment in Europe/Amsterdam."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_ZONE).date()


def record(db: Engine | Connection, kind: str, conversation_id: Optional[str],
           at: Optional[datetime] = None, **facts) -> None:
    """Write one event. `facts` are columns of insight_events (decision, product, score, ...).

    Pass a Connection to write inside the caller's transaction (a case and its event together).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown insight event kind: {kind}")
    unknown = set(facts) - _COLUMNS
    if unknown:
        raise ValueError(f"unknown insight event facts: {sorted(unknown)}")
    moment = at or datetime.now(timezone.utc)
    values = dict(conversation_id=conversation_id, at=moment, day=local_day(moment), kind=kind, **facts)
    if isinstance(db, Connection):
        db.execute(insight_events.insert().values(**values))
    else:
        with db.begin() as conn:
            conn.execute(insight_events.insert().values(**values))
