"""GET /api/desk/stats(.csv) and POST /api/conversations/<id>/csat on a real bot service (Rasa not needed)."""
from __future__ import annotations

import csv
import io
import subprocess
from datetime import date, timedelta

import pytest
import requests
import sqlalchemy as sa

from bot.db import csat_answers, insight_events
from tests.conftest import ROOT, VENV_BIN
from tests.security.conftest import start_service

PASSWORD = "een-lang-wachtwoord"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = start_service(tmp_path_factory.mktemp("insights"), BALIE_RATE_LIMITS="off")
    yield running
    running.process.stop()


def clerk(service, username: str, role: str) -> dict:
    """An account with a role (as a maintainer adds it; a second add fails harmlessly), logged in: bearer headers."""
    subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "clerk", "add", username, "--role", role],
                   input=PASSWORD + "\n", text=True, cwd=ROOT, env=service.env, check=False, capture_output=True)
    response = requests.post(f"{service.url}/api/desk/login", json={"username": username, "password": PASSWORD},
                             timeout=30)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture(scope="module")
def lead(service):
    return clerk(service, "tessa.lead", "teamleider")


def engine(service):
    return sa.create_engine(service.env["DATABASE_URL"])


def new_conversation(service) -> tuple[str, dict]:
    body = requests.post(f"{service.url}/api/conversations", timeout=10).json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def test_statistics_are_for_the_team_lead_and_the_beheerder_only(service, lead):
    url = f"{service.url}/api/desk/stats"
    assert requests.get(url, timeout=10).status_code == 401
    refused = requests.get(url, headers=clerk(service, "mo.medewerker", "medewerker"), timeout=10)
    assert refused.status_code == 403 and refused.json()["code"] == "role_forbidden"
    assert "niet voor jouw rol" in refused.json()["message"]
    assert requests.get(url + ".csv", headers=clerk(service, "mo.medewerker", "medewerker"), timeout=10).status_code == 403
    for headers in (lead, clerk(service, "bea.beheer", "beheerder")):
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        for key in ("conversations", "contained", "handovers", "cases", "fallbacks", "top_products", "ownerless",
                    "csat", "days"):
            assert key in body
        assert len(body["days"]) == 30 and body["to"] == body["days"][-1]["day"]


@pytest.mark.parametrize("query,fragment", [
    ({"from": "2026-02-30"}, "JJJJ-MM-DD"),
    ({"from": "1-1-2026"}, "JJJJ-MM-DD"),
    ({"to": "x" * 50}, "te lang"),
    ({"from": "2026-03-10", "to": "2026-03-01"}, "na de einddatum"),
    ({"from": "2025-01-01", "to": "2026-01-02"}, "maximaal 366 dagen"),
])
def test_a_bad_period_gets_a_400_in_dutch(service, lead, query, fragment):
    for path in ("/api/desk/stats", "/api/desk/stats.csv"):
        response = requests.get(f"{service.url}{path}", params=query, headers=lead, timeout=10)
        assert response.status_code == 400, response.text
        assert fragment in response.json()["message"] or response.json()["code"] == "invalid_request"


def test_the_csv_has_a_row_per_day_and_a_total(service, lead):
    response = requests.get(f"{service.url}/api/desk/stats.csv", params={"from": "2026-03-01", "to": "2026-03-03"},
                            headers=lead, timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="balie-cijfers-2026-03-01-2026-03-03.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["day"] for r in rows] == ["2026-03-01", "2026-03-02", "2026-03-03", "total"]


def test_a_citizen_answers_once_with_a_score_and_a_comment(service, lead):
    conversation_id, headers = new_conversation(service)
    url = f"{service.url}/api/conversations/{conversation_id}/csat"
    assert requests.post(url, json={"score": 4}, timeout=10).status_code == 401
    assert requests.post(url, json={"score": 4}, headers={"Authorization": "Bearer " + "x" * 43},
                         timeout=10).status_code == 404
    for body, fragment in (({"score": 0}, "1 tot en met 5"), ({"score": 6}, "1 tot en met 5"),
                           ({"score": "5"}, "1 tot en met 5"), ({"score": True}, "1 tot en met 5"),
                           ({}, "1 tot en met 5"), ({"score": 3, "comment": "x" * 501}, "maximaal 500 tekens"),
                           ({"score": 3, "comment": 12}, "gewone tekst")):
        refused = requests.post(url, json=body, headers=headers, timeout=10)
        assert refused.status_code == 400 and fragment in refused.json()["message"], (body, refused.text)
    ok = requests.post(url, json={"score": 4, "comment": "Snel geholpen, mijn BSN is 111222333"}, headers=headers,
                       timeout=10)
    assert ok.status_code == 201 and ok.json()["score"] == 4
    again = requests.post(url, json={"score": 1}, headers=headers, timeout=10)
    assert again.status_code == 409 and again.json()["code"] == "already_answered"
    assert "al laten weten" in again.json()["message"]
    with engine(service).connect() as conn:
        row = conn.execute(sa.select(csat_answers).where(csat_answers.c.conversation_id == conversation_id)).one()
        kinds = conn.execute(sa.select(insight_events.c.kind, insight_events.c.score)
                             .where(insight_events.c.conversation_id == conversation_id)).all()
    assert row.score == 4 and "111222333" not in row.comment  # masked as in the chat
    assert sorted(kinds, key=lambda k: k[0]) == [("conversation", None), ("csat", 4)]
    today = requests.get(f"{service.url}/api/desk/stats", headers=lead, timeout=10).json()
    assert today["csat"]["responses"] >= 1 and today["conversations"] >= 1


def test_the_csat_route_answers_cross_origin_for_the_widget(service):
    conversation_id, headers = new_conversation(service)
    url = f"{service.url}/api/conversations/{conversation_id}/csat"
    origin = "https://www.voorbeeld.example"
    preflight = requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}, timeout=10)
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == origin
    response = requests.post(url, json={"score": 5}, headers={**headers, "Origin": origin}, timeout=10)
    assert response.status_code == 201 and response.headers["Access-Control-Allow-Origin"] == origin
