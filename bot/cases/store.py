"""The case store: random case numbers, idempotent creation, status lookups with attempt limits."""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Callable, List, Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .. import validation
from ..catalogue import Catalogue
from ..db import case_lookup_attempts, cases
from ..insights import events
from .model import (Case, CaseError, CaseNumbersExhausted, LookupLocked, NoMatch, due, new_lookup_code,
                    normalise_lookup_code, responsibility)

TIMEZONE = ZoneInfo("Europe/Amsterdam")
# Case numbers are Z-<year>-<six digits>; the digits are drawn at random from 100000-999999, so
# one number tells nothing about another (a counter let anyone walk every case of the year).
FIRST_NUMBER = 100_000
NUMBERS_PER_YEAR = 900_000
# Draws per new case before giving up. With k numbers of the year taken, a draw collides with
# probability k/900,000 and all draws do with (k/900,000)**25: below 1e-7 while the year is
# half full, 7% at 90% full. Near exhaustion (far beyond the cases a municipality opens in a
# year) opening fails with CaseNumbersExhausted, a 503 at the edge, instead of looping: then
# the format needs more digits.
NUMBER_DRAWS = 25
# Failed status lookups count for 24 hours (settings.status_attempts_per_case / _per_conversation).
ATTEMPT_WINDOW = timedelta(hours=24)
MAX_DETAIL_CHARS = 2000
MAX_DETAILS = 20
# AVG art. 5(1)(c), data minimisation: a case keeps only the details its type asks
# (data/catalogue/case_types.yml) plus these, each allowed when the type asks the slot named
# (None: every type). Everything else a caller sends is dropped before storing.
EXTRA_DETAILS = {
    # A report's Signalen main and sub category replace the chosen category (actions/cases/submit.py).
    "main_category": "case_category",
    "sub_category": "case_category",
    # A postal address typed as contact: how the department answers (Awb 9:8 for a complaint).
    "address": "case_contact",
    # The clerk's own description when a clerk opens a case of any type (bot/static/desk/desk.js).
    "description": None,
}
# Contact slots are stored in the contact columns, never in details.
CONTACT_SLOTS = ("case_contact", "case_phone")


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


def utc_now() -> datetime:
    """The current time in UTC (the store's default clock)."""
    return datetime.now(timezone.utc)


def hash_lookup_code(number: str, code: str) -> str:
    """SHA-256 of the normalised lookup code, salted with the case number.

    Why a hash: the code must not be readable from the database, a backup or a query result.
    Why plain SHA-256 and not an HMAC with a server key: the code has ~40 bits, so an attacker
    holding the database can brute-force any hash of it offline; a key would only help if it
    were kept apart from the database, which this deployment has no place for. And whoever has
    the database already has what the code protects (type, status, department, due date). The
    protection that matters is online: the attempt limits below. The case number as salt makes
    the same code on two cases hash differently, so no table of hashes serves all cases.
    """
    return hashlib.sha256(f"{number.upper()}:{code.replace('-', '')}".encode()).hexdigest()


@dataclass(frozen=True)
class AttemptLimits:
    """Failed status lookups allowed per case number and per conversation within `window`."""

    per_case: int
    per_conversation: int
    window: timedelta = ATTEMPT_WINDOW


def format_number(year: int, sequence: int) -> str:
    """Z-<year>-<six digits>, e.g. Z-2026-000123."""
    if not 0 < sequence <= 999_999:
        raise CaseError(f"case number sequence {sequence} out of range for {year}")
    return f"Z-{year}-{sequence:06d}"


