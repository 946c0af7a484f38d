"""Retention: what is past BALIE_RETENTION_DAYS goes, what is still needed stays (bot/retention.py).

The clock is controlled: rows get timestamps relative to a fixed `NOW`, or relative to the real
clock for the end-to-end tests against a running service and `python -m bot purge`.
"""
from __future__ import annotations

import asyncio
import logging
import subprocess
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa

from bot import retention
from bot.db import (audit_log, cases, clerk_sessions, clerks, connect, conversations, handovers, messages)
from bot.retention import BATCH_SIZE, OPEN_HANDOVER, PurgeReport, empty_rasa_trackers, purge, purge_every
from tests.conftest import ROOT, VENV_BIN, free_port
from tests.fakes import FakeRasa, fresh_postgres
from tests.security.conftest import start_service

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
DAYS = 30
AUDIT_DAYS = 365


# --- building rows with a controlled clock -----------------------------------------------------

def add_conversation(engine, created: datetime, message_times=(), handover: str | None = None,
                     handover_created: datetime | None = None) -> str:
    """A conversation with messages at the given times and optionally one handover in a state."""
    conversation_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(conversations.insert().values(id=conversation_id, token_hash="0" * 64, created_at=created,
                                                   control="bot", last_seq=len(message_times)))
        for seq, moment in enumerate(message_times, start=1):
            conn.execute(messages.insert().values(conversation_id=conversation_id, seq=seq, sender="citizen",
                                                  text=f"bericht {seq}", created_at=moment))
        if handover:
            conn.execute(handovers.insert().values(
                conversation_id=conversation_id, status=handover, queue="kcc", reason="request_human",
                summary="samenvatting", facts={}, created_at=handover_created or created))
    return conversation_id


def add_case(engine, conversation_id: str, created: datetime) -> str:
    number = f"Z-2026-{uuid.uuid4().int % 900_000 + 100_000}"
    with engine.begin() as conn:
        conn.execute(cases.insert().values(
            number=number, type="report", status="received", department="openbare_ruimte",
            handling_term_days=10, due_date=date(2026, 1, 20), channel="chat", conversation_id=conversation_id,
            details={"description": "lamp kapot"}, idempotency_key=f"test:{number}", created_by="test",
            created_at=created))
    return number


def add_clerk(engine) -> int:
    with engine.begin() as conn:
        return conn.execute(clerks.insert().values(
            username=f"clerk-{uuid.uuid4().hex[:8]}", display_name="Sanne", password_hash="x",
            created_at=NOW - timedelta(days=400))).inserted_primary_key[0]


def add_session(engine, clerk_id: int, created: datetime, hours: int = 8, ended: datetime | None = None) -> str:
    token_hash = uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(clerk_sessions.insert().values(
            token_hash=token_hash, clerk_id=clerk_id, created_at=created, expires_at=created + timedelta(hours=hours),
            last_seen=created, ended_at=ended))
    return token_hash


