"""Case status lookups against the real bot service (issue 12, "Case status").

The penetration test found: case numbers that count up, verification by the postcode on
record (for a public-space report the public place's postcode), no limit on attempts, and
answers that told a real number from a made-up one. These tests attack the internal API
the way the action server calls it.
"""
from __future__ import annotations

import re
import subprocess
import uuid

import pytest
import requests

from tests.conftest import ROOT, VENV_BIN
from tests.security.conftest import start_service

PER_CASE = 3
PER_CONVERSATION = 4
WINDOW_S = 24 * 3600
LOOKUP_CODE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")
CASE_NUMBER = re.compile(r"^Z-\d{4}-\d{6}$")
PASSWORD = "een-lang-wachtwoord"
LIMITS = {"BALIE_STATUS_ATTEMPTS_PER_CASE": PER_CASE, "BALIE_STATUS_ATTEMPTS_PER_CONVERSATION": PER_CONVERSATION,
          "BALIE_ALWAYS_OPEN": "true"}


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """A bot service with small, known lookup limits."""
    running = start_service(tmp_path_factory.mktemp("case-status"), **LIMITS)
    yield running
    running.process.stop()


def conversation() -> str:
    """A new conversation id, as the action server sends tracker.sender_id."""
    return str(uuid.uuid4())


def open_case(svc, key: str | None = None, **contact) -> requests.Response:
    """Open a public-space report through the internal API."""
    body = {"type": "report", "product": "melding openbare ruimte (straatverlichting)",
            "details": {"location": "Dorpsstraat 1, 1234 AB", "description": "lamp kapot"},
            "postcode": "1234 AB", "idempotency_key": key or f"status-{uuid.uuid4()}", **contact}
    return requests.post(f"{svc.internal_url}/api/internal/cases", json=body, headers=svc.service_headers,
                         timeout=30)


def new_case(svc, **contact) -> dict:
    response = open_case(svc, **contact)
    assert response.status_code == 201, response.text
    return response.json()


def lookup(svc, number: str, verification: str, conversation_id: str) -> requests.Response:
    return requests.post(f"{svc.internal_url}/api/internal/cases/lookup", headers=svc.service_headers, timeout=30,
                         json={"number": number, "verification": verification, "conversation_id": conversation_id})


def wrong_code(right: str) -> str:
    return "AAAA-AAAA" if right != "AAAA-AAAA" else "BBBB-BBBB"


# ---------- case numbers ----------

def test_two_cases_in_a_row_do_not_have_neighbouring_numbers(limited):
    first, second = new_case(limited)["number"], new_case(limited)["number"]
    assert CASE_NUMBER.match(first) and CASE_NUMBER.match(second)
    assert abs(int(second[-6:]) - int(first[-6:])) != 1


def test_fifty_numbers_are_distinct_and_not_monotonic(limited):
    numbers = [new_case(limited)["number"] for _ in range(50)]
    assert all(CASE_NUMBER.match(n) for n in numbers)
    assert len(set(numbers)) == 50
    assert numbers != sorted(numbers) and numbers != sorted(numbers, reverse=True)


# ---------- the lookup code ----------

def test_the_201_carries_the_lookup_code_and_a_replay_does_not(limited):
    key = f"replay-{uuid.uuid4()}"
    created = open_case(limited, key)
    assert created.status_code == 201 and LOOKUP_CODE.match(created.json()["lookup_code"])
    replay = open_case(limited, key)
    assert replay.status_code == 200 and replay.json()["number"] == created.json()["number"]
    assert "lookup_code" not in replay.json()
    assert "lookup_code_hash" not in replay.text and created.json()["lookup_code"] not in replay.text


def test_the_clerk_gets_the_code_when_opening_a_case_and_never_again(limited):
    subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "clerk", "add", "status.clerk"], input=PASSWORD + "\n",
                   text=True, cwd=ROOT, env=limited.env, check=True, capture_output=True)
    login = requests.post(f"{limited.url}/api/desk/login", json={"username": "status.clerk", "password": PASSWORD},
                          headers={"Origin": limited.url}, timeout=30)
    assert login.status_code == 200, login.text
    clerk = {"Authorization": f"Bearer {login.json()['token']}"}
    chat = requests.post(f"{limited.url}/api/conversations", timeout=10).json()
    queued = requests.post(f"{limited.internal_url}/api/internal/handovers", headers=limited.service_headers,
                           json={"conversation_id": chat["id"], "reason": "test", "summary": "zaak openen"},
                           timeout=10)
    assert queued.status_code == 200 and queued.json()["status"] == "queued", queued.text
    waiting = requests.get(f"{limited.url}/api/desk/handovers?status=waiting", headers=clerk, timeout=10)
    handover = next(h for h in waiting.json()["handovers"] if h["conversation_id"] == chat["id"])
    base = f"{limited.url}/api/desk/handovers/{handover['id']}"
    assert requests.post(f"{base}/claim", headers=clerk, json={}, timeout=10).status_code == 200
    created = requests.post(f"{base}/cases", headers=clerk, timeout=10, json={
        "type": "question", "idempotency_key": f"desk-{uuid.uuid4()}", "details": {"description": "vraag"}})
    assert created.status_code == 201, created.text
    code = created.json()["lookup_code"]
    assert LOOKUP_CODE.match(code)
    read = requests.get(f"{limited.url}/api/desk/cases/{created.json()['number']}", headers=clerk, timeout=10)
    assert read.status_code == 200 and "lookup_code" not in read.json() and code not in read.text
    found = lookup(limited, created.json()["number"], code, conversation())
    assert found.status_code == 200


