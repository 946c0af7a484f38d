"""Retention: conversations are deleted a set time after their last message (AVG art. 5(1)(e)).

What goes, every `BALIE_PURGE_INTERVAL_MINUTES` inside the service (and at its start) or on
`python -m bot purge`:
- conversations whose last message (or, without messages, their creation) is older than
  `BALIE_RETENTION_DAYS`, with their messages, handovers and every other row that refers to
  them by a foreign key. A conversation whose handover is still waiting or active stays, however
  old: a clerk is (about to be) working on it.
- clerk sessions that ended or expired more than `BALIE_RETENTION_DAYS` ago;
- audit log entries older than `BALIE_AUDIT_RETENTION_DAYS` (bot/desk/audit.py);
- the beheerder's review assignments (masked training examples) older than REVIEW_RETENTION_DAYS
  (bot/insights/review.py). The review list itself reads `messages`, so it loses a purged text at once.
Cases stay: they have their own legal retention (Archiefwet, the municipality's selection list).
A case opened from a purged conversation keeps everything it holds but loses the link to it.
The statistics stay too (issue 13): `insight_events` hold no text and have no foreign key, so
the counts outlive the conversations. A purged conversation's CSAT answer keeps its score and
loses its comment, the citizen's own words.

Rasa keeps its own transcript of every conversation in its tracker store. After the database
purge, each purged conversation's tracker is replaced by an empty one through Rasa's HTTP API
(`PUT /conversations/<id>/tracker/events` with `[]`). Best effort: a failure is logged and does
not undo or block the database purge; a conversation is asked for once. This empties the
in-memory tracker store Balie uses (endpoints.yml), which also forgets everything when Rasa
restarts. Rasa's SQL, Mongo and Redis tracker stores only add events on save, so with those the
store needs its own retention (Redis `record_exp`, a scheduled delete in the SQL `events` table).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import aiohttp
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import db
from .db import cases, clerk_sessions, conversations, csat_answers, handovers, messages
from .insights.review import REVIEW_RETENTION_DAYS, purge_assignments

log = logging.getLogger(__name__)

# Conversations deleted per transaction: short locks, and well below SQLite's 999 bound parameters.
BATCH_SIZE = 500
# A handover in one of these states keeps its conversation, whatever its age.
OPEN_HANDOVER = ("waiting", "active")
# Seconds per call to Rasa's HTTP API when emptying a tracker.
RASA_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class PurgeReport:
    """What one purge deleted (or, in a dry run, would delete)."""

    # Conversations and clerk sessions before this moment are past retention; audit entries before `audit_before`.
    before: datetime
    audit_before: Optional[datetime] = None
    conversations: int = 0
    messages: int = 0
    handovers: int = 0
    # Other rows that refer to a purged conversation (tables added later with a foreign key).
    other_rows: int = 0
    cases_unlinked: int = 0
    # CSAT answers of purged conversations whose comment was cleared (the score stays).
    csat_comments_cleared: int = 0
    clerk_sessions: int = 0
    # None: there is no audit log.
    audit_entries: Optional[int] = None
    # Review assignments (bot/insights/review.py) past REVIEW_RETENTION_DAYS.
    review_assignments: int = 0
    # None: not asked (dry run, nothing purged); else how many trackers Rasa emptied.
    rasa_trackers_emptied: Optional[int] = None
    dry_run: bool = False
    conversation_ids: Tuple[str, ...] = field(default=(), repr=False)

    def lines(self) -> List[str]:
        """The counts, one per line, as `python -m bot purge` prints them."""
        head = "Dry run, nothing deleted. Would delete:" if self.dry_run else "Deleted:"
        audit = "no audit log" if self.audit_entries is None else str(self.audit_entries)
        lines = [head,
                 f"(conversations and clerk sessions before {self.before.isoformat(timespec='seconds')}, "
                 f"audit entries before {(self.audit_before or self.before).isoformat(timespec='seconds')})",
                 f"conversations: {self.conversations}",
                 f"messages: {self.messages}",
                 f"handovers: {self.handovers}",
                 f"other rows of these conversations: {self.other_rows}",
                 f"cases unlinked from their conversation (the cases stay): {self.cases_unlinked}",
                 f"CSAT comments cleared (the scores stay): {self.csat_comments_cleared}",
                 f"clerk sessions: {self.clerk_sessions}",
                 f"audit entries: {audit}",
                 f"review assignments: {self.review_assignments}"]
        if self.rasa_trackers_emptied is not None:
            lines.append(f"Rasa trackers emptied: {self.rasa_trackers_emptied} of {self.conversations}")
        return lines


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(timezone.utc)


def purge(engine: Engine, now: datetime, retention_days: int, audit_retention_days: int,
          dry_run: bool = False, batch_size: int = BATCH_SIZE) -> PurgeReport:
    """Delete what is past its retention period (see the module docstring); returns the counts.

    A dry run does the same deletes inside transactions it rolls back, so the counts are exact.
    The Rasa trackers are not touched here: see `empty_rasa_trackers`.
    """
    # UTC throughout: SQLite compares stored times as text, without their time zone.
    now = now.astimezone(timezone.utc)
    before = now - timedelta(days=retention_days)
    counts: Dict[str, int] = {}
    purged: List[str] = []
    for batch in _batches(_expired_conversations(engine, before), batch_size):
        ids, deleted = _purge_conversations(engine, batch, before, dry_run)
        purged += ids
        for name, count in deleted.items():
            counts[name] = counts.get(name, 0) + count
    sessions = _purge_sessions(engine, before, dry_run)
    audit_before = now - timedelta(days=audit_retention_days)
    audit = _purge_audit(engine, audit_before, dry_run)
    assignments = purge_assignments(engine, now - timedelta(days=REVIEW_RETENTION_DAYS), dry_run)
    known = ("conversations", "messages", "handovers", "cases", "csat_comments")
    return PurgeReport(
        before=before, audit_before=audit_before, conversations=counts.get("conversations", 0),
        messages=counts.get("messages", 0), handovers=counts.get("handovers", 0),
        other_rows=sum(count for name, count in counts.items() if name not in known),
        cases_unlinked=counts.get("cases", 0), csat_comments_cleared=counts.get("csat_comments", 0),
        clerk_sessions=sessions, audit_entries=audit,
        review_assignments=assignments, dry_run=dry_run, conversation_ids=tuple(purged))


def _expired(before: datetime):
    """SQL condition: the conversation's last activity is before `before` and no handover is open."""
    last_message = sa.select(sa.func.max(messages.c.created_at)) \
        .where(messages.c.conversation_id == conversations.c.id).scalar_subquery()
    last_activity = sa.func.coalesce(last_message, conversations.c.created_at)
    open_handover = sa.exists().where(handovers.c.conversation_id == conversations.c.id,
                                      handovers.c.status.in_(OPEN_HANDOVER))
    return sa.and_(last_activity < before, ~open_handover)


