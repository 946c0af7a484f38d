"""Two bot-service replicas on one PostgreSQL database and one Redis act as one.

A citizen on replica A and a clerk on replica B chat live: the handover created through A
reaches B's console, the clerk's message sent through B reaches A's citizen socket, and the
citizen's answer on A reaches B's console. Rasa is a stand-in (tests/fakes.py): the live
pushes are the bot service's.
"""
from __future__ import annotations

import asyncio
import json
import uuid

import requests
import websockets

from tests.conftest import API_TOKEN, Stack, free_port, login, stack_env, start_bot
from tests.fakes import FakeRasa, fresh_postgres

REDIS_URL = "redis://127.0.0.1:6379/0"
SERVICE = {"Authorization": f"Bearer {API_TOKEN}"}


def start_replica(env: dict, tmp, name: str):
    """A bot service with its own public and internal port; returns (process, url, internal url)."""
    internal_port = free_port()
    env = {**env, "BALIE_INTERNAL_PORT": str(internal_port), "BALIE_INTERNAL_URL": f"http://127.0.0.1:{internal_port}"}
    process, url = start_bot(env, tmp, name=name, port=free_port())
    return process, url, env["BALIE_INTERNAL_URL"]


async def next_event(ws, wanted, timeout: float = 10.0) -> dict:
    """The first event on a socket for which `wanted(event)` holds; others are skipped."""
    async def read():
        while True:
            event = json.loads(await ws.recv())
            if wanted(event):
                return event
    return await asyncio.wait_for(read(), timeout)


async def in_thread(call, *args, **kwargs) -> requests.Response:
    return await asyncio.get_running_loop().run_in_executor(None, lambda: call(*args, timeout=10, **kwargs))


def test_a_citizen_on_one_replica_and_a_clerk_on_the_other_chat_live(tmp_path):
    rasa = FakeRasa()
    processes = []
    try:
        with fresh_postgres("balie_replicas") as database_url:
            # A channel prefix of our own: pub/sub channels are global on a Redis server.
            env = stack_env(tmp_path, DATABASE_URL=database_url, RASA_URL=rasa.url,
                            ACTIONS_URL=f"http://127.0.0.1:{free_port()}", REDIS_URL=REDIS_URL,
                            BALIE_PUBSUB_CHANNEL=f"balie-test-{uuid.uuid4().hex[:8]}", BALIE_ALWAYS_OPEN="true")
            process_a, url_a, internal_a = start_replica(env, tmp_path, "bot-a")
            processes.append(process_a)
            process_b, url_b, _ = start_replica(env, tmp_path, "bot-b")
            processes.append(process_b)
            clerk = login(Stack(url_b, rasa.url, env["ACTIONS_URL"], env, tmp_path), "sanne.de.vries")
            asyncio.run(_chat(url_a, internal_a, url_b, clerk))
    finally:
        for process in processes:
            process.stop()
        rasa.close()
    for name in ("bot-a", "bot-b"):
        log = (tmp_path / f"{name}.log").read_text()
        assert "Traceback" not in log and "Redis pub/sub lost" not in log, log[-3000:]


async def _chat(url_a: str, internal_a: str, url_b: str, clerk: dict) -> None:
    created = (await in_thread(requests.post, f"{url_a}/api/conversations")).json()
    conversation_id, citizen_token = created["id"], created["token"]
    citizen_auth = {"Authorization": f"Bearer {citizen_token}"}
    desk_url = url_b.replace("http://", "ws://") + "/api/desk/ws"
    citizen_url = url_a.replace("http://", "ws://") + f"/api/conversations/{conversation_id}/ws"
    async with websockets.connect(desk_url) as desk, websockets.connect(citizen_url) as citizen:
        await desk.send(json.dumps({"type": "auth", "token": clerk["Authorization"][7:]}))
        assert json.loads(await desk.recv())["type"] == "hello"
        await citizen.send(json.dumps({"type": "auth", "token": citizen_token}))
        assert json.loads(await citizen.recv())["type"] == "hello"

        # The action server asks replica A for a person; the console on B shows it in the queue.
        queued = await in_thread(requests.post, f"{internal_a}/api/internal/handovers", headers=SERVICE,
                                 json={"conversation_id": conversation_id, "summary": "Vraag over hondenbelasting"})
        assert queued.status_code == 200 and queued.json()["status"] == "queued", queued.text
        event = await next_event(desk, lambda e: e.get("type") == "queue"
                                 and e["handover"]["conversation_id"] == conversation_id)
        handover = event["handover"]["id"]

        # The clerk on B claims it and writes; the citizen's socket on A gets both.
        base = f"{url_b}/api/desk/handovers/{handover}"
        assert (await in_thread(requests.post, f"{base}/claim", headers=clerk)).status_code == 200
        sent = await in_thread(requests.post, f"{base}/messages", headers=clerk, json={"text": "Goedemiddag, ik help je."})
        assert sent.status_code == 201
        joined = await next_event(citizen, lambda e: e.get("message", {}).get("sender") == "system")
        assert "Je praat nu met Sanne" in joined["message"]["text"]
        said = await next_event(citizen, lambda e: e.get("message", {}).get("sender") == "clerk")
        assert said["message"]["text"] == "Goedemiddag, ik help je."

        # The citizen answers through A; the console on B shows it.
        answer = await in_thread(requests.post, f"{url_a}/api/conversations/{conversation_id}/messages",
                                 headers=citizen_auth, json={"text": "Ik heb twee honden."})
        assert answer.status_code == 200
        seen = await next_event(desk, lambda e: e.get("type") == "message" and e.get("handover_id") == handover
                                and e["message"]["sender"] == "citizen")
        assert seen["message"]["text"] == "Ik heb twee honden."
