"""GET /health reports every part of Balie."""
from __future__ import annotations

import pytest
import requests

from tests.conftest import free_port, start_bot

pytestmark = pytest.mark.servers


def test_health_is_ok_when_everything_runs(stack):
    response = requests.get(f"{stack.bot_url}/health", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "rasa": "ok", "actions": "ok", "database": "ok"}


def test_health_names_what_is_down(stack):
    closed = f"http://127.0.0.1:{free_port()}"
    env = {**stack.env, "ACTIONS_URL": closed, "RASA_URL": closed}
    proc, url = start_bot(env, stack.log_dir, name="bot-degraded")
    try:
        response = requests.get(f"{url}/health", timeout=10)
        assert response.status_code == 503
        body = response.json()
        assert body["rasa"] == "down" and body["actions"] == "down" and body["database"] == "ok"
        assert body["down"] == ["rasa", "actions"]
    finally:
        proc.stop()


def test_message_is_kept_when_rasa_is_down(stack):
    closed = f"http://127.0.0.1:{free_port()}"
    proc, url = start_bot({**stack.env, "RASA_URL": closed}, stack.log_dir, name="bot-no-rasa")
    try:
        created = requests.post(f"{url}/api/conversations", timeout=10).json()
        headers = {"Authorization": f"Bearer {created['token']}"}
        response = requests.post(f"{url}/api/conversations/{created['id']}/messages",
                                 json={"text": "hallo", "client_id": "m1"}, headers=headers, timeout=30)
        assert response.status_code == 503
        assert "bewaard" in response.json()["message"]
        stored = requests.get(f"{url}/api/conversations/{created['id']}/messages",
                              headers=headers, timeout=10).json()["messages"]
        assert [m["text"] for m in stored] == ["hallo"]
    finally:
        proc.stop()


def test_pages_are_served(stack):
    for path in ("/", "/desk", "/privacy"):
        response = requests.get(f"{stack.bot_url}{path}", timeout=10)
        assert response.status_code == 200 and 'lang="nl"' in response.text