def _expired_conversations(engine: Engine, before: datetime) -> List[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(conversations.c.id).where(_expired(before))
                                 .order_by(conversations.c.id)).scalars())


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _purge_conversations(engine: Engine, batch: Sequence[str], before: datetime,
                         dry_run: bool) -> Tuple[List[str], Dict[str, int]]:
    """Delete one batch in one transaction; returns (ids deleted, rows per table)."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            # Checked again under a row lock (PostgreSQL): a message or a handover that arrived
            # since the first look keeps the conversation. ChatStore.add updates the same row first.
            ids = list(conn.execute(sa.select(conversations.c.id)
                                    .where(conversations.c.id.in_(batch), _expired(before))
                                    .with_for_update()).scalars())
            counts: Dict[str, int] = {}
            if ids:
                counts["cases"] = conn.execute(cases.update().where(cases.c.conversation_id.in_(ids))
                                               .values(conversation_id=None)).rowcount
                counts["csat_comments"] = conn.execute(
                    csat_answers.update().where(csat_answers.c.conversation_id.in_(ids),
                                                csat_answers.c.comment.is_not(None))
                    .values(comment=None)).rowcount
                _delete_with_dependents(conn, conversations, conversations.c.id.in_(ids), counts)
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
    return ids, counts


def _delete_with_dependents(conn: Connection, table: sa.Table, where, counts: Dict[str, int],
                            depth: int = 0) -> None:
    """Delete rows of `table`, after the rows of other tables that refer to them by a foreign key.

    Found from the schema, so a table added later with a foreign key to conversations (or to
    handovers) is purged too and never blocks the purge.
    """
    if depth > 4:
        raise RuntimeError(f"foreign keys nested too deep below {table.name}")
    for child in db.metadata.sorted_tables:
        for key in child.foreign_keys:
            if key.column.table is table and child is not table:
                parent_keys = sa.select(key.column).where(where)
                _delete_with_dependents(conn, child, key.parent.in_(parent_keys), counts, depth + 1)
    deleted = conn.execute(table.delete().where(where)).rowcount
    counts[table.name] = counts.get(table.name, 0) + deleted


def _purge_sessions(engine: Engine, before: datetime, dry_run: bool) -> int:
    """Clerk sessions that ended or expired before `before`."""
    finished = sa.or_(clerk_sessions.c.ended_at < before, clerk_sessions.c.expires_at < before)
    with engine.connect() as conn:
        if dry_run:
            return conn.execute(sa.select(sa.func.count()).select_from(clerk_sessions).where(finished)).scalar_one()
        with conn.begin():
            return conn.execute(clerk_sessions.delete().where(finished)).rowcount


def _purge_audit(engine: Engine, before: datetime, dry_run: bool) -> Optional[int]:
    """Audit entries older than `before`, through bot/desk/audit.py; None when there is no audit log."""
    try:
        from .desk.audit import purge_audit
    except ImportError:
        return None
    if dry_run:
        table = db.metadata.tables.get("audit_log")
        if table is None:
            return None
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table).where(table.c.at < before)).scalar_one()
    return purge_audit(engine, before)


async def empty_rasa_trackers(rasa_url: str, token: str, conversation_ids: Sequence[str],
                              timeout_s: float = RASA_TIMEOUT_S) -> int:
    """Replace each conversation's Rasa tracker by an empty one; returns how many Rasa accepted.

    Best effort (see the module docstring): failures are counted and logged, never raised. When
    Rasa cannot be reached at all the rest is not tried: a Rasa that is down has lost its
    in-memory trackers anyway.
    """
    emptied, failed = 0, 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:
        for position, conversation_id in enumerate(conversation_ids):
            url = f"{rasa_url}/conversations/{conversation_id}/tracker/events"
            try:
                async with session.put(url, params={"token": token}, json=[]) as response:
                    if response.status == 200:
                        emptied += 1
                    else:
                        failed += 1
            except aiohttp.ClientConnectionError:
                log.warning("Rasa not reachable: %d purged conversations not emptied in its tracker store",
                            len(conversation_ids) - position)
                return emptied
            except (aiohttp.ClientError, asyncio.TimeoutError):
                failed += 1
    if failed:
        log.warning("Rasa refused to empty %d of %d trackers of purged conversations", failed, len(conversation_ids))
    return emptied


async def purge_once(app, now: Callable[[], datetime] = utc_now) -> PurgeReport:
    """One purge for the running service: the database in a worker thread, then Rasa's trackers."""
    settings = app.ctx.settings
    loop = asyncio.get_running_loop()
    report = await loop.run_in_executor(None, lambda: purge(
        app.ctx.engine, now(), settings.retention_days, settings.audit_retention_days))
    if report.conversation_ids:
        emptied = await empty_rasa_trackers(settings.rasa_url, settings.rasa_token, report.conversation_ids)
        report = replace(report, rasa_trackers_emptied=emptied)
    if report.conversations or report.clerk_sessions or report.audit_entries or report.review_assignments:
        log.info("purge: %s", "; ".join(report.lines()[2:]))
    return report


