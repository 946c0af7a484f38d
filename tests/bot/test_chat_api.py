"""The citizen chat API against the real Rasa and action servers."""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.conftest import say

pytestmark = pytest.mark.servers


def bot_texts(response):
    return " ".join(m["text"] for m in response.json()["messages"] if m["sender"] == "bot")


def test_a_product_question_gets_the_answer_and_the_department(stack, conversation):
    response = say(stack, conversation, "mijn paspoort is verlopen, hoe vraag ik een nieuwe aan?")
    assert response.status_code == 200
    text = bot_texts(response)
    assert "Burgerzaken" in text and "14 0999" in text


def test_follow_up_question_uses_the_product_in_context(stack, conversation):
    say(stack, conversation, "ik wil mijn hond aanmelden voor de hondenbelasting")
    text = bot_texts(say(stack, conversation, "wat kost dat?"))
    assert text.startswith("Hondenbelasting:")


def test_emergency_gets_112_at_once(stack, conversation):
    assert "112" in bot_texts(say(stack, conversation, "er is brand in het huis naast me"))


def test_question_for_another_organisation_gets_its_address(stack, conversation):
    text = bot_texts(say(stack, conversation, "wanneer wordt mijn WW uitkering betaald"))
    assert "UWV" in text


def offered(response) -> list:
    return [b for m in response.json()["messages"] for b in (m.get("buttons") or [])]


def test_a_button_the_bot_offered_is_accepted_and_stored_as_its_title(stack, conversation):
    answer = say(stack, conversation, "ik heb een oude bank die weg moet, hoe laat ik grofvuil ophalen")
    button = next(b for b in offered(answer) if b["payload"] == "/ask_cost")
    response = say(stack, conversation, payload=button["payload"])
    assert response.status_code == 200, response.text
    assert "€" in bot_texts(response) or "kost" in bot_texts(response).lower()
    conversation_id, headers = conversation
    stored = requests.get(f"{stack.bot_url}/api/conversations/{conversation_id}/messages",
                          headers=headers, timeout=10).json()["messages"]
    clicked = [m for m in stored if m["sender"] == "citizen"][-1]
    assert clicked["text"] == button["title"] and clicked["payload"] == "/ask_cost"


def test_a_payload_the_bot_did_not_offer_is_refused_in_dutch(stack, conversation):
    say(stack, conversation, "hallo")
    response = say(stack, conversation, payload='/choose_product{"product": "afvalinzameling grofvuil"}')
    assert response.status_code == 400
    assert response.json()["error"].startswith("payload was not offered")
    assert "eerdere vraag" in response.json()["message"]


def test_an_old_button_cannot_be_clicked_after_the_next_message(stack, conversation):
    answer = say(stack, conversation, "mijn paspoort is verlopen, hoe vraag ik een nieuwe aan")
    old = offered(answer)[0]
    say(stack, conversation, "bedankt")
    assert say(stack, conversation, payload=old["payload"]).status_code == 400


def test_typing_a_buttons_title_counts_as_clicking_it(stack, conversation):
    answer = say(stack, conversation, "ik heb een oude bank die weg moet, hoe laat ik grofvuil ophalen")
    assert any(b["title"] == "Wat kost het?" for b in offered(answer))
    response = say(stack, conversation, "wat kost het")
    assert response.status_code == 200
    conversation_id, headers = conversation
    stored = requests.get(f"{stack.bot_url}/api/conversations/{conversation_id}/messages",
                          headers=headers, timeout=10).json()["messages"]
    typed = [m for m in stored if m["sender"] == "citizen"][-1]
    assert typed["text"] == "wat kost het" and typed["payload"] == "/ask_cost"


def test_messages_are_stored_with_sequence_numbers(stack, conversation):
    say(stack, conversation, "hallo")
    conversation_id, headers = conversation
    stored = requests.get(f"{stack.bot_url}/api/conversations/{conversation_id}/messages?after=0",
                          headers=headers, timeout=10).json()["messages"]
    assert stored[0]["sender"] == "citizen" and stored[0]["text"] == "hallo"
    assert [m["seq"] for m in stored] == list(range(1, len(stored) + 1))
    later = requests.get(f"{stack.bot_url}/api/conversations/{conversation_id}/messages?after=1",
                         headers=headers, timeout=10).json()["messages"]
    assert later == stored[1:]


