"""Clerk accounts against the real bot service: login throttling and lockout, the bounded hashing
pool, the idle timeout, the maintainers' `clerk` commands and the audit log.

The service believes X-Forwarded-For from 127.0.0.1 here, so each test logs in from its own
client address and the per-address throttle of one test does not reach another.
"""
from __future__ import annotations

import asyncio
import csv
import json
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from itertools import count

import pytest
import requests
import sqlalchemy as sa
import websockets

from bot.db import connect, login_throttle
from bot.desk import audit
from bot.desk.sessions import ClerkStore, LoginFailed
from bot.desk.throttle import MAX_DELAY, LoginThrottle, LoginThrottled, ThrottlePolicy, account_key, address_key
from tests.conftest import ROOT, VENV_BIN
from tests.security.conftest import start_service

PASSWORD = "een-lang-wachtwoord"
WRONG = "fout-wachtwoord-123"
FREE, LOCKOUT_AFTER, LOCKOUT_MINUTES = 3, 6, 15
WRONG_BODY = {"code": "login_failed", "error": "wrong username or password",
              "message": "Gebruikersnaam of wachtwoord klopt niet."}
_addresses = count(1)


def new_address() -> str:
    """A client address no other test used (documentation range, RFC 5737)."""
    return f"198.51.100.{next(_addresses)}"


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    """One service for the account tests: 3 free attempts, lockout after 6, proxy 127.0.0.1 trusted."""
    running = start_service(tmp_path_factory.mktemp("accounts"), BALIE_TRUSTED_PROXIES="127.0.0.1",
                            BALIE_LOGIN_FREE_ATTEMPTS=FREE, BALIE_LOGIN_LOCKOUT_AFTER=LOCKOUT_AFTER,
                            BALIE_LOGIN_LOCKOUT_MINUTES=LOCKOUT_MINUTES, BALIE_ALWAYS_OPEN="true")
    yield running
    running.process.stop()