async def purge_every(interval_s: float, job: Callable[[], Awaitable[object]],
                sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Run `job` now and then every `interval_s` seconds until cancelled; a failing run is logged.

    The log names the error type and where it happened, not its message: a database error's
    message can quote the data it was working on.
    """
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("purge failed: %s", type(exc).__name__, exc_info=(type(exc), None, exc.__traceback__))
        await sleep(interval_s)


def install(app, now: Callable[[], datetime] = utc_now) -> None:
    """Purge at the service's start and then every `settings.purge_interval_minutes`."""

    @app.after_server_start
    async def start_purge(app_, loop):
        interval_s = app_.ctx.settings.purge_interval_minutes * 60
        app_.ctx.purge_task = loop.create_task(purge_every(interval_s, lambda: purge_once(app_, now)))

    @app.before_server_stop
    async def stop_purge(app_, loop):
        task = getattr(app_.ctx, "purge_task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def main(args) -> None:
    """`python -m bot purge [--dry-run]`: purge once with the settings of this environment, print the counts."""
    from .db import connect
    from .settings import settings

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    engine = connect(settings.database_url)
    report = purge(engine, utc_now(), settings.retention_days, settings.audit_retention_days,
                   dry_run=args.dry_run)
    if report.conversation_ids and not args.dry_run:
        emptied = asyncio.run(empty_rasa_trackers(settings.rasa_url, settings.rasa_token, report.conversation_ids))
        report = replace(report, rasa_trackers_emptied=emptied)
    print("\n".join(report.lines()))
