"""The odd inputs of the penetration test: each gets a 4xx with a code and a Dutch message, never a 5xx."""
from __future__ import annotations

import json

import pytest
import requests

from tests.security.test_edge import PASSWORD, add_clerk


@pytest.fixture(scope="module")
def clerk(service) -> dict:
    add_clerk(service, "odd.klerk")
    response = requests.post(f"{service.url}/api/desk/login", json={"username": "odd.klerk", "password": PASSWORD},
                             timeout=30)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def conversation(service):
    body = requests.post(f"{service.url}/api/conversations", timeout=10).json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def refused(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["code"] and body["error"] and body["message"]
    return body


def raw_json(text: str) -> bytes:
    """JSON as an attacker writes it: escapes that json.dumps would never produce from valid text."""
    return text.encode("utf-8")


@pytest.mark.parametrize("after", ["99999999999999999999", "2147483648", "-1", "1e3", "²", "١٢", " 1"])
def test_after_out_of_range_or_not_digits(service, conversation, after):
    conversation_id, headers = conversation
    response = requests.get(f"{service.url}/api/conversations/{conversation_id}/messages",
                            params={"after": after}, headers=headers, timeout=10)
    refused(response, 400)


@pytest.mark.parametrize("handover_id", ["²", "9223372036854775808", "99999999999999999999999", "-1", "1.0", "0x10"])
def test_odd_handover_ids(service, clerk, handover_id):
    refused(requests.get(f"{service.url}/api/desk/handovers/{handover_id}", headers=clerk, timeout=10), 404)
    refused(requests.post(f"{service.url}/api/desk/handovers/{handover_id}/claim", headers=clerk, json={},
                          timeout=10), 404)


@pytest.mark.parametrize("department", [[], {}, 7, None, "", "x" * 5000], ids=["list", "object", "number", "null", "empty", "long"])
def test_transfer_with_a_department_that_is_not_an_id(service, clerk, department):
    response = requests.post(f"{service.url}/api/desk/handovers/1/transfer", headers=clerk,
                             json={"department": department}, timeout=10)
    assert refused(response, 400)["message"] == "Kies een afdeling uit de lijst."


@pytest.mark.parametrize("field,value", [("queue", ["burgerzaken"]), ("queue", {"a": 1}), ("product", ["Paspoort"]),
                                         ("product", 12), ("summary", ["x"]), ("facts", ["x"])])
def test_internal_handover_with_list_valued_fields(service, conversation, field, value):
    body = {"conversation_id": conversation[0], field: value}
    response = requests.post(f"{service.internal_url}/api/internal/handovers", json=body,
                             headers=service.service_headers, timeout=10)
    refused(response, 400)


@pytest.mark.parametrize("field,value", [("type", ["report"]), ("product", ["Paspoort"]), ("details", ["x"]),
                                         ("conversation_id", 5), ("email", ["a@b.nl"])])
def test_internal_case_with_wrong_types(service, field, value):
    body = {"type": "question", "idempotency_key": f"odd-{field}", field: value}
    response = requests.post(f"{service.internal_url}/api/internal/cases", json=body,
                             headers=service.service_headers, timeout=10)
    refused(response, 400)


def test_lone_surrogate_in_a_chat_message(service, conversation):
    conversation_id, headers = conversation
    response = requests.post(f"{service.url}/api/conversations/{conversation_id}/messages",
                             data=raw_json('{"text": "hallo \\ud800 daar"}'),
                             headers={**headers, "Content-Type": "application/json"}, timeout=10)
    refused(response, 400)
    # Nothing half-stored: the conversation holds no message.
    stored = requests.get(f"{service.url}/api/conversations/{conversation_id}/messages", headers=headers, timeout=10)
    assert stored.json()["messages"] == []


@pytest.mark.parametrize("body", ['{"username": "a\\ud800", "password": "een-lang-wachtwoord"}',
                                  '{"username": "odd.klerk", "password": "\\udfff\\ud800"}'])
def test_lone_surrogate_in_login_fields(service, body):
    response = requests.post(f"{service.url}/api/desk/login", data=raw_json(body),
                             headers={"Content-Type": "application/json"}, timeout=30)
    refused(response, 400)


def test_nul_in_a_chat_message_is_dropped_not_stored(service, conversation):
    conversation_id, headers = conversation
    response = requests.post(f"{service.url}/api/conversations/{conversation_id}/messages",
                             json={"text": "mijn\x00 paspoort", "client_id": "nul-1"}, headers=headers, timeout=30)
    assert response.status_code < 500 or response.json()["code"] == "unavailable"  # no Rasa in this fixture
    stored = requests.get(f"{service.url}/api/conversations/{conversation_id}/messages", headers=headers, timeout=10)
    assert [m["text"] for m in stored.json()["messages"] if m["sender"] == "citizen"] == ["mijn paspoort"]


@pytest.mark.parametrize("payload", ["[]", "3", '"tekst"', "null", "{", '{"text": "a"', "\x00", json.dumps({"a": [[[[[]]]]]})])
def test_bodies_that_are_not_an_object(service, conversation, payload):
    conversation_id, headers = conversation
    response = requests.post(f"{service.url}/api/conversations/{conversation_id}/messages", data=payload.encode(),
                             headers={**headers, "Content-Type": "application/json"}, timeout=10)
    refused(response, 400)


def test_deeply_nested_json(service, conversation):
    conversation_id, headers = conversation
    nested = "[" * 5000 + "]" * 5000
    response = requests.post(f"{service.url}/api/conversations/{conversation_id}/messages",
                             data=f'{{"text": "x", "extra": {nested}}}'.encode(),
                             headers={**headers, "Content-Type": "application/json"}, timeout=10)
    assert 400 <= response.status_code < 500
