"""The case API of the bot service, as the action server uses it."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import API_TOKEN, login

pytestmark = pytest.mark.servers
SERVICE = {"Authorization": f"Bearer {API_TOKEN}"}


def open_case(stack, key: str) -> requests.Response:
    return requests.post(f"{stack.internal_url}/api/internal/cases", headers=SERVICE, timeout=30, json={
        "type": "report", "product": "melding openbare ruimte (straatverlichting)",
        "details": {"location": "Dorpsstraat 1", "description": "lamp kapot"},
        "email": "test@example.nl", "idempotency_key": key})


def test_fifty_concurrent_cases_and_retries_give_fifty_numbers_and_survive_a_restart(stack):
    keys = [f"concurrency-{i}" for i in range(50)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        first = list(pool.map(lambda k: open_case(stack, k), keys))
        # Every request sent again, as an action retries after a timeout.
        retried = list(pool.map(lambda k: open_case(stack, k), keys))
    assert [r.status_code for r in first] == [201] * 50
    assert [r.status_code for r in retried] == [200] * 50
    numbers = [r.json()["number"] for r in first]
    assert len(set(numbers)) == 50
    assert [r.json()["number"] for r in retried] == numbers

    stack.restart_bot()
    clerk = login(stack, "case.checker")
    for number in numbers[:5] + numbers[-5:]:
        case = requests.get(f"{stack.bot_url}/api/desk/cases/{number}", headers=clerk, timeout=10)
        assert case.status_code == 200 and case.json()["department"]["id"] == "openbare_ruimte"


@pytest.mark.parametrize("body,status,reason", [
    ({"type": "report"}, 400, "idempotency_key is required"),
    ({"type": "wens", "idempotency_key": "x1"}, 400, "type must be one of"),
    ({"type": "question", "idempotency_key": "x2", "phone": "0612"}, 400, "phone is not valid"),
    ({"type": "question", "idempotency_key": "x3", "product": "maanreis"}, 400, "unknown product"),
])
def test_bad_case_requests_are_refused_with_a_reason(stack, body, status, reason):
    response = requests.post(f"{stack.internal_url}/api/internal/cases", headers=SERVICE, json=body, timeout=10)
    assert response.status_code == status and response.json()["error"].startswith(reason)


def test_the_case_api_needs_the_service_token(stack):
    assert requests.post(f"{stack.internal_url}/api/internal/cases", json={}, timeout=10).status_code == 401
    assert requests.get(f"{stack.bot_url}/api/desk/cases/Z-2026-000001", timeout=10).status_code == 401


def test_lookup_leaks_nothing_for_wrong_verification(stack):
    created = open_case(stack, "lookup-1").json()
    number, code = created["number"], created["lookup_code"]
    url = f"{stack.internal_url}/api/internal/cases/lookup"

    def lookup(number, verification, conversation_id="lookup-test"):
        return requests.post(url, headers=SERVICE, timeout=10, json={
            "number": number, "verification": verification, "conversation_id": conversation_id})

    for verification in ("test@example.nl", code):
        ok = lookup(number, verification)
        assert ok.status_code == 200 and ok.json()["status"] == "received"
    wrong = lookup(number, "iemand@example.nl")
    unknown = lookup("Z-1999-000001", "test@example.nl")
    assert wrong.status_code == unknown.status_code == 404 and wrong.content == unknown.content
    assert lookup("12345", "x").status_code == 400
