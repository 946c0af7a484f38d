"""The case store: numbers that are unique under concurrency, idempotent creation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import List, Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..catalogue import Catalogue
from ..db import case_counters, cases
from .model import Case, CaseError, due, responsibility

TIMEZONE = ZoneInfo("Europe/Amsterdam")
MAX_DETAIL_CHARS = 2000
MAX_DETAILS = 20


@dataclass(frozen=True)
class NewCase:
    """What a caller asks to open."""

    type: str
    idempotency_key: str
    created_by: str
    upl_name: Optional[str] = None
    conversation_id: Optional[str] = None
    channel: str = "chat"
    details: Optional[dict] = None
    contact_email: Optional[str] = None
    contact_phone: Optional[str] = None
    contact_postcode: Optional[str] = None


def _row_to_case(row) -> Case:
    created = row.created_at
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return Case(row.number, row.type, row.status, row.upl_name, row.department,
                row.handling_term_days, row.due_date, row.channel, row.conversation_id,
                row.details or {}, row.contact_email, row.contact_phone, row.contact_postcode, created)


def format_number(year: int, sequence: int) -> str:
    """Z-<year>-<six digits>, e.g. Z-2026-000123."""
    if not 0 < sequence <= 999_999:
        raise CaseError(f"case number sequence {sequence} out of range for {year}")
    return f"Z-{year}-{sequence:06d}"


class CaseStore:
    """Opens and finds cases."""

    def __init__(self, engine: Engine, catalogue: Catalogue):
        self.engine = engine
        self.catalogue = catalogue

    def _next_number(self, conn: Connection, year: int) -> str:
        updated = conn.execute(
            case_counters.update().where(case_counters.c.year == year)
            .values(last=case_counters.c.last + 1)
        ).rowcount
        if not updated:
            try:
                with conn.begin_nested():
                    conn.execute(case_counters.insert().values(year=year, last=1))
            except sa.exc.IntegrityError:
                # Another transaction created this year's counter first: use it.
                conn.execute(case_counters.update().where(case_counters.c.year == year)
                             .values(last=case_counters.c.last + 1))
        last = conn.execute(sa.select(case_counters.c.last).where(case_counters.c.year == year)).scalar_one()
        return format_number(year, last)

    def open(self, request: NewCase) -> tuple[Case, bool]:
        """Open a case; returns (case, created). The same idempotency key returns the first case."""
        _check(request)
        existing = self.by_idempotency_key(request.idempotency_key)
        if existing:
            return existing, False
        department, term = responsibility(self.catalogue, request.type, request.upl_name)
        now = datetime.now(timezone.utc)
        today = now.astimezone(TIMEZONE).date()
        try:
            with self.engine.begin() as conn:
                number = self._next_number(conn, today.year)
                conn.execute(cases.insert().values(
                    number=number, type=request.type, status="received", upl_name=request.upl_name,
                    department=department, handling_term_days=term, due_date=due(today, term),
                    channel=request.channel, conversation_id=request.conversation_id,
                    details=request.details or {}, contact_email=request.contact_email,
                    contact_phone=request.contact_phone, contact_postcode=request.contact_postcode,
                    idempotency_key=request.idempotency_key, created_by=request.created_by,
                    created_at=now,
                ))
        except sa.exc.IntegrityError:
            # A concurrent retry with the same key won the race: its case is the answer.
            existing = self.by_idempotency_key(request.idempotency_key)
            if existing:
                return existing, False
            raise
        return self.by_number(number), True

    def by_idempotency_key(self, key: str) -> Optional[Case]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.idempotency_key == key)).first()
        return _row_to_case(row) if row else None

    def by_number(self, number: str) -> Optional[Case]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.number == number.upper())).first()
        return _row_to_case(row) if row else None

    def by_conversation(self, conversation_id: str) -> List[Case]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(cases).where(cases.c.conversation_id == conversation_id)
                                .order_by(cases.c.id)).all()
        return [_row_to_case(r) for r in rows]

    def verified(self, number: str, verification: str) -> Optional[Case]:
        """The case, only if the e-mail address or postcode on record matches."""
        case = self.by_number(number)
        if case is None or not verification:
            return None
        given = "".join(verification.split()).lower()
        on_record = [v for v in (case.contact_email, case.contact_postcode) if v]
        if any("".join(v.split()).lower() == given for v in on_record):
            return case
        return None


def _check(request: NewCase) -> None:
    if not request.idempotency_key or len(request.idempotency_key) > 128:
        raise CaseError("idempotency_key is required (at most 128 characters)")
    details = request.details or {}
    if not isinstance(details, dict) or len(details) > MAX_DETAILS:
        raise CaseError(f"details must be an object with at most {MAX_DETAILS} fields")
    for key, value in details.items():
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise CaseError(f"details.{key} must be text, a number or true/false")
        if isinstance(value, str) and len(value) > MAX_DETAIL_CHARS:
            raise CaseError(f"details.{key} is longer than {MAX_DETAIL_CHARS} characters",
                            f"De beschrijving is te lang. Gebruik maximaal {MAX_DETAIL_CHARS} tekens.")
