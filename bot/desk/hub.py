"""Real-time pushes over WebSockets: to a citizen's conversation and to the clerks' consoles.

In-process: one bot-service process holds the sockets. With several replicas the same
interface is backed by Redis pub/sub (REDIS_URL), so a clerk on one replica reaches a
citizen on another: each event goes to this replica's sockets at once and is published on
`<BALIE_PUBSUB_CHANNEL>:conversation` or `:desk`; every other replica delivers it to its own
sockets. Pub/sub keeps nothing: while a replica is cut off from Redis its sockets miss the other
replicas' events (a warning is logged, the subscription reconnects); the widget and the console
fetch what they missed by sequence number when they reconnect.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import defaultdict
from typing import Any, Dict, Optional, Set

import redis.asyncio as redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds: a publish or a connect that takes longer fails (the event still reaches this replica's sockets).
REDIS_TIMEOUT_S = 2.0
# Seconds between PINGs on the idle subscription, so a dead connection is noticed.
HEALTH_CHECK_S = 10
# Seconds between reconnect attempts after Redis was lost: doubling from the first to the last.
RECONNECT_FIRST_S, RECONNECT_MAX_S = 0.5, 5.0
# Seconds the start-up waits for the first subscription; without Redis the service starts anyway.
SUBSCRIBE_WAIT_S = 5.0


class Hub:
    """Fan-out of events to connected WebSockets."""

    def __init__(self, redis_url: str = "", channel: str = "balie") -> None:
        self._conversations: Dict[str, Set[Any]] = defaultdict(set)
        self._desk: Set[Any] = set()
        self._redis_url = redis_url
        self._channels = {"conversation": f"{channel}:conversation", "desk": f"{channel}:desk"}
        # This replica's own events come back from Redis too; they were delivered already.
        self._origin = uuid.uuid4().hex
        self._redis: Optional[redis.Redis] = None
        self._listener: Optional[asyncio.Task] = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        """With REDIS_URL: connect and subscribe (in the background; it reconnects by itself)."""
        if not self._redis_url:
            return
        # The client name shows which replica a connection belongs to in Redis's CLIENT LIST.
        self._redis = redis.from_url(self._redis_url, decode_responses=True, socket_timeout=REDIS_TIMEOUT_S,
                                     socket_connect_timeout=REDIS_TIMEOUT_S, health_check_interval=HEALTH_CHECK_S,
                                     client_name=f"balie-hub-{self._origin}")
        self._subscribed = asyncio.Event()
        self._listener = asyncio.create_task(self._listen())
        try:
            await asyncio.wait_for(self._subscribed.wait(), SUBSCRIBE_WAIT_S)
        except asyncio.TimeoutError:
            logger.warning("Redis pub/sub not subscribed after %ss; starting without it until it is", SUBSCRIBE_WAIT_S)

    async def stop(self) -> None:
        """Stop the subscription and close the Redis connections."""
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        if self._redis is not None:
            await self._redis.close(close_connection_pool=True)
            self._redis = None

    def join_conversation(self, conversation_id: str, ws) -> None:
        self._conversations[conversation_id].add(ws)

    def leave_conversation(self, conversation_id: str, ws) -> None:
        self._conversations[conversation_id].discard(ws)
        if not self._conversations[conversation_id]:
            self._conversations.pop(conversation_id, None)

    def join_desk(self, ws) -> None:
        self._desk.add(ws)

    def leave_desk(self, ws) -> None:
        self._desk.discard(ws)

    @property
    def desk_connections(self) -> int:
        return len(self._desk)

    async def to_conversation(self, conversation_id: str, event: dict) -> None:
        """Push an event to every socket of one conversation (citizen tabs), on every replica."""
        await self._send(set(self._conversations.get(conversation_id, ())), event)
        await self._publish("conversation", {"conversation_id": conversation_id, "event": event})

    async def to_desk(self, event: dict) -> None:
        """Push an event to every open clerk console, on every replica."""
        await self._send(set(self._desk), event)
        await self._publish("desk", {"event": event})

    async def _publish(self, kind: str, body: dict) -> None:
        if self._redis is None:
            return
        try:
            await self._redis.publish(self._channels[kind], json.dumps({"origin": self._origin, **body}))
        except (RedisError, OSError) as exc:
            logger.warning("Redis publish failed; a %s event reached this replica's sockets only: %s", kind, exc)

    async def _listen(self) -> None:
        """Deliver the other replicas' events to this replica's sockets; reconnect when Redis is lost."""
        delay, lost = RECONNECT_FIRST_S, False
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*self._channels.values())
                if lost:
                    logger.warning("Redis pub/sub reconnected; live pushes between replicas work again")
                delay, lost = RECONNECT_FIRST_S, False
                self._subscribed.set()
                while True:
                    # A timeout instead of a blocking read: the health-check PING goes out while idle.
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None:
                        await self._receive(message)
            except (RedisError, OSError) as exc:
                if not lost:
                    logger.warning("Redis pub/sub lost (%s): events of other replicas do not reach this "
                                   "one's sockets until it reconnects", exc)
                lost = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
            finally:
                try:
                    await pubsub.reset()
                except (RedisError, OSError):
                    pass

    async def _receive(self, message: dict) -> None:
        try:
            body = json.loads(message["data"])
            if body.get("origin") == self._origin:
                return
            if message["channel"] == self._channels["desk"]:
                await self._send(set(self._desk), body["event"])
            else:
                await self._send(set(self._conversations.get(body["conversation_id"], ())), body["event"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # Another program on the same channel, or a newer replica: skip it, keep listening.
            logger.warning("ignoring a pub/sub message that is not a Balie event: %s", exc)

    async def _send(self, sockets: Set[Any], event: dict) -> None:
        if not sockets:
            return
        data = json.dumps(event)
        results = await asyncio.gather(*(ws.send(data) for ws in sockets), return_exceptions=True)
        for ws, result in zip(sockets, results):
            if isinstance(result, Exception):
                # A closed socket: the client reconnects and fetches what it missed by seq.
                logger.debug("dropping closed websocket: %s", result)
                self._desk.discard(ws)
                for members in self._conversations.values():
                    members.discard(ws)
