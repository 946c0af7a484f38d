"""The case store on SQLite and on PostgreSQL: unique numbers under concurrency, idempotency, lookups."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from bot.cases.model import CaseError, CaseNumbersExhausted, LookupLocked, NoMatch

# Awb 9:11: a complaint is handled within six weeks.
COMPLAINT_TERM_DAYS = 42
from bot.cases import store as store_module
from bot.cases.store import AttemptLimits, CaseStore, NewCase, format_number
from bot.catalogue import load_catalogue
from bot.db import connect
from bot.settings import settings
from tests.fakes import fresh_postgres



@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield CaseStore(connect(f"sqlite:///{tmp_path / 'cases.db'}"), load_catalogue(settings.catalogue_dir))
        return
    with fresh_postgres() as url:
        engine = connect(url)
        try:
            yield CaseStore(engine, load_catalogue(settings.catalogue_dir))
        finally:
            engine.dispose()


def new(key: str, **kw) -> NewCase:
    return NewCase(type=kw.pop("type", "report"), idempotency_key=key, created_by="test",
                   upl_name=kw.pop("upl_name", "melding openbare ruimte (straatverlichting)"), **kw)


def test_numbers_have_the_zaak_format_and_do_not_count_up(store):
    first, created = store.open(new("a"))
    second, _ = store.open(new("b"))
    assert created and re.fullmatch(r"Z-\d{4}-[1-9]\d{5}", first.number)
    assert abs(int(second.number[-6:]) - int(first.number[-6:])) != 1
    assert first.department == "openbare_ruimte" and first.channel == "chat"
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", first.lookup_code)
    assert store.by_number(first.number).lookup_code is None  # in clear only on the new case


def test_a_taken_number_is_drawn_again_and_a_full_year_fails_clearly(store, monkeypatch):
    first, _ = store.open(new("a"))
    draws = iter([int(first.number[-6:]) - 100_000] * 3 + [42])
    monkeypatch.setattr(store_module.secrets, "randbelow", lambda n: next(draws))
    second, created = store.open(new("b"))
    assert created and second.number.endswith("100042")
    monkeypatch.setattr(store_module.secrets, "randbelow", lambda n: 42)
    with pytest.raises(CaseNumbersExhausted, match="no free case number"):
        store.open(new("c"))


def test_fifty_concurrent_cases_get_fifty_distinct_numbers(store):
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda i: store.open(new(f"k{i}"))[0].number, range(50)))
    assert len(set(results)) == 50


def test_retries_with_the_same_key_open_one_case(store):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: store.open(new("same-key")), range(16)))
    assert len({case.number for case, _ in results}) == 1
    assert sum(1 for _, created in results if created) == 1


def test_complaint_goes_to_the_complaints_coordinator_with_the_awb_term(store):
    case, _ = store.open(new("c", type="complaint", upl_name="paspoort"))
    assert case.department == "klachten" and case.handling_term_days == COMPLAINT_TERM_DAYS
    assert (case.due_date - case.created_at.date()).days in (COMPLAINT_TERM_DAYS, COMPLAINT_TERM_DAYS - 1)


class Clock:
    """A clock the test moves."""

    def __init__(self):
        self.moment = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.moment


LIMITS = AttemptLimits(per_case=3, per_conversation=4)


def test_status_needs_the_code_email_or_phone_on_record_not_the_postcode(store):
    case, _ = store.open(new("v", contact_email="Jan@Example.nl", contact_phone="+31612345678",
                             contact_postcode="1234 AB"))
    code, roomy = case.lookup_code, AttemptLimits(per_case=10, per_conversation=10)
    for answer in [code, code.lower().replace("-", " "), "jan@example.NL", "06-12345678"]:
        assert store.lookup(case.number, answer, "c", roomy).number == case.number
    wrong = ["1234 AB", "1234ab", "iemand@example.nl", "0687654321", "K7QF-M3ZD"]
    assert code not in wrong
    for answer in wrong:
        with pytest.raises(NoMatch):
            store.lookup(case.number, answer, "c", roomy)
    with pytest.raises(NoMatch):
        store.lookup("Z-2000-100001", "jan@example.nl", "c", roomy)


def test_failed_lookups_lock_the_number_for_24_hours_even_for_the_right_code(store):
    clock = Clock()
    store.now = clock
    case, _ = store.open(new("l"))
    for i in range(LIMITS.per_case):
        with pytest.raises(NoMatch):
            store.lookup(case.number, "AAAA-AAAA", f"attacker-{i}", LIMITS)
        clock.moment += timedelta(hours=1)
    with pytest.raises(LookupLocked) as locked:
        store.lookup(case.number, case.lookup_code, "citizen", LIMITS)
    # Free once the first failure (3 hours ago) is 24 hours old.
    assert locked.value.retry_after == 21 * 3600
    clock.moment += timedelta(hours=21) - timedelta(seconds=1)
    with pytest.raises(LookupLocked):
        store.lookup(case.number, case.lookup_code, "citizen", LIMITS)
    clock.moment += timedelta(seconds=1)
    assert store.lookup(case.number, case.lookup_code, "citizen", LIMITS).number == case.number


def test_unknown_numbers_count_against_the_conversation(store):
    clock = Clock()
    store.now = clock
    case, _ = store.open(new("m"))
    for i in range(LIMITS.per_conversation):
        with pytest.raises(NoMatch):
            store.lookup(f"Z-2026-{200000 + i}", "AAAA-AAAA", "walker", LIMITS)
    with pytest.raises(LookupLocked) as locked:
        store.lookup(case.number, case.lookup_code, "walker", LIMITS)
    assert locked.value.retry_after == 24 * 3600
    # Another conversation is not locked, and a right answer does not count as a failure.
    for _ in range(LIMITS.per_conversation + 1):
        assert store.lookup(case.number, case.lookup_code, "citizen", LIMITS).number == case.number


@pytest.mark.parametrize("kwargs,reason", [
    ({"type": "wish"}, "type must be one of"),
    ({"upl_name": "ruimtevaart"}, "unknown product"),
    ({"details": {"x": "y" * 2001}}, "longer than 2000"),
    ({"details": {"x": [1]}}, "must be text"),
])
def test_bad_requests_are_refused_with_a_reason(store, kwargs, reason):
    with pytest.raises(CaseError, match=reason):
        store.open(new("bad", **kwargs))


def test_format_number_limits():
    assert format_number(2026, 123) == "Z-2026-000123"
    with pytest.raises(CaseError):
        format_number(2026, 1_000_000)
