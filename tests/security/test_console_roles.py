"""Roles in the console (issue 13): each role's routes answer, the others get 403, no login 401.

Also the maintainers' role commands, the review list and canned responses through the HTTP API
(bad input included), against the real bot service with its own database.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa
import websockets

from bot.db import connect
from bot.desk import audit
from tests.conftest import ROOT, VENV_BIN
from tests.fakes import seed_citizen_turn
from tests.security.conftest import start_service

PASSWORD = "een-lang-wachtwoord"
ROLES = ("medewerker", "beheerder", "teamleider")


def cli(service, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "python"), "-m", "bot", *args], input=stdin, text=True, cwd=ROOT,
                          env=service.env, capture_output=True, timeout=60)


def login(service, username: str) -> dict:
    response = requests.post(f"{service.url}/api/desk/login", json={"username": username, "password": PASSWORD},
                             timeout=30)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """A bot service (Rasa down: nothing here needs it) with one account per role and a waiting handover."""
    service = start_service(tmp_path_factory.mktemp("roles"), BALIE_ALWAYS_OPEN="true", BALIE_RATE_LIMITS="off")
    headers = {}
    for role in ROLES:
        added = cli(service, "clerk", "add", f"rol.{role}", "--role", role, stdin=PASSWORD + "\n")
        assert added.returncode == 0 and f"as {role}" in added.stdout, added.stderr
        headers[role] = login(service, f"rol.{role}")
    conversation = requests.post(f"{service.url}/api/conversations", timeout=10).json()
    queued = requests.post(f"{service.internal_url}/api/internal/handovers", headers=service.service_headers,
                           json={"conversation_id": conversation["id"], "reason": "test", "product": "paspoort"},
                           timeout=10)
    assert queued.json()["status"] == "queued", queued.text
    service.headers = headers
    service.handover_id = queued.json()["handover_id"]
    service.conversation_id = conversation["id"]
    yield service
    service.process.stop()


def call(console, method, path, role=None, body=None):
    headers = dict(console.headers[role]) if role else {}
    return requests.request(method, f"{console.url}{path}", headers=headers, timeout=30,
                            json=body if method in ("POST", "PUT") else None)


def audit_events(engine):
    now = datetime.now(timezone.utc)
    return list(audit.events(engine, now - timedelta(days=1), now + timedelta(days=1)))


def routes(console):
    """(method, path, body, roles allowed): every console route with a role check."""
    h = console.handover_id
    return [
        ("GET", "/api/desk/handovers?status=waiting", None, {"medewerker"}),
        ("GET", f"/api/desk/handovers/{h}", None, {"medewerker"}),
        ("GET", f"/api/desk/handovers/{h}/canned", None, {"medewerker"}),
        ("GET", f"/api/desk/cases?conversation={console.conversation_id}", None, {"medewerker"}),
        ("GET", "/api/desk/cases/Z-2026-000001", None, {"medewerker"}),
        ("GET", "/api/desk/review", None, {"beheerder"}),
        ("GET", "/api/desk/review/export", None, {"beheerder"}),
        ("POST", "/api/desk/review/assignments", {"text": "rolvraag", "out_of_scope": True}, {"beheerder"}),
        ("GET", "/api/desk/canned", None, {"beheerder"}),
        ("GET", "/api/desk/me", None, set(ROLES)),
        ("GET", "/api/desk/departments", None, set(ROLES)),
    ]


def test_each_role_reaches_its_own_routes_only(console):
    for method, path, body, allowed in routes(console):
        assert call(console, method, path, body=body).status_code == 401, path
        for role in ROLES:
            response = call(console, method, path, role, body)
            if role in allowed:
                assert response.status_code in (200, 201, 404), (role, path, response.text)
                assert response.status_code != 404 or path.startswith("/api/desk/cases/"), (role, path)
            else:
                assert response.status_code == 403, (role, path, response.status_code)
                assert response.json()["code"] == "role_forbidden"
                assert response.json()["message"] == \
                    "Dit deel van de console is niet voor jouw rol. Vraag je beheerder om toegang."


def test_state_changing_routes_refuse_other_roles_before_doing_anything(console):
    h = console.handover_id
    for path, body in ((f"/api/desk/handovers/{h}/claim", None), (f"/api/desk/handovers/{h}/messages", {"text": "x"}),
                       (f"/api/desk/handovers/{h}/release", None), (f"/api/desk/handovers/{h}/close", {"outcome": "x"}),
                       (f"/api/desk/handovers/{h}/transfer", {"department": "kcc"}),
                       (f"/api/desk/handovers/{h}/cases", {"type": "question"})):
        for role in ("beheerder", "teamleider"):
            assert call(console, "POST", path, role, body).status_code == 403, (role, path)
    for role in ("medewerker", "teamleider"):
        assert call(console, "POST", "/api/desk/canned", role, {"title": "x", "text": "y"}).status_code == 403
        assert call(console, "PUT", "/api/desk/canned/1", role, {"title": "x", "text": "y"}).status_code == 403
        assert call(console, "DELETE", "/api/desk/canned/1", role).status_code == 403
    # Still waiting: nobody without the role claimed it.
    waiting = call(console, "GET", "/api/desk/handovers?status=waiting", "medewerker").json()["handovers"]
    assert console.handover_id in [w["id"] for w in waiting]


def test_me_says_the_role(console):
    for role in ROLES:
        me = call(console, "GET", "/api/desk/me", role).json()
        assert me["role"] == role and me["username"] == f"rol.{role}"


def test_only_the_medewerker_gets_the_live_socket(console):
    async def first_message(role):
        url = console.url.replace("http://", "ws://") + "/api/desk/ws"
        async with websockets.connect(url) as socket:
            await socket.send(json.dumps({"type": "auth", "token": console.headers[role]["Authorization"][7:]}))
            return json.loads(await asyncio.wait_for(socket.recv(), 10))

    assert asyncio.run(first_message("medewerker"))["type"] == "hello"
    for role in ("beheerder", "teamleider"):
        refused = asyncio.run(first_message(role))
        assert refused == {"type": "error", "code": "role_forbidden", "error": "role not allowed"}


def test_set_role_applies_at_the_next_request_and_is_audited(console):
    assert cli(console, "clerk", "add", "wissel.rol", stdin=PASSWORD + "\n").returncode == 0
    headers = login(console, "wissel.rol")
    url = f"{console.url}/api/desk/handovers"
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    changed = cli(console, "clerk", "set-role", "wissel.rol", "teamleider")
    assert changed.returncode == 0 and changed.stdout == "Clerk 'wissel.rol' is now teamleider (was medewerker).\n"
    assert requests.get(url, headers=headers, timeout=10).status_code == 403
    listed = next(line.split() for line in cli(console, "clerk", "list").stdout.splitlines()
                  if line.startswith("wissel.rol "))
    assert listed[:3] == ["wissel.rol", "Wissel", "teamleider"]
    wrong = cli(console, "clerk", "set-role", "wissel.rol", "baas")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr
    missing = cli(console, "clerk", "set-role", "bestaat.niet", "beheerder")
    assert missing.returncode == 1 and missing.stderr == "No clerk 'bestaat.niet'.\n"
    engine = connect(console.env["DATABASE_URL"])
    entries = [e for e in audit_events(engine) if e.event == audit.ROLE_CHANGED]
    assert [(e.username, e.detail.split("; ")[-1]) for e in entries] == [("wissel.rol", "medewerker -> teamleider")]


# ---------- the review list and canned responses through the API ----------

def test_review_lists_masked_misses_and_exports_assignments(console):
    seed_citizen_turn(console.env["DATABASE_URL"], "review-1", "blorp fnarg, bel 06-12345678", "fallback")
    beheerder = "beheerder"
    listed = call(console, "GET", "/api/desk/review", beheerder).json()
    [item] = [i for i in listed["items"] if "blorp" in i["text"]]
    assert item == {**item, "text": "blorp fnarg, bel [telefoonnummer verwijderd]", "count": 1, "outcome": "fallback",
                    "guessed_product": None, "assignment": None}
    assert "paspoort" in [p["upl_name"] for p in listed["products"]] and "greet" in listed["intents"]
    saved = call(console, "POST", "/api/desk/review/assignments", beheerder,
                 {"text": item["text"], "product": "paspoort"})
    assert saved.status_code == 201 and saved.json()["nlu_intent"] == "ask_product/paspoort"
    again = call(console, "GET", "/api/desk/review", beheerder).json()
    assert [i["assignment"]["product"] for i in again["items"] if "blorp" in i["text"]] == ["paspoort"]
    exported = call(console, "GET", "/api/desk/review/export", beheerder)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("application/yaml")
    assert "- intent: ask_product/paspoort\n  examples: |\n    - blorp fnarg, bel\n" in exported.text
    assert "06-1234" not in exported.text and "verwijderd" not in exported.text
    kinds = {e.event for e in audit_events(connect(console.env["DATABASE_URL"]))}
    assert {audit.REVIEW_OPENED, audit.REVIEW_EXPORTED} <= kinds

    # `make review` (python -m bot review) prints the same list and writes the same export.
    target = console.log_dir / "leervragen.yml"
    printed = cli(console, "review", "--days", "7", "--export", str(target))
    assert printed.returncode == 0, printed.stderr
    assert "blorp fnarg, bel [telefoonnummer verwijderd]" in printed.stdout and "06-1234" not in printed.stdout
    assert "Balie begreep het niet" in printed.stdout and "ask_product/paspoort" in printed.stdout
    assert "geschreven naar" in printed.stdout
    # The same YAML; only the first line (when it was made) may differ by a minute.
    assert target.read_text(encoding="utf-8").splitlines()[1:] == exported.text.splitlines()[1:]
    assert cli(console, "review", "--days", "0").returncode == 1


@pytest.mark.parametrize("query", ["from=gisteren", "to=2026-02-30", "from=2026-11-05&to=2026-11-01",
                                   "from=2020-01-01&to=2026-01-01", "from=" + "9" * 50])
def test_review_refuses_bad_periods_in_dutch(console, query):
    response = call(console, "GET", f"/api/desk/review?{query}", "beheerder")
    assert response.status_code == 400 and response.json()["message"].startswith(("De ", "Kies")), response.text


@pytest.mark.parametrize("body", [{"text": "vraag"}, {"text": "vraag", "product": "geen product"},
                                  {"text": "vraag", "intent": "verzonnen"}, {"text": "", "out_of_scope": True},
                                  {"text": "x" * 501, "out_of_scope": True}, {"text": ["lijst"], "out_of_scope": True},
                                  {"text": "vraag", "out_of_scope": "ja"}])
def test_assignments_refuse_bad_input_in_dutch(console, body):
    response = call(console, "POST", "/api/desk/review/assignments", "beheerder", body)
    assert response.status_code == 400 and response.json()["message"], response.text


def test_canned_responses_are_managed_and_filled_in_for_a_handover(console):
    beheerder, medewerker = "beheerder", "medewerker"
    seeded = call(console, "GET", "/api/desk/canned", beheerder).json()
    assert seeded["max_title"] == 60 and seeded["max_text"] == 1000 and len(seeded["canned"]) >= 3
    added = call(console, "POST", "/api/desk/canned", beheerder,
                 {"title": "Test invullen", "text": "{product} bij {afdeling} ({telefoon}), zaak {zaaknummer}, {onbekend}"})
    assert added.status_code == 201
    canned_id = added.json()["id"]
    filled = call(console, "GET", f"/api/desk/handovers/{console.handover_id}/canned", medewerker).json()["canned"]
    [mine] = [c for c in filled if c["id"] == canned_id]
    assert mine == {"id": canned_id, "title": "Test invullen",
                    "text": "Paspoort bij Burgerzaken (14 0999), zaak (geen zaaknummer), {onbekend}"}

    too_long = call(console, "POST", "/api/desk/canned", beheerder, {"title": "x" * 61, "text": "y"})
    assert too_long.status_code == 400 and too_long.json()["message"] == \
        "De titel is te lang. Gebruik maximaal 60 tekens."
    text_too_long = call(console, "PUT", f"/api/desk/canned/{canned_id}", beheerder, {"title": "x", "text": "y" * 1001})
    assert text_too_long.status_code == 400 and "1000 tekens" in text_too_long.json()["message"]
    duplicate = call(console, "POST", "/api/desk/canned", beheerder, {"title": "test INVULLEN", "text": "y"})
    assert duplicate.status_code == 409 and duplicate.json()["message"].startswith("Er is al")
    for bad in ({}, {"title": 5, "text": "y"}, {"title": "x", "text": None}):
        assert call(console, "POST", "/api/desk/canned", beheerder, bad).status_code == 400
    changed = call(console, "PUT", f"/api/desk/canned/{canned_id}", beheerder, {"title": "Nieuw", "text": "Hoi"})
    assert changed.status_code == 200 and changed.json()["title"] == "Nieuw"
    assert call(console, "DELETE", f"/api/desk/canned/{canned_id}", beheerder).status_code == 200
    for method in ("PUT", "DELETE"):
        for missing in (str(canned_id), "999999", "abc", "-1"):
            gone = call(console, method, f"/api/desk/canned/{missing}", beheerder, {"title": "a", "text": "b"})
            assert gone.status_code == 404 and gone.json()["message"] == "Dit standaardantwoord bestaat niet (meer)."
    assert call(console, "GET", "/api/desk/handovers/999999/canned", medewerker).status_code == 404
    assert call(console, "GET", "/api/desk/handovers/abc/canned", medewerker).status_code == 404


def test_canned_routes_are_guarded_against_cross_site_requests(console):
    """The edge's CSRF checks cover the new routes as every other desk route (bot/edge/csrf.py)."""
    cookie = {"balie_desk": console.headers["beheerder"]["Authorization"][7:]}
    url = f"{console.url}/api/desk/canned"
    evil = requests.post(url, cookies=cookie, json={"title": "x", "text": "y"}, timeout=10,
                         headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and evil.json()["code"] == "cross_site"
    plain = requests.post(url, cookies=cookie, data='{"title": "x", "text": "y"}', timeout=10,
                          headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    delete = requests.delete(f"{url}/1", cookies=cookie, timeout=10)
    assert delete.status_code == 415  # a cookie-authenticated DELETE must be JSON too