def add_audit(engine, at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(audit_log.insert().values(at=at, event="login_ok", username="sanne"))


def ids(engine, table) -> set:
    column = table.c.id if "id" in table.c else table.c.token_hash
    with engine.connect() as conn:
        return set(conn.execute(sa.select(column)).scalars())


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """A fresh database: SQLite in a temporary folder, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        engine = connect(f"sqlite:///{tmp_path / 'retention.db'}")
        yield engine
        engine.dispose()
        return
    with fresh_postgres("balie_sec", required=False) as url:
        engine = connect(url)
        try:
            yield engine
        finally:
            engine.dispose()


def old(days: float) -> datetime:
    return NOW - timedelta(days=days)


# --- purge() ------------------------------------------------------------------------------------

def test_purge_deletes_exactly_what_is_past_retention(engine):
    gone_with_messages = add_conversation(engine, old(45), [old(45), old(40), old(31)], handover="closed")
    gone_without_messages = add_conversation(engine, old(31))
    gone_just_past = add_conversation(engine, old(40), [old(DAYS) - timedelta(seconds=1)])
    stays_recent = add_conversation(engine, old(2), [old(2), old(1)])
    stays_old_start_recent_message = add_conversation(engine, old(60), [old(60), old(29)])
    stays_exactly_at_limit = add_conversation(engine, old(DAYS))
    stays_waiting = add_conversation(engine, old(90), [old(90)], handover="waiting")
    stays_active = add_conversation(engine, old(90), [old(90)], handover="active")
    linked_case = add_case(engine, gone_with_messages, old(40))
    recent_case = add_case(engine, stays_recent, old(1))

    clerk = add_clerk(engine)
    ended_long_ago = add_session(engine, clerk, old(40), ended=old(40) + timedelta(hours=1))
    expired_long_ago = add_session(engine, clerk, old(40))
    ended_recently = add_session(engine, clerk, old(3), ended=old(3) + timedelta(hours=1))
    running = add_session(engine, clerk, NOW - timedelta(hours=1))
    for at in (old(AUDIT_DAYS + 1), old(AUDIT_DAYS + 30), old(AUDIT_DAYS - 1), old(10)):
        add_audit(engine, at)

    report = purge(engine, NOW, DAYS, AUDIT_DAYS)

    assert report == PurgeReport(before=old(DAYS), audit_before=old(AUDIT_DAYS), conversations=3, messages=4,
                                 handovers=1, other_rows=0, cases_unlinked=1, clerk_sessions=2,
                                 audit_entries=2, dry_run=False,
                                 conversation_ids=report.conversation_ids)
    assert set(report.conversation_ids) == {gone_with_messages, gone_without_messages, gone_just_past}
    assert ids(engine, conversations) == {stays_recent, stays_old_start_recent_message, stays_exactly_at_limit,
                                          stays_waiting, stays_active}
    assert count(engine, messages, messages.c.conversation_id.in_(report.conversation_ids)) == 0
    assert count(engine, messages) == 2 + 2 + 1 + 1
    assert {row for row in _handover_states(engine)} == {(stays_waiting, "waiting"), (stays_active, "active")}
    # Cases stay, with everything they hold; the purged conversation's link is cut.
    assert _case_link(engine, linked_case) == (None, {"description": "lamp kapot"})
    assert _case_link(engine, recent_case) == (stays_recent, {"description": "lamp kapot"})
    assert ids(engine, clerk_sessions) == {ended_recently, running}
    assert count(engine, audit_log) == 2
    assert count(engine, audit_log, audit_log.c.at < old(AUDIT_DAYS)) == 0

    # A second run finds nothing more.
    again = purge(engine, NOW, DAYS, AUDIT_DAYS)
    assert (again.conversations, again.messages, again.clerk_sessions, again.audit_entries) == (0, 0, 0, 0)


def _handover_states(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(handovers.c.conversation_id, handovers.c.status)).all()


def _case_link(engine, number: str):
    with engine.connect() as conn:
        row = conn.execute(sa.select(cases.c.conversation_id, cases.c.details).where(cases.c.number == number)).one()
    return row.conversation_id, row.details


def test_open_handovers_keep_their_conversation_however_old(engine):
    assert OPEN_HANDOVER == ("waiting", "active")
    kept = [add_conversation(engine, old(400), [old(400)], handover=state) for state in OPEN_HANDOVER]
    # A closed handover next to an open one (a transfer, a second request) does not free the conversation.
    both = add_conversation(engine, old(400), [old(400)], handover="closed")
    with engine.begin() as conn:
        conn.execute(handovers.insert().values(conversation_id=both, status="waiting", queue="kcc",
                                               reason="request_human", summary="", facts={}, created_at=old(399)))
    report = purge(engine, NOW, DAYS, AUDIT_DAYS)
    assert report.conversations == 0 and ids(engine, conversations) == set(kept) | {both}


def test_dry_run_counts_exactly_and_deletes_nothing(engine):
    conversation = add_conversation(engine, old(50), [old(50), old(49)], handover="closed")
    add_case(engine, conversation, old(49))
    add_session(engine, add_clerk(engine), old(40))
    add_audit(engine, old(AUDIT_DAYS + 2))
    before = {table.name: count(engine, table) for table in (conversations, messages, handovers, clerk_sessions,
                                                              audit_log)}

    dry = purge(engine, NOW, DAYS, AUDIT_DAYS, dry_run=True)

    assert (dry.dry_run, dry.conversations, dry.messages, dry.handovers, dry.cases_unlinked, dry.clerk_sessions,
            dry.audit_entries) == (True, 1, 2, 1, 1, 1, 1)
    assert {table.name: count(engine, table) for table in (conversations, messages, handovers, clerk_sessions,
                                                           audit_log)} == before
    assert count(engine, cases, cases.c.conversation_id == conversation) == 1
    real = purge(engine, NOW, DAYS, AUDIT_DAYS)
    assert (real.conversations, real.messages, real.handovers, real.cases_unlinked, real.clerk_sessions,
            real.audit_entries) == (1, 2, 1, 1, 1, 1)


def test_purge_works_in_batches(engine):
    assert BATCH_SIZE == 500
    expired = {add_conversation(engine, old(31 + i), [old(31 + i)]) for i in range(5)}
    stays = add_conversation(engine, old(1), [old(1)])
    report = purge(engine, NOW, DAYS, AUDIT_DAYS, batch_size=2)
    assert report.conversations == 5 and set(report.conversation_ids) == expired
    assert ids(engine, conversations) == {stays}


def test_rows_of_tables_added_later_with_a_foreign_key_go_with_their_conversation(engine):
    """Found from the schema: a new table never blocks the purge (SQLite and PostgreSQL enforce the keys)."""
    from bot.db import metadata

    notes = sa.Table("test_notes", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False))
    handover_notes = sa.Table("test_handover_notes", metadata, sa.Column("id", sa.Integer, primary_key=True),
                              sa.Column("handover_id", sa.Integer, sa.ForeignKey("handovers.id"), nullable=False))
    try:
        notes.create(engine)
        handover_notes.create(engine)
        expired = add_conversation(engine, old(40), [old(40)], handover="closed")
        kept = add_conversation(engine, old(1), [old(1)], handover="closed")
        with engine.begin() as conn:
            for conversation in (expired, kept):
                conn.execute(notes.insert().values(conversation_id=conversation))
                handover = conn.execute(sa.select(handovers.c.id)
                                        .where(handovers.c.conversation_id == conversation)).scalar_one()
                conn.execute(handover_notes.insert().values(handover_id=handover))
        report = purge(engine, NOW, DAYS, AUDIT_DAYS)
        assert (report.conversations, report.messages, report.handovers, report.other_rows) == (1, 1, 1, 2)
        assert count(engine, notes) == 1 and count(engine, handover_notes) == 1
        assert ids(engine, conversations) == {kept}
    finally:
        metadata.remove(handover_notes)
        metadata.remove(notes)


def test_a_message_that_arrives_after_the_first_look_keeps_the_conversation(engine):
    """The batch is checked again inside its transaction: new activity wins over the purge."""
    conversation = add_conversation(engine, old(40), [old(40)])
    assert retention._expired_conversations(engine, old(DAYS)) == [conversation]
    with engine.begin() as conn:
        conn.execute(messages.insert().values(conversation_id=conversation, seq=2, sender="citizen",
                                              text="ik ben er weer", created_at=NOW))
    purged, counts = retention._purge_conversations(engine, [conversation], old(DAYS), dry_run=False)
    assert purged == [] and counts == {}
    assert ids(engine, conversations) == {conversation}


def test_timestamps_are_compared_in_utc(engine):
    """A clock in another time zone gives the same cut-off (SQLite compares stored text)."""
    add_conversation(engine, old(30) - timedelta(minutes=30))
    amsterdam = NOW.astimezone(timezone(timedelta(hours=1)))
    assert purge(engine, amsterdam, DAYS, AUDIT_DAYS, dry_run=True).conversations == 1
    add_conversation(engine, old(30) + timedelta(minutes=30))
    assert purge(engine, amsterdam, DAYS, AUDIT_DAYS, dry_run=True).conversations == 1


# --- Rasa's tracker store ---------------------------------------------------------------------------

@pytest.fixture
def fake_rasa():
    rasa = FakeRasa()
    yield rasa
    rasa.close()


def test_rasa_trackers_of_purged_conversations_are_replaced_by_empty_ones(fake_rasa):
    emptied = asyncio.run(empty_rasa_trackers(fake_rasa.url, "het-token", ["c-1", "c-2"]))
    assert emptied == 2
    assert fake_rasa.requests == [("/conversations/c-1/tracker/events", {"token": ["het-token"]}, []),
                                  ("/conversations/c-2/tracker/events", {"token": ["het-token"]}, [])]


def test_rasa_refusing_is_counted_and_logged_not_raised(fake_rasa, caplog):
    fake_rasa.status = 401
    with caplog.at_level(logging.WARNING, logger="bot.retention"):
        assert asyncio.run(empty_rasa_trackers(fake_rasa.url, "fout", ["c-1", "c-2"])) == 0
    assert len(fake_rasa.requests) == 2
    assert "Rasa refused to empty 2 of 2 trackers" in caplog.text


def test_rasa_down_stops_after_the_first_try_and_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="bot.retention"):
        started = time.monotonic()
        assert asyncio.run(empty_rasa_trackers(f"http://127.0.0.1:{free_port()}", "t", ["a", "b", "c"])) == 0
    assert time.monotonic() - started < 3
    assert "Rasa not reachable: 3 purged conversations not emptied" in caplog.text


# --- the periodic purge in the service ---------------------------------------------------------

def test_a_failing_purge_is_logged_by_type_only_and_the_next_run_still_comes(caplog):
    runs = []
    # Not on the line that raises: a traceback shows source lines, which is code, not data.
    citizen_text, name = "BSN 111222333", "Jan Jansen"

    async def job():
        runs.append(len(runs))
        if len(runs) == 1:
            raise sa.exc.OperationalError("DELETE ...", {"text": citizen_text}, Exception(name))

    async def scenario():
        sleeps = []

        async def sleep(seconds):
            sleeps.append(seconds)
            if len(sleeps) == 2:
                raise asyncio.CancelledError
            await asyncio.sleep(0)

        with pytest.raises(asyncio.CancelledError):
            await purge_every(3600, job, sleep=sleep)
        return sleeps

    with caplog.at_level(logging.ERROR, logger="bot.retention"):
        sleeps = asyncio.run(scenario())
    assert runs == [0, 1] and sleeps == [3600, 3600]
    assert "purge failed: OperationalError" in caplog.text
    assert "111222333" not in caplog.text and "Jan Jansen" not in caplog.text


def _age(db_url: str, conversation_id: str, days: float) -> None:
    """Move a conversation and its messages `days` into the past (the real clock's past)."""
    engine = sa.create_engine(db_url)
    moment = datetime.now(timezone.utc) - timedelta(days=days)
    with engine.begin() as conn:
        conn.execute(conversations.update().where(conversations.c.id == conversation_id).values(created_at=moment))
        conn.execute(messages.update().where(messages.c.conversation_id == conversation_id)
                     .values(created_at=moment))
    engine.dispose()


def _new_conversation(url: str) -> tuple[str, dict]:
    response = requests.post(f"{url}/api/conversations", timeout=10)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def test_python_m_bot_purge_against_the_service_database(service):
    rasa = FakeRasa()
    try:
        expired, expired_auth = _new_conversation(service.url)
        requests.post(f"{service.url}/api/conversations/{expired}/messages", json={"text": "oud bericht"},
                      headers=expired_auth, timeout=30)  # 503: Rasa is down, the message is stored first
        recent, recent_auth = _new_conversation(service.url)
        _age(service.env["DATABASE_URL"], expired, DAYS + 1)
        env = {**service.env, "RASA_URL": rasa.url}
        command = [str(VENV_BIN / "python"), "-m", "bot", "purge"]

        dry = subprocess.run(command + ["--dry-run"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert dry.returncode == 0, dry.stderr
        assert dry.stdout.startswith("Dry run, nothing deleted. Would delete:\n")
        assert "\nconversations: 1\nmessages: 1\n" in dry.stdout
        assert requests.get(f"{service.url}/api/conversations/{expired}/messages", headers=expired_auth,
                            timeout=10).status_code == 200
        assert rasa.requests == []

        real = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert real.returncode == 0, real.stderr
        assert real.stdout.startswith("Deleted:\n")
        assert "\nconversations: 1\nmessages: 1\nhandovers: 0\n" in real.stdout
        assert "\nRasa trackers emptied: 1 of 1" in real.stdout
        assert rasa.requests == [(f"/conversations/{expired}/tracker/events",
                                  {"token": [service.env["RASA_TOKEN"]]}, [])]
        # Gone for the citizen too (the same answer as a wrong token), the recent one is untouched.
        gone = requests.get(f"{service.url}/api/conversations/{expired}/messages", headers=expired_auth, timeout=10)
        assert gone.status_code == 404 and gone.json()["code"] == "not_found"
        assert requests.get(f"{service.url}/api/conversations/{recent}/messages", headers=recent_auth,
                            timeout=10).status_code == 200
    finally:
        rasa.close()


def test_the_service_purges_at_start_and_stops_the_task_cleanly(tmp_path):
    """Old rows in the database before the start are gone shortly after it; stopping leaves no error."""
    db_url = f"sqlite:///{tmp_path / 'balie.db'}"
    engine = connect(db_url)
    expired = add_conversation(engine, datetime.now(timezone.utc) - timedelta(days=DAYS + 2),
                               [datetime.now(timezone.utc) - timedelta(days=DAYS + 1)])
    recent = add_conversation(engine, datetime.now(timezone.utc) - timedelta(days=1))
    engine.dispose()

    running = start_service(tmp_path, DATABASE_URL=db_url, BALIE_RETENTION_DAYS=str(DAYS))
    try:
        engine = sa.create_engine(db_url)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and expired in ids(engine, conversations):
            time.sleep(0.2)
        assert ids(engine, conversations) == {recent}
        engine.dispose()
    finally:
        running.process.stop()
    log = (tmp_path / "bot.log").read_text()
    assert "purge: conversations: 1; messages: 1;" in log
    assert "Traceback" not in log and "was destroyed but it is pending" not in log
    assert running.process.proc.returncode == 0


def test_retention_settings_have_the_promised_defaults():
    """The widget and /privacy promise 30 days after the last message; the audit log is kept a year."""
    from bot.settings import Settings

    defaults = {f.name: f.default for f in Settings.__dataclass_fields__.values()}
    assert (defaults["retention_days"], defaults["audit_retention_days"], defaults["purge_interval_minutes"]) \
        == (30, 365, 60)
    page = (ROOT / "bot" / "static" / "demo" / "privacy.html").read_text()
    assert "30 dagen na je laatste bericht" in page