class CaseStore:
    """Opens and finds cases."""

    def __init__(self, engine: Engine, catalogue: Catalogue, now: Callable[[], datetime] = utc_now):
        self.engine = engine
        self.catalogue = catalogue
        self.now = now

    def open(self, request: NewCase) -> tuple[Case, bool]:
        """Open a case; returns (case, created). The same idempotency key returns the first case."""
        _check(request)
        existing = self.by_idempotency_key(request.idempotency_key)
        if existing:
            return existing, False
        department, term = responsibility(self.catalogue, request.type, request.upl_name)
        details = kept_details(self.catalogue, request.type, request.details or {})
        now = self.now()
        today = now.astimezone(TIMEZONE).date()
        code = new_lookup_code()
        for _ in range(NUMBER_DRAWS):
            number = format_number(today.year, FIRST_NUMBER + secrets.randbelow(NUMBERS_PER_YEAR))
            try:
                with self.engine.begin() as conn:
                    conn.execute(cases.insert().values(
                        number=number, lookup_code_hash=hash_lookup_code(number, code),
                        type=request.type, status="received", upl_name=request.upl_name,
                        department=department, handling_term_days=term, due_date=due(today, term),
                        channel=request.channel, conversation_id=request.conversation_id,
                        details=details, contact_email=request.contact_email,
                        contact_phone=request.contact_phone, contact_postcode=request.contact_postcode,
                        idempotency_key=request.idempotency_key, created_by=request.created_by,
                        created_at=now,
                    ))
                    # In the same transaction: every case is counted once (a replay returns above).
                    events.record(conn, "case", request.conversation_id, at=now, case_type=request.type,
                                  department=department, product=request.upl_name)
            except sa.exc.IntegrityError:
                # A concurrent retry with the same key won the race: its case is the answer.
                existing = self.by_idempotency_key(request.idempotency_key)
                if existing:
                    return existing, False
                if self.by_number(number) is None:
                    raise  # not a taken number: a real error
                continue  # the number was taken: draw another
            # The code in clear only on this return value: the caller shows it once.
            return replace(self.by_number(number), lookup_code=code), True
        raise CaseNumbersExhausted(f"no free case number found for {today.year} in {NUMBER_DRAWS} draws",
                                   "Er ging iets mis bij het maken van een zaaknummer. Probeer het later opnieuw.")

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

    def lookup(self, number: str, verification: str, conversation_id: str, limits: AttemptLimits) -> Case:
        """The case, only if `verification` is its lookup code or the e-mail address or phone number on record.

        Raises NoMatch for an unknown number and a wrong answer alike, and LookupLocked once
        `limits` failed lookups for this number or this conversation fall within the window:
        then even the right answer is refused, whether the number exists or not, so neither
        the answer nor the lock tells a real number from a made-up one. A locked attempt is
        not counted, so an attacker cannot stretch a citizen's lock beyond the window.
        """
        number = number.strip().upper()
        # UTC throughout: SQLite compares stored times as text, without their time zone.
        now = self.now().astimezone(timezone.utc)
        since = now - limits.window
        # Count first, verify after: the attempt is stored (and committed) before the answer is
        # checked, so lookups running at the same time see each other and cannot slip past the limit.
        with self.engine.begin() as conn:
            conn.execute(case_lookup_attempts.delete().where(case_lookup_attempts.c.created_at <= since))
            attempt = conn.execute(case_lookup_attempts.insert().values(
                case_number=number, conversation_id=conversation_id, created_at=now)).inserted_primary_key[0]
        retry_after = self._locked_for(number, conversation_id, attempt, limits, now)
        if retry_after is not None:
            self._forget_attempt(attempt)
            raise LookupLocked(retry_after)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.number == number)).first()
        if _matches(row, verification):
            # A right answer is not a failure.
            self._forget_attempt(attempt)
            return _row_to_case(row)
        raise NoMatch(number)

    def _locked_for(self, number: str, conversation_id: str, attempt: int, limits: AttemptLimits,
                    now: datetime) -> Optional[int]:
        """Seconds until this number and conversation may be tried again; None when not locked.

        A failure counts from its moment until exactly `window` later (then it has expired).
        """
        since = now - limits.window
        table = case_lookup_attempts
        until = None
        for column, key, limit in ((table.c.case_number, number, limits.per_case),
                                   (table.c.conversation_id, conversation_id, limits.per_conversation)):
            with self.engine.connect() as conn:
                earlier = conn.execute(
                    sa.select(table.c.created_at)
                    .where(column == key, table.c.created_at > since, table.c.id != attempt)
                    .order_by(table.c.created_at.desc()).limit(limit)).scalars().all()
            if len(earlier) < limit:
                continue
            # Free again once the oldest of the last `limit` failures has left the window.
            free_at = _aware(earlier[-1]) + limits.window
            until = free_at if until is None else max(until, free_at)
        if until is None:
            return None
        return max(1, math.ceil((until - now).total_seconds()))

    def _forget_attempt(self, attempt: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(case_lookup_attempts.delete().where(case_lookup_attempts.c.id == attempt))


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# Compared with when the number is unknown, so an unknown number costs the same work as a known one.
_NOBODY = {"number": "Z-0000-000000", "lookup_code_hash": "0" * 64, "contact_email": "-", "contact_phone": "-"}


def _same(given: Optional[str], on_record: Optional[str]) -> bool:
    """Constant-time equality of two texts; False when either is missing."""
    return hmac.compare_digest((given or "").encode(), (on_record or "").encode()) and bool(given and on_record)


def _matches(row, verification: str) -> bool:
    """Whether `verification` is the row's lookup code, e-mail address or phone number (normalised).

    Not the postcode: for a report about a public place that is the place's postcode, which
    anyone can know. Every candidate is compared (no early return), in constant time.
    """
    record = row._mapping if row is not None else _NOBODY
    text = (verification or "").strip()
    code = normalise_lookup_code(text)
    email = phone = None
    if "@" in text:
        try:
            email = validation.email(text).casefold()
        except validation.InvalidValue:
            pass
    else:
        try:
            phone = validation.phone(text)
        except validation.InvalidValue:
            pass
    hits = [
        _same(hash_lookup_code(record["number"], code) if code else None, record["lookup_code_hash"]),
        _same(email, (record["contact_email"] or "").casefold() or None),
        _same(phone, record["contact_phone"]),
    ]
    return row is not None and any(hits)


def kept_details(catalogue: Catalogue, case_type: str, details: dict) -> dict:
    """The details a case of this type needs; other keys are dropped (see EXTRA_DETAILS)."""
    kind = catalogue.case_types.get(case_type)
    if kind is None:
        return details
    asked = set(kind.slots)
    wanted = {slot.removeprefix("case_") for slot in asked if slot not in CONTACT_SLOTS}
    wanted |= {key for key, slot in EXTRA_DETAILS.items() if slot is None or slot in asked}
    return {key: value for key, value in details.items() if key in wanted}


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