def cli(service, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """`python -m bot <args>` against the service's database, as a maintainer runs it."""
    return subprocess.run([str(VENV_BIN / "python"), "-m", "bot", *args], input=stdin, text=True, cwd=ROOT,
                          env=service.env, capture_output=True, timeout=60)


def add_clerk(service, username: str, password: str = PASSWORD) -> None:
    result = cli(service, "clerk", "add", username, stdin=password + "\n")
    assert result.returncode == 0, result.stderr


def attempt(service, username: str, password: str, address: str) -> requests.Response:
    return requests.post(f"{service.url}/api/desk/login", json={"username": username, "password": password},
                         headers={"X-Forwarded-For": address}, timeout=30)


def bearer(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def me(service, headers: dict) -> int:
    return requests.get(f"{service.url}/api/desk/me", headers=headers, timeout=10).status_code


# ---------- throttling and lockout ----------

def test_thirty_wrong_passwords_meet_429_after_the_free_attempts(accounts):
    add_clerk(accounts, "anna.bakker")
    address = new_address()
    responses = [attempt(accounts, "anna.bakker", f"{WRONG}-{i}", address) for i in range(30)]
    statuses = [r.status_code for r in responses]
    assert statuses == [401] * FREE + [429] * (30 - FREE)
    refused = responses[FREE]
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["code"] == "locked"
    assert refused.json()["message"] == \
        "Te vaak een verkeerd wachtwoord. Wacht 1 seconde en probeer het dan opnieuw."


def test_delay_doubles_then_lockout_holds_even_with_the_right_password(accounts):
    add_clerk(accounts, "bram.mulder")
    address = new_address()
    statuses = [attempt(accounts, "bram.mulder", WRONG, address).status_code for _ in range(FREE)]
    waits = []
    for _ in range(LOCKOUT_AFTER - FREE):
        refused = attempt(accounts, "bram.mulder", WRONG, address)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        time.sleep(waits[-1])
        statuses.append(attempt(accounts, "bram.mulder", WRONG, address).status_code)
    assert statuses == [401] * LOCKOUT_AFTER
    assert waits == [1, 2, 4]
    locked = attempt(accounts, "bram.mulder", PASSWORD, address)
    assert locked.status_code == 429 and locked.json()["code"] == "locked"
    assert LOCKOUT_MINUTES * 60 - 5 <= int(locked.headers["Retry-After"]) <= LOCKOUT_MINUTES * 60
    assert locked.json()["message"] == f"Te vaak een verkeerd wachtwoord. Probeer het over {LOCKOUT_MINUTES} minuten opnieuw."
    # The account is locked from every address; another account from here is not.
    elsewhere = attempt(accounts, "bram.mulder", PASSWORD, new_address())
    assert elsewhere.status_code == 429 and int(elsewhere.headers["Retry-After"]) > 60
    add_clerk(accounts, "bram.collega")
    assert attempt(accounts, "bram.collega", PASSWORD, new_address()).status_code == 200


def test_one_address_is_throttled_across_usernames(accounts):
    add_clerk(accounts, "carla.dekker")
    address = new_address()
    statuses = [attempt(accounts, f"sprayed.{i}", WRONG, address).status_code for i in range(FREE + 1)]
    assert statuses == [401] * FREE + [429]
    # Even a clerk with the right password waits, from this address …
    assert attempt(accounts, "carla.dekker", PASSWORD, address).status_code == 429
    # … but not from another one, nor does a fresh username there.
    assert attempt(accounts, f"sprayed.{FREE}", WRONG, new_address()).status_code == 401
    assert attempt(accounts, "carla.dekker", PASSWORD, new_address()).status_code == 200


def test_unknown_and_wrong_username_look_the_same(accounts):
    add_clerk(accounts, "dirk.vos")
    runs = {}
    for username in ("dirk.vos", "niemand.hier"):
        address = new_address()
        runs[username] = [(r.status_code, r.json(), r.headers.get("Retry-After"))
                          for r in (attempt(accounts, username, WRONG, address) for _ in range(FREE + 2))]
    assert runs["dirk.vos"] == runs["niemand.hier"]
    assert runs["dirk.vos"][0] == (401, WRONG_BODY, None)
    assert [status for status, _, _ in runs["dirk.vos"]] == [401] * FREE + [429, 429]


def test_success_resets_the_account(accounts):
    add_clerk(accounts, "eva.smit")
    address = new_address()
    statuses = [attempt(accounts, "eva.smit", WRONG, address).status_code for _ in range(FREE - 1)]
    statuses.append(attempt(accounts, "eva.smit", PASSWORD, address).status_code)
    statuses += [attempt(accounts, "eva.smit", WRONG, address).status_code for _ in range(FREE + 1)]
    # Without the reset the account would wait after one more failure.
    assert statuses == [401] * (FREE - 1) + [200] + [401] * FREE + [429]


def test_throttle_survives_a_restart(tmp_path):
    service = start_service(tmp_path, BALIE_LOGIN_FREE_ATTEMPTS=1, BALIE_LOGIN_LOCKOUT_AFTER=2)
    try:
        add_clerk(service, "fleur.jong")
        assert attempt(service, "fleur.jong", WRONG, "").status_code == 401
        time.sleep(1.1)
        assert attempt(service, "fleur.jong", WRONG, "").status_code == 401
    finally:
        service.process.stop()
    again = start_service(tmp_path, BALIE_LOGIN_FREE_ATTEMPTS=1, BALIE_LOGIN_LOCKOUT_AFTER=2)
    try:
        refused = attempt(again, "fleur.jong", PASSWORD, "")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60
    finally:
        again.process.stop()


# ---------- the hashing pool ----------

def test_a_login_flood_meets_503_busy_not_500(tmp_path):
    service = start_service(tmp_path, BALIE_HASH_WORKERS=1, BALIE_HASH_QUEUE=1, BALIE_TRUSTED_PROXIES="127.0.0.1")
    try:
        start = threading.Barrier(16)
        results = []

        def one(i: int) -> None:
            start.wait()
            results.append(attempt(service, f"flood.{i}", WRONG, f"203.0.113.{i + 1}"))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(r.status_code for r in results)
        assert set(statuses) == {401, 503}, statuses
        busy = [r for r in results if r.status_code == 503]
        assert all(r.json()["code"] == "busy" and r.headers["Retry-After"] == "2" for r in busy)
        # One hashing and one waiting at a time: the rest is refused.
        assert 2 <= statuses.count(401) < 16
        # The pool is free again afterwards.
        assert attempt(service, "flood.after", WRONG, "203.0.113.99").status_code == 401
    finally:
        service.process.stop()


# ---------- the maintainers' commands ----------

def test_disabled_clerk_cannot_log_in_and_loses_sessions(accounts):
    add_clerk(accounts, "gijs.bos")
    session = bearer(attempt(accounts, "gijs.bos", PASSWORD, new_address()))
    result = cli(accounts, "clerk", "disable", "gijs.bos")
    assert result.returncode == 0 and result.stdout == "Clerk 'gijs.bos' disabled; 1 session ended.\n"
    assert me(accounts, session) == 401
    refused = attempt(accounts, "gijs.bos", PASSWORD, new_address())
    assert (refused.status_code, refused.json()) == (401, WRONG_BODY)
    listed = cli(accounts, "clerk", "list").stdout.splitlines()
    row = next(line.split() for line in listed if line.startswith("gijs.bos "))
    assert row[:3] == ["gijs.bos", "Gijs", "medewerker"] and row[5:7] == ["yes", "0"]
    assert cli(accounts, "clerk", "enable", "gijs.bos").stdout == "Clerk 'gijs.bos' enabled.\n"
    assert attempt(accounts, "gijs.bos", PASSWORD, new_address()).status_code == 200


def test_list_shows_sessions_and_last_login(accounts):
    add_clerk(accounts, "hanna.pol")
    before = cli(accounts, "clerk", "list").stdout.splitlines()
    assert before[0].split() == ["username", "name", "role", "created", "disabled", "sessions", "last", "login"]
    assert next(line for line in before if line.startswith("hanna.pol ")).split()[-3:] == ["no", "0", "-"]
    bearer(attempt(accounts, "hanna.pol", PASSWORD, new_address()))
    bearer(attempt(accounts, "hanna.pol", PASSWORD, new_address()))
    row = next(line for line in cli(accounts, "clerk", "list").stdout.splitlines() if line.startswith("hanna.pol "))
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert row.split()[5:8] == ["no", "2", today]


def test_unknown_clerk_in_a_command(accounts):
    result = cli(accounts, "clerk", "disable", "bestaat.niet")
    assert result.returncode == 1 and result.stderr == "No clerk 'bestaat.niet'.\n"


def test_reset_password_ends_sessions_and_clears_the_throttle(accounts):
    add_clerk(accounts, "ivo.kok")
    session = bearer(attempt(accounts, "ivo.kok", PASSWORD, new_address()))
    for _ in range(FREE):
        attempt(accounts, "ivo.kok", WRONG, new_address())
    assert attempt(accounts, "ivo.kok", WRONG, new_address()).status_code == 429
    new_password = "een-ander-lang-wachtwoord"
    result = cli(accounts, "clerk", "reset-password", "ivo.kok", stdin=new_password + "\n")
    assert result.returncode == 0 and result.stdout == "Password of 'ivo.kok' reset; 1 session ended.\n"
    assert me(accounts, session) == 401
    assert attempt(accounts, "ivo.kok", new_password, new_address()).status_code == 200
    assert attempt(accounts, "ivo.kok", PASSWORD, new_address()).status_code == 401
    short = cli(accounts, "clerk", "reset-password", "ivo.kok", stdin="kort\n")
    assert short.returncode == 1 and "12 to 256 characters" in short.stderr


def test_logout_all_of_one_clerk_then_of_everyone(accounts):
    add_clerk(accounts, "jan.wit")
    add_clerk(accounts, "kim.zwart")
    jan = bearer(attempt(accounts, "jan.wit", PASSWORD, new_address()))
    kim = bearer(attempt(accounts, "kim.zwart", PASSWORD, new_address()))
    result = cli(accounts, "clerk", "logout-all", "jan.wit")
    assert result.stdout == "1 session ended for 'jan.wit'.\n"
    assert (me(accounts, jan), me(accounts, kim)) == (401, 200)
    everyone = cli(accounts, "clerk", "logout-all")
    assert everyone.returncode == 0 and everyone.stdout.endswith("ended for all clerks.\n")
    assert me(accounts, kim) == 401


# ---------- idle timeout ----------

def test_idle_timeout_with_a_clock(tmp_path):
    clock = [datetime(2030, 3, 4, 9, 0, tzinfo=timezone.utc)]
    store = ClerkStore(connect(f"sqlite:///{tmp_path / 'idle.db'}"), session_hours=8, idle_minutes=30,
                       now=lambda: clock[0])
    store.add("lies.maas", PASSWORD)
    _, quiet = store.login("lies.maas", PASSWORD)
    _, busy = store.login("lies.maas", PASSWORD)

    def later(minutes: int) -> None:
        clock[0] += timedelta(minutes=minutes)

    later(20)
    assert store.heartbeat(quiet, active=False) is not None   # seen, not active
    assert store.heartbeat(busy, active=True) is not None
    later(9)
    assert store.heartbeat(quiet, active=False) is not None
    assert store.available_count() == 1
    later(2)  # 31 minutes after quiet's last activity, 11 after busy's
    assert store.heartbeat(quiet, active=False) is None
    assert store.by_token(quiet) is None
    assert store.by_token(busy) is not None                   # a request is activity
    later(29)
    assert store.by_token(busy, touch=False) is not None
    later(2)
    assert store.by_token(busy) is None
    # The absolute lifetime holds however active the clerk is.
    _, always = store.login("lies.maas", PASSWORD)
    for _ in range(8 * 4):
        later(15)
        store.heartbeat(always, active=True)
    assert store.by_token(always) is None
    assert store.available_count() == 0


def test_background_polling_keeps_available_but_not_active(tmp_path):
    """The console marks its own polling X-Balie-Background: 1 (bot/edge/auth.py): seen, not active."""
    clock = [datetime(2030, 3, 4, 9, 0, tzinfo=timezone.utc)]
    store = ClerkStore(connect(f"sqlite:///{tmp_path / 'poll.db'}"), session_hours=8, idle_minutes=30,
                       now=lambda: clock[0])
    store.add("piet.poll", PASSWORD)
    _, token = store.login("piet.poll", PASSWORD)
    for _ in range(5):  # 25 minutes of polling every 5 minutes, nobody at the keyboard
        clock[0] += timedelta(minutes=5)
        assert store.by_token(token, touch=True, active=False) is not None
    assert store.available_count() == 1
    clock[0] += timedelta(minutes=5)  # 30 minutes since the login, the last activity
    assert store.by_token(token, touch=True, active=False) is None


async def _console(url: str, token: str, active: bool, seconds: float, every: float) -> str:
    """A console that sends heartbeats; returns "open" or the error that closed it."""
    async with websockets.connect(url, open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await asyncio.wait_for(ws.recv(), timeout=10))["type"] == "hello"
        deadline = time.monotonic() + seconds
        beats = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(every)
            beats += 1
            # An old console sends "ping": it counts as seen, never as active.
            beat = "ping" if not active and beats % 2 else json.dumps({"type": "heartbeat", "active": active})
            try:
                await ws.send(beat)
                answer = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except asyncio.TimeoutError:
                continue
            except websockets.ConnectionClosed:
                return "closed"
            return json.loads(answer).get("error", "?")
        return "open"


def test_idle_timeout_over_http_and_websocket(tmp_path):
    """BALIE_SESSION_IDLE_MINUTES=1: heartbeats without input end the session, with input keep it."""
    service = start_service(tmp_path, BALIE_SESSION_IDLE_MINUTES=1)
    try:
        add_clerk(service, "mila.berg")
        quiet = attempt(service, "mila.berg", PASSWORD, "").json()["token"]
        busy = attempt(service, "mila.berg", PASSWORD, "").json()["token"]
        ws_url = service.url.replace("http://", "ws://") + "/api/desk/ws"

        async def both():
            return await asyncio.gather(_console(ws_url, quiet, False, 70, 10),
                                        _console(ws_url, busy, True, 70, 10))

        quiet_end, busy_end = asyncio.run(both())
        assert (quiet_end, busy_end) == ("session ended", "open")
        assert me(service, {"Authorization": f"Bearer {quiet}"}) == 401
        assert me(service, {"Authorization": f"Bearer {busy}"}) == 200
    finally:
        service.process.stop()


# ---------- audit log ----------

def test_audit_csv_has_logins_transcripts_and_commands_without_secrets(accounts, tmp_path):
    add_clerk(accounts, "noor.vink")
    address = new_address()
    attempt(accounts, "noor.vink", WRONG, address)
    attempt(accounts, "=HYPERLINK(\"http://evil.example\")", WRONG, new_address())
    clerk = bearer(attempt(accounts, "noor.vink", PASSWORD, address))
    conversation = requests.post(f"{accounts.url}/api/conversations", timeout=10).json()
    queued = requests.post(f"{accounts.internal_url}/api/internal/handovers", headers=accounts.service_headers,
                           json={"conversation_id": conversation["id"], "summary": "Vraag over afval"}, timeout=10)
    assert queued.status_code == 200 and queued.json()["status"] == "queued", queued.text
    handover_id = queued.json()["handover_id"]
    opened = requests.get(f"{accounts.url}/api/desk/handovers/{handover_id}",
                          headers={**clerk, "X-Forwarded-For": address}, timeout=10)
    assert opened.status_code == 200
    assert requests.post(f"{accounts.url}/api/desk/logout", headers=clerk, timeout=10).status_code == 200
    cli(accounts, "clerk", "disable", "noor.vink")

    output = tmp_path / "audit.csv"
    today = datetime.now(timezone.utc).date().isoformat()
    result = cli(accounts, "audit", "export", "--since", today, "--until", today, "--output", str(output))
    assert result.returncode == 0, result.stderr
    text = output.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == list(audit.COLUMNS)
    mine = [r for r in rows if r["username"] == "noor.vink"]
    assert [r["event"] for r in mine] == ["clerk_added", "login_failed", "login_ok", "transcript_opened", "logout",
                                          "clerk_disabled"]
    added, failed, ok, opened_row, logout, disabled = mine
    assert failed["detail"] == "wrong_password" and ok["detail"] == ""
    assert failed["client_address"] == ok["client_address"] == opened_row["client_address"] == address
    assert opened_row["handover_id"] == str(handover_id)
    assert opened_row["conversation_id"] == conversation["id"]
    assert opened_row["clerk_id"] == ok["clerk_id"] == logout["clerk_id"] == added["clerk_id"] != ""
    assert disabled["client_address"] == "cli" and disabled["detail"].startswith("by ")
    assert disabled["detail"].endswith("; 0 sessions ended")
    assert datetime.fromisoformat(opened_row["time"]).date().isoformat() == today
    # A username typed as a spreadsheet formula stays text.
    assert any(r["username"] == "'=HYPERLINK(\"http://evil.example\")" for r in rows)
    assert PASSWORD not in text and WRONG not in text and "Vraag over afval" not in text
    # A range before today is empty.
    earlier = cli(accounts, "audit", "export", "--since", "2001-01-01", "--until", "2001-01-31")
    assert earlier.stdout.strip() == ",".join(audit.COLUMNS)
    bad = cli(accounts, "audit", "export", "--since", "gisteren")
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr


def test_refused_logins_are_audited_once_per_wait(accounts, tmp_path):
    address = new_address()
    for _ in range(FREE + 5):
        attempt(accounts, "olaf.throttled", WRONG, address)
    output = tmp_path / "audit.csv"
    cli(accounts, "audit", "export", "--output", str(output))
    rows = [r for r in csv.DictReader(output.read_text().splitlines()) if r["username"] == "olaf.throttled"]
    assert [(r["event"], r["detail"]) for r in rows] == \
        [("login_failed", "unknown_user")] * FREE + [("login_refused", "throttled")]


def test_purge_audit_deletes_only_older_events(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'audit.db'}")
    old, new = datetime(2030, 1, 1, tzinfo=timezone.utc), datetime(2031, 1, 1, tzinfo=timezone.utc)
    audit.record(engine, audit.LOGIN_OK, username="a", now=lambda: old)
    audit.record(engine, audit.LOGIN_OK, username="b", now=lambda: new)
    assert audit.purge_audit(engine, new - timedelta(days=1)) == 1
    left = list(audit.events(engine, old - timedelta(days=1), new + timedelta(days=1)))
    assert [e.username for e in left] == ["b"]


# ---------- the throttle's arithmetic, with a clock ----------

def test_throttle_delay_is_capped_and_forgotten_after_a_quiet_day(tmp_path):
    clock = [datetime(2030, 5, 6, 8, 0, tzinfo=timezone.utc)]
    policy = ThrottlePolicy(free_attempts=1, lockout_after=40, lockout=timedelta(hours=2))
    engine = connect(f"sqlite:///{tmp_path / 't.db'}")
    throttle = LoginThrottle(engine, policy, now=lambda: clock[0])
    throttle.begin([account_key("sprayed.once")])
    keys = [account_key("Piet.Post "), address_key("2001:db8::1")]
    assert account_key("piet.post") == keys[0]                       # case and spaces do not matter
    assert address_key("2001:db8::ffff") == keys[1]                  # one IPv6 /64, one key
    waits = []
    for _ in range(15):
        try:
            throttle.begin(keys)
        except LoginThrottled as refused:
            waits.append(refused.retry_after)
            clock[0] += timedelta(seconds=refused.retry_after)
            throttle.begin(keys)
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300, 300]
    assert MAX_DELAY == timedelta(seconds=300)
    with pytest.raises(LoginThrottled):
        throttle.begin(keys)
    clock[0] += timedelta(hours=24)
    throttle.begin(keys)                                              # forgotten: free again
    with pytest.raises(LoginThrottled):
        throttle.begin(keys)
    with engine.connect() as conn:                                    # stale keys are swept away
        assert sorted(conn.execute(sa.select(login_throttle.c.key)).scalars()) == sorted(keys)


def test_disabled_account_fails_like_a_wrong_password_in_the_store(tmp_path):
    store = ClerkStore(connect(f"sqlite:///{tmp_path / 'd.db'}"), session_hours=8, idle_minutes=30)
    store.add("rik.ros", PASSWORD)
    store.disable("rik.ros")
    with pytest.raises(LoginFailed) as disabled:
        store.verify("rik.ros", PASSWORD)
    with pytest.raises(LoginFailed) as wrong:
        store.verify("rik.ros", WRONG)
    assert str(disabled.value) == str(wrong.value) == "wrong username or password"
    assert (disabled.value.reason, wrong.value.reason) == ("disabled", "wrong_password")