def test_a_resent_message_is_stored_and_answered_once(stack, conversation):
    client_id = str(uuid.uuid4())
    first = say(stack, conversation, "ik wil grofvuil laten ophalen", client_id=client_id)
    second = say(stack, conversation, "ik wil grofvuil laten ophalen", client_id=client_id)
    assert first.json()["messages"] == second.json()["messages"]
    conversation_id, headers = conversation
    stored = requests.get(f"{stack.bot_url}/api/conversations/{conversation_id}/messages",
                          headers=headers, timeout=10).json()["messages"]
    assert [m["sender"] for m in stored].count("citizen") == 1


def test_bsn_is_masked_in_storage_and_the_citizen_is_told(stack, conversation):
    response = say(stack, conversation, "mijn bsn is 111222333, wat is mijn woz waarde")
    assert any(m["sender"] == "system" and "weggehaald" in m["text"] for m in response.json()["messages"])
    conversation_id, headers = conversation
    stored = requests.get(f"{stack.bot_url}/api/conversations/{conversation_id}/messages",
                          headers=headers, timeout=10).json()["messages"]
    assert "111222333" not in str(stored)


@pytest.mark.parametrize("body,reason", [
    ({"text": ""}, "text is required"),
    ({"text": "   "}, "text is required"),
    ({"text": "a" * 1001}, "text is longer than 1000 characters"),
    ({"text": 42}, "text is required"),
    ({"payload": "geen slash"}, "payload was not offered"),
    ({"payload": ""}, "payload must be a non-empty string"),
    ({"payload": "x" * 301}, "payload must be a non-empty string of at most 300 characters"),
    ({"text": "hoi", "client_id": "x" * 65}, "client_id must be a string of 1 to 64 characters"),
    ([1, 2], "body must be a JSON object"),
])
def test_bad_input_gets_400_with_a_reason(stack, conversation, body, reason):
    conversation_id, headers = conversation
    response = requests.post(f"{stack.bot_url}/api/conversations/{conversation_id}/messages",
                             json=body, headers=headers, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"].startswith(reason)


def test_text_of_exactly_the_limit_is_accepted(stack, conversation):
    assert say(stack, conversation, "a" * 1000).status_code == 200


def test_non_json_body_gets_400(stack, conversation):
    conversation_id, headers = conversation
    response = requests.post(f"{stack.bot_url}/api/conversations/{conversation_id}/messages",
                             data="{niet json", headers={**headers, "Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 400 and response.json()["error"] == "body is not valid JSON"


def test_a_token_cannot_read_or_write_another_conversation(stack, conversation):
    other = requests.post(f"{stack.bot_url}/api/conversations", timeout=10).json()
    _, headers = conversation
    url = f"{stack.bot_url}/api/conversations/{other['id']}/messages"
    assert requests.get(url, headers=headers, timeout=10).status_code == 404
    assert requests.post(url, json={"text": "hoi"}, headers=headers, timeout=10).status_code == 404
    assert requests.get(url, timeout=10).status_code == 401


def test_cors_only_for_allowed_origins(stack):
    url = f"{stack.bot_url}/api/conversations"
    allowed = requests.options(url, headers={"Origin": "https://www.voorbeeld.example",
                                             "Access-Control-Request-Method": "POST"}, timeout=10)
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://www.voorbeeld.example"
    assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
    other = requests.options(url, headers={"Origin": "https://evil.example"}, timeout=10)
    assert other.status_code == 403
    created = requests.post(url, headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in created.headers


def test_a_body_over_64_kib_gets_413_with_a_reason(stack, conversation):
    conversation_id, headers = conversation
    response = requests.post(f"{stack.bot_url}/api/conversations/{conversation_id}/messages",
                             json={"text": "a" * 70_000}, headers=headers, timeout=10)
    assert response.status_code == 413 and "65536" in response.json()["error"]