# ---------- verification ----------

def test_lookup_with_the_code_the_email_or_the_phone_works_with_the_postcode_not(limited):
    case = new_case(limited, email="Burger@Example.nl", phone="06 12345678")
    number, code = case["number"], case["lookup_code"]
    for given in (code, code.lower().replace("-", " "), "burger@example.nl", "+31 6 12345678"):
        found = lookup(limited, number, given, conversation())
        assert found.status_code == 200, (given, found.text)
        assert found.json() == {"number": number, "type_nl": found.json()["type_nl"], "status": "received",
                                "status_nl": "ontvangen", "department": found.json()["department"],
                                "due_date": case["due_date"]}
        assert found.json()["department"]["name"] and "contact" not in found.json()
    refused = lookup(limited, number, "1234 AB", conversation())
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"


def test_a_wrong_answer_is_a_404(limited):
    case = new_case(limited)
    response = lookup(limited, case["number"], wrong_code(case["lookup_code"]), conversation())
    assert response.status_code == 404
    assert response.json()["error"] == "no case with this number and verification"


def test_the_lookup_needs_the_conversation(limited):
    case = new_case(limited)
    response = requests.post(f"{limited.internal_url}/api/internal/cases/lookup", headers=limited.service_headers,
                             json={"number": case["number"], "verification": case["lookup_code"]}, timeout=10)
    assert response.status_code == 400 and response.json()["error"].startswith("conversation_id is required")


# ---------- attempt limits ----------

def test_after_n_wrong_answers_for_a_number_even_the_right_code_is_refused(limited):
    case = new_case(limited)
    for _ in range(PER_CASE):  # each from another conversation: the number's own limit
        assert lookup(limited, case["number"], wrong_code(case["lookup_code"]), conversation()).status_code == 404
    locked = lookup(limited, case["number"], case["lookup_code"], conversation())
    assert locked.status_code == 429 and locked.json()["code"] == "locked"
    assert 0 < int(locked.headers["Retry-After"]) <= WINDOW_S
    assert "14 0999" in locked.json()["message"]


def test_the_conversation_limit_counts_across_numbers(limited):
    walker = conversation()
    for _ in range(PER_CONVERSATION):
        assert lookup(limited, new_case(limited)["number"], "AAAA-AAAA", walker).status_code == 404
    case = new_case(limited)
    locked = lookup(limited, case["number"], case["lookup_code"], walker)
    assert locked.status_code == 429 and locked.json()["code"] == "locked"
    assert 0 < int(locked.headers["Retry-After"]) <= WINDOW_S
    # The number itself was not tried wrongly: another conversation gets the status.
    assert lookup(limited, case["number"], case["lookup_code"], conversation()).status_code == 200


def test_unknown_numbers_count_like_wrong_answers(limited):
    walker = conversation()
    year = new_case(limited)["number"][2:6]
    for i in range(PER_CONVERSATION):  # below 100000: never drawn
        assert lookup(limited, f"Z-{year}-00000{i}", "AAAA-AAAA", walker).status_code == 404
    case = new_case(limited)
    assert lookup(limited, case["number"], case["lookup_code"], walker).status_code == 429


def test_unknown_and_real_numbers_give_byte_identical_answers(limited):
    case = new_case(limited)
    unknown = f"Z-{case['number'][2:6]}-000042"  # below 100000: never drawn
    wrong = wrong_code(case["lookup_code"])
    real = lookup(limited, case["number"], wrong, conversation())
    fake = lookup(limited, unknown, wrong, conversation())
    assert real.status_code == fake.status_code == 404
    assert real.content == fake.content
    assert real.headers.get("Content-Type") == fake.headers.get("Content-Type")
    # Locked alike: PER_CASE failures on each (one is done above), then the same 429.
    for _ in range(PER_CASE - 1):
        assert lookup(limited, case["number"], wrong, conversation()).status_code == 404
        assert lookup(limited, unknown, wrong, conversation()).status_code == 404
    real = lookup(limited, case["number"], case["lookup_code"], conversation())
    fake = lookup(limited, unknown, case["lookup_code"], conversation())
    assert real.status_code == fake.status_code == 429
    assert real.content == fake.content
    assert "Retry-After" in real.headers and "Retry-After" in fake.headers


def test_the_lock_survives_a_restart(tmp_path):
    first = start_service(tmp_path, **LIMITS)
    try:
        case = new_case(first)
        for _ in range(PER_CASE):
            assert lookup(first, case["number"], wrong_code(case["lookup_code"]), conversation()).status_code == 404
    finally:
        first.process.stop()
    second = start_service(tmp_path, **LIMITS)
    try:
        locked = lookup(second, case["number"], case["lookup_code"], conversation())
        assert locked.status_code == 429 and locked.json()["code"] == "locked"
        assert 0 < int(locked.headers["Retry-After"]) <= WINDOW_S
    finally:
        second.process.stop()
