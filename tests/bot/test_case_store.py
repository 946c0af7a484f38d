"""The case store on SQLite and on PostgreSQL: unique numbers under concurrency, idempotency."""
from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa

from bot.cases.model import CaseError

# Awb 9:11: a complaint is handled within six weeks.
COMPLAINT_TERM_DAYS = 42
from bot.cases.store import CaseStore, NewCase, format_number
from bot.catalogue import load_catalogue
from bot.db import connect
from bot.settings import settings

POSTGRES_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield CaseStore(connect(f"sqlite:///{tmp_path / 'cases.db'}"), load_catalogue(settings.catalogue_dir))
        return
    name = f"balie_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is needed for this test: {exc}")
    engine = connect(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}")
    try:
        yield CaseStore(engine, load_catalogue(settings.catalogue_dir))
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}"'))
        admin.dispose()


def new(key: str, **kw) -> NewCase:
    return NewCase(type=kw.pop("type", "report"), idempotency_key=key, created_by="test",
                   upl_name=kw.pop("upl_name", "melding openbare ruimte (straatverlichting)"), **kw)


def test_numbers_have_the_zaak_format_and_count_up(store):
    first, created = store.open(new("a"))
    second, _ = store.open(new("b"))
    assert created and re.fullmatch(r"Z-\d{4}-\d{6}", first.number)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert first.department == "openbare_ruimte" and first.channel == "chat"


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


def test_status_needs_the_email_or_postcode_on_record(store):
    case, _ = store.open(new("v", contact_email="jan@example.nl", contact_postcode="1234 AB"))
    assert store.verified(case.number, "JAN@example.nl") is not None
    assert store.verified(case.number, "1234ab") is not None
    assert store.verified(case.number, "9999 ZZ") is None
    assert store.verified("Z-2000-000001", "jan@example.nl") is None


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
