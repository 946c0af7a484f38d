"""Live pushes across replicas: two Hubs on the real local Redis (127.0.0.1:6379), fake sockets.

The full path (two bot-service processes, PostgreSQL, WebSockets) is in test_replicas.py.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid

import pytest
import redis

from bot.desk.hub import Hub

REDIS_URL = "redis://127.0.0.1:6379/0"


class Socket:
    """A WebSocket stand-in that collects what it is sent."""

    def __init__(self):
        self.received = asyncio.Queue()

    async def send(self, data: str) -> None:
        await self.received.put(json.loads(data))


@pytest.fixture
def channel():
    """A channel prefix of our own: pub/sub channels are global on a Redis server."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis on 127.0.0.1:6379 not reachable: {exc}")
    return f"balie-test-{uuid.uuid4().hex[:8]}"


async def next_event(socket: Socket, timeout: float = 5.0) -> dict:
    return await asyncio.wait_for(socket.received.get(), timeout)


def test_without_redis_events_stay_in_the_process():
    async def scenario():
        hub = Hub()
        await hub.start()
        socket = Socket()
        hub.join_conversation("c1", socket)
        await hub.to_conversation("c1", {"type": "message", "n": 1})
        await hub.to_conversation("other", {"type": "message", "n": 2})
        await hub.stop()
        return socket.received.qsize(), await next_event(socket)

    count, event = asyncio.run(scenario())
    assert count == 1 and event == {"type": "message", "n": 1}


def test_events_reach_the_sockets_of_the_other_replica_once(channel):
    async def scenario():
        a, b = Hub(REDIS_URL, channel), Hub(REDIS_URL, channel)
        await a.start()
        await b.start()
        try:
            citizen_on_a, desk_on_b, desk_on_a = Socket(), Socket(), Socket()
            a.join_conversation("c1", citizen_on_a)
            b.join_desk(desk_on_b)
            a.join_desk(desk_on_a)
            await b.to_conversation("c1", {"type": "message", "text": "van de medewerker"})
            await a.to_desk({"type": "queue", "handover": {"id": 7}})
            got = (await next_event(citizen_on_a), await next_event(desk_on_b), await next_event(desk_on_a))
            await asyncio.sleep(0.5)  # a second copy (A's own event back from Redis) would arrive by now
            return got, citizen_on_a.received.qsize(), desk_on_a.received.qsize()
        finally:
            await a.stop()
            await b.stop()

    (citizen, desk_b, desk_a), more_citizen, more_desk = asyncio.run(scenario())
    assert citizen == {"type": "message", "text": "van de medewerker"}
    assert desk_b == desk_a == {"type": "queue", "handover": {"id": 7}}
    assert more_citizen == more_desk == 0


def test_a_replica_reconnects_after_losing_redis(channel, caplog):
    """Redis drops B's subscription (as on a Redis restart): B warns, reconnects, and receives again."""
    admin = redis.Redis.from_url(REDIS_URL, decode_responses=True)

    async def scenario():
        a, b = Hub(REDIS_URL, channel), Hub(REDIS_URL, channel)
        await a.start()
        await b.start()
        try:
            desk_on_b = Socket()
            b.join_desk(desk_on_b)
            name = f"balie-hub-{b._origin}"
            subscriptions = [c for c in admin.client_list() if c["name"] == name and int(c["sub"]) > 0]
            assert len(subscriptions) == 1
            admin.client_kill_filter(_id=subscriptions[0]["id"])
            # Published until B is back: events in the gap are lost (pub/sub keeps nothing), later ones arrive.
            for attempt in range(40):
                await a.to_desk({"type": "queue", "attempt": attempt})
                try:
                    return await next_event(desk_on_b, timeout=0.25)
                except asyncio.TimeoutError:
                    continue
            return None
        finally:
            await a.stop()
            await b.stop()

    with caplog.at_level(logging.WARNING, logger="bot.desk.hub"):
        event = asyncio.run(scenario())
    admin.close()
    assert event is not None and event["type"] == "queue"
    messages = [r.getMessage() for r in caplog.records]
    assert any("Redis pub/sub lost" in m for m in messages), messages
    assert any("reconnected" in m for m in messages), messages


def test_a_replica_starts_without_redis_and_still_serves_its_own_sockets(caplog):
    async def scenario():
        hub = Hub("redis://127.0.0.1:1/0", "balie-test-down")  # nothing listens on port 1
        await hub.start()
        try:
            socket = Socket()
            hub.join_desk(socket)
            await hub.to_desk({"type": "queue"})
            return await next_event(socket)
        finally:
            await hub.stop()

    with caplog.at_level(logging.WARNING, logger="bot.desk.hub"):
        assert asyncio.run(scenario()) == {"type": "queue"}
    assert any("publish failed" in r.getMessage() for r in caplog.records)
