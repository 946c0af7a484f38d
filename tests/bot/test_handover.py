"""Handover to a clerk and back, through the real bot service, Rasa and action server."""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import websockets

from tests.conftest import API_TOKEN, login, say

pytestmark = pytest.mark.servers


def texts(response):
    return " ".join(m["text"] for m in response.json()["messages"])


def waiting(stack, headers):
    return requests.get(f"{stack.bot_url}/api/desk/handovers?status=waiting", headers=headers, timeout=10).json()["handovers"]


def ask_for_person(stack, conversation):
    say(stack, conversation, "ik wil mijn hond aanmelden voor de hondenbelasting")
    return say(stack, conversation, "ik wil een medewerker spreken")


def test_login_refuses_wrong_passwords_and_bad_input(stack):
    login(stack, "anna.bakker")
    url = f"{stack.bot_url}/api/desk/login"
    wrong = requests.post(url, json={"username": "anna.bakker", "password": "fout-wachtwoord-123"}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["message"] == "Gebruikersnaam of wachtwoord klopt niet."
    assert requests.post(url, json={"username": "anna.bakker"}, timeout=10).status_code == 400
    assert requests.post(url, json={"username": "x" * 300, "password": "y"}, timeout=10).status_code == 400
    assert requests.get(f"{stack.bot_url}/api/desk/handovers", timeout=10).status_code == 401


def test_handover_round_trip(stack, conversation):
    clerk = login(stack, "sanne.de.vries")
    response = ask_for_person(stack, conversation)
    assert "nummer 1 in de wachtrij" in texts(response) or "wachtrij" in texts(response)
    conversation_id, citizen = conversation
    queued = [h for h in waiting(stack, clerk) if h["conversation_id"] == conversation_id]
    assert len(queued) == 1
    handover = queued[0]
    assert handover["product"] == "hondenbelasting" and "hondenbelasting" in handover["summary"].lower()
    assert handover["reason"] == "asked for a person"

    # While waiting the bot is silent, but the message is stored and reaches the clerk.
    assert say(stack, conversation, "hallo? is daar iemand").json()["messages"] == []

    claim = requests.post(f"{stack.bot_url}/api/desk/handovers/{handover['id']}/claim", headers=clerk, timeout=10)
    assert claim.status_code == 200 and claim.json()["status"] == "active"
    detail = requests.get(f"{stack.bot_url}/api/desk/handovers/{handover['id']}", headers=clerk, timeout=10).json()
    assert "hallo? is daar iemand" in [m["text"] for m in detail["transcript"]]

    sent = requests.post(f"{stack.bot_url}/api/desk/handovers/{handover['id']}/messages",
                         json={"text": "Hoi, ik help je met de hondenbelasting."}, headers=clerk, timeout=10)
    assert sent.status_code == 201 and sent.json()["clerk_name"] == "Sanne"
    stored = requests.get(f"{stack.bot_url}/api/conversations/{conversation_id}/messages",
                          headers=citizen, timeout=10).json()["messages"]
    assert any(m["sender"] == "system" and "Je praat nu met Sanne" in m["text"] for m in stored)
    assert any(m["sender"] == "clerk" and m["clerk_name"] == "Sanne" for m in stored)
    assert say(stack, conversation, "dank je, ik heb twee honden").json()["messages"] == []

    released = requests.post(f"{stack.bot_url}/api/desk/handovers/{handover['id']}/release", headers=clerk, timeout=30)
    assert released.status_code == 200
    assert "Burgerzaken" in texts(say(stack, conversation, "hoe vraag ik een nieuw paspoort aan"))


def test_two_clerks_claiming_at_once_one_wins(stack, conversation):
    first, second = login(stack, "piet.jansen"), login(stack, "fatima.el.amrani")
    ask_for_person(stack, conversation)
    handover = [h for h in waiting(stack, first) if h["conversation_id"] == conversation[0]][0]
    url = f"{stack.bot_url}/api/desk/handovers/{handover['id']}/claim"
    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(pool.map(lambda h: requests.post(url, headers=h, timeout=10).status_code, [first, second]))
    assert codes == [200, 409]


def test_only_the_holder_may_write_and_close(stack, conversation):
    holder, other = login(stack, "kees.smit"), login(stack, "lotte.visser")
    ask_for_person(stack, conversation)
    handover = [h for h in waiting(stack, holder) if h["conversation_id"] == conversation[0]][0]
    base = f"{stack.bot_url}/api/desk/handovers/{handover['id']}"
    requests.post(f"{base}/claim", headers=holder, timeout=10)
    assert requests.post(f"{base}/messages", json={"text": "hoi"}, headers=other, timeout=10).status_code == 409
    assert requests.post(f"{base}/close", json={"outcome": ""}, headers=holder, timeout=10).status_code == 400
    too_long = requests.post(f"{base}/close", json={"outcome": "x" * 2001}, headers=holder, timeout=10)
    assert too_long.status_code == 400 and "2000" in too_long.json()["error"]
    assert requests.post(f"{base}/release", json=[1], headers=holder, timeout=10).status_code == 400
    assert requests.post(f"{base}/release", json={"note": 5}, headers=holder, timeout=10).status_code == 400
    assert requests.get(base, headers=holder, timeout=10).json()["status"] == "active"
    # While the clerk holds it, the bot stays silent.
    assert say(stack, conversation, "hoe vraag ik een paspoort aan").json()["messages"] == []
    closed = requests.post(f"{base}/close", json={"outcome": "Uitgelegd hoe aanmelden werkt."}, headers=holder, timeout=30)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_clerk_opens_a_case_for_the_citizen(stack, conversation):
    clerk = login(stack, "joost.de.boer")
    ask_for_person(stack, conversation)
    handover = [h for h in waiting(stack, clerk) if h["conversation_id"] == conversation[0]][0]
    base = f"{stack.bot_url}/api/desk/handovers/{handover['id']}"
    requests.post(f"{base}/claim", headers=clerk, timeout=10)
    case = requests.post(f"{base}/cases", headers=clerk, timeout=10, json={
        "type": "question", "product": "hondenbelasting", "details": {"description": "Twee honden aanmelden"},
        "email": "jan@example.nl", "client_id": "c1"})
    assert case.status_code == 201 and case.json()["department"]["id"] == "belastingen"
    listed = requests.get(f"{stack.bot_url}/api/desk/cases?conversation={conversation[0]}", headers=clerk, timeout=10)
    assert [c["number"] for c in listed.json()["cases"]] == [case.json()["number"]]
    bad = requests.post(f"{base}/cases", headers=clerk, timeout=10, json={"type": "question", "email": "geen-mail"})
    assert bad.status_code == 400 and "e-mailadres" in bad.json()["message"]


def test_clerk_message_is_pushed_to_the_citizen_socket(stack, conversation):
    clerk = login(stack, "bram.mulder")
    ask_for_person(stack, conversation)
    handover = [h for h in waiting(stack, clerk) if h["conversation_id"] == conversation[0]][0]
    base = f"{stack.bot_url}/api/desk/handovers/{handover['id']}"
    conversation_id, citizen = conversation
    ws_url = stack.bot_url.replace("http", "ws") + f"/api/conversations/{conversation_id}/ws"

    async def listen():
        async with websockets.connect(ws_url) as ws:
            await ws.send(json.dumps({"type": "auth", "token": citizen["Authorization"][7:]}))
            assert json.loads(await ws.recv())["type"] == "hello"
            await asyncio.get_running_loop().run_in_executor(None, lambda: requests.post(
                f"{base}/claim", headers=clerk, timeout=10))
            await asyncio.get_running_loop().run_in_executor(None, lambda: requests.post(
                f"{base}/messages", json={"text": "Goedemiddag!"}, headers=clerk, timeout=10))
            received = []
            while not any(m.get("sender") == "clerk" for m in received):
                event = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                received.append(event.get("message", {}))
            return received

    received = asyncio.run(listen())
    assert received[-1]["text"] == "Goedemiddag!"


def test_wrong_token_cannot_open_a_conversation_socket(stack, conversation):
    other = requests.post(f"{stack.bot_url}/api/conversations", timeout=10).json()
    ws_url = stack.bot_url.replace("http", "ws") + f"/api/conversations/{other['id']}/ws"

    async def attempt():
        async with websockets.connect(ws_url) as ws:
            await ws.send(json.dumps({"type": "auth", "token": conversation[1]["Authorization"][7:]}))
            return json.loads(await ws.recv())

    assert asyncio.run(attempt())["type"] == "error"


def test_internal_api_needs_the_service_token(stack, conversation):
    url = f"{stack.internal_url}/api/internal/handovers"
    assert requests.post(url, json={"conversation_id": conversation[0]}, timeout=10).status_code == 401
    service = {"Authorization": f"Bearer {API_TOKEN}"}
    wrong = requests.post(url, json={"conversation_id": "nope"}, headers=service, timeout=10)
    assert wrong.status_code == 404
    bad = requests.post(url, json={"conversation_id": conversation[0], "product": {"x": 1}}, headers=service, timeout=10)
    assert bad.status_code == 400 and "UPL name" in bad.json()["error"]


def test_nothing_is_lost_when_the_bot_service_restarts(stack, conversation):
    clerk = login(stack, "eva.de.groot")
    ask_for_person(stack, conversation)
    handover = [h for h in waiting(stack, clerk) if h["conversation_id"] == conversation[0]][0]
    base = f"{stack.bot_url}/api/desk/handovers/{handover['id']}"
    requests.post(f"{base}/claim", headers=clerk, timeout=10)
    requests.post(f"{base}/messages", json={"text": "Ik zoek het voor je uit."}, headers=clerk, timeout=10)
    say(stack, conversation, "prima, ik wacht")
    stack.restart_bot()
    detail = requests.get(base, headers=clerk, timeout=10)
    assert detail.status_code == 200 and detail.json()["status"] == "active"
    transcript = [m["text"] for m in detail.json()["transcript"]]
    assert "Ik zoek het voor je uit." in transcript and "prima, ik wacht" in transcript
    stored = requests.get(f"{stack.bot_url}/api/conversations/{conversation[0]}/messages?after=0",
                          headers=conversation[1], timeout=10).json()["messages"]
    assert [m["text"] for m in stored] == transcript
