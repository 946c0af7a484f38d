"""The audit log: logins, logouts, opened transcripts and maintainers' account changes.

AVG art. 5(2) and 32 (accountability, security of processing) and BIO 12.4.1 (event logging):
the privacy officer must be able to see who looked at which conversation and when, and who
logged in or tried to. The log holds who, what, which handover/conversation, from where and
when; never a password and never message text. `python -m bot audit export` writes it as CSV.
"""
from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterator, Optional, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import audit_log

# Events (the `event` column). Login refusals before the password check are `login_refused`
# with detail `throttled` or `locked`; a failed check is `login_failed` with the reason.
LOGIN_OK = "login_ok"
LOGIN_FAILED = "login_failed"
LOGIN_REFUSED = "login_refused"
LOGOUT = "logout"
TRANSCRIPT_OPENED = "transcript_opened"
CLERK_ADDED = "clerk_added"
CLERK_DISABLED = "clerk_disabled"
CLERK_ENABLED = "clerk_enabled"
PASSWORD_RESET = "password_reset"
SESSIONS_ENDED = "sessions_ended"
ROLE_CHANGED = "role_changed"
# The beheerder's review list shows (masked) citizen text from many conversations (issue 13).
REVIEW_OPENED = "review_opened"
REVIEW_EXPORTED = "review_exported"

# Column widths of the table (bot/db.py): longer values are cut, never refused.
MAX_USERNAME = 64
MAX_ADDRESS = 64
MAX_DETAIL = 64
# What the maintainers' commands write as the client address.
CLI = "cli"
# `audit export` without --since covers this many days.
DEFAULT_EXPORT_DAYS = 30
COLUMNS = ("time", "event", "clerk_id", "username", "client_address", "handover_id", "conversation_id", "detail")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection");
# usernames as typed at the login are the attacker's choice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _cut(value: Optional[str], limit: int) -> Optional[str]:
    return None if value is None else str(value)[:limit]


def record(engine: Engine, event: str, *, clerk_id: Optional[int] = None, username: Optional[str] = None,
           address: Optional[str] = None, handover_id: Optional[int] = None,
           conversation_id: Optional[str] = None, detail: Optional[str] = None,
           now: Callable[[], datetime] = _now) -> None:
    """Write one event. The caller passes no password or message text: there is no field for them."""
    with engine.begin() as conn:
        conn.execute(audit_log.insert().values(
            at=now(), event=event, clerk_id=clerk_id, username=_cut(username, MAX_USERNAME),
            client_address=_cut(address, MAX_ADDRESS), handover_id=handover_id,
            conversation_id=conversation_id, detail=_cut(detail, MAX_DETAIL),
        ))


@dataclass(frozen=True)
class AuditEvent:
    """One row of the audit log."""

    at: datetime
    event: str
    clerk_id: Optional[int]
    username: Optional[str]
    client_address: Optional[str]
    handover_id: Optional[int]
    conversation_id: Optional[str]
    detail: Optional[str]


def events(engine: Engine, since: datetime, until: datetime) -> Iterator[AuditEvent]:
    """Events with since <= time < until, oldest first."""
    with engine.connect() as conn:
        result = conn.execute(sa.select(audit_log).where(audit_log.c.at >= since, audit_log.c.at < until)
                              .order_by(audit_log.c.at, audit_log.c.id))
        for row in result:
            at = row.at if row.at.tzinfo else row.at.replace(tzinfo=timezone.utc)
            yield AuditEvent(at, row.event, row.clerk_id, row.username, row.client_address,
                             row.handover_id, row.conversation_id, row.detail)


def purge_audit(engine: Engine, before: datetime) -> int:
    """Delete events older than `before` (retention: BALIE_AUDIT_RETENTION_DAYS); returns how many."""
    with engine.begin() as conn:
        return conn.execute(audit_log.delete().where(audit_log.c.at < before)).rowcount


def _cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    text = value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(engine: Engine, out: TextIO, since: datetime, until: datetime) -> int:
    """Write the events of [since, until) as CSV with a header row; returns how many."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for event in events(engine, since, until):
        writer.writerow([_cell(event.at), _cell(event.event), _cell(event.clerk_id), _cell(event.username),
                         _cell(event.client_address), _cell(event.handover_id), _cell(event.conversation_id),
                         _cell(event.detail)])
        count += 1
    return count


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise SystemExit(f"{option} must be a date written YYYY-MM-DD, not {value!r}")


def export_range(since: Optional[str], until: Optional[str], today: date) -> tuple[datetime, datetime]:
    """The UTC moments of `--since` (first day, included) and `--until` (last day, included)."""
    last = _day(until, "--until") if until else today
    first = _day(since, "--since") if since else last - timedelta(days=DEFAULT_EXPORT_DAYS)
    if first > last:
        raise SystemExit(f"--since ({first}) is after --until ({last})")
    return (datetime.combine(first, time.min, timezone.utc),
            datetime.combine(last + timedelta(days=1), time.min, timezone.utc))


def main(args) -> None:
    """`python -m bot audit export [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--output file.csv]`."""
    from ..db import connect
    from ..settings import settings

    since, until = export_range(args.since, args.until, _now().date())
    engine = connect(settings.database_url)
    if args.output:
        # newline="": the csv module writes its own line ends (RFC 4180: CRLF).
        with open(args.output, "w", newline="", encoding="utf-8") as out:
            count = write_csv(engine, out, since, until)
        print(f"{count} events from {since.date()} to {(until - timedelta(days=1)).date()} written to {args.output}.",
              file=sys.stderr)
    else:
        count = write_csv(engine, sys.stdout, since, until)
        sys.stdout.flush()
        print(f"{count} events from {since.date()} to {(until - timedelta(days=1)).date()}.", file=sys.stderr)
