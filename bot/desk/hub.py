"""Real-time pushes over WebSockets: to a citizen's conversation and to the clerks' consoles.

In-process: one bot-service process holds the sockets. With several replicas the same
interface is backed by Redis pub/sub (REDIS_URL), so a clerk on one replica reaches a
citizen on another.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any, Dict, Set

logger = logging.getLogger(__name__)


class Hub:
    """Fan-out of events to connected WebSockets."""

    def __init__(self) -> None:
        self._conversations: Dict[str, Set[Any]] = defaultdict(set)
        self._desk: Set[Any] = set()

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
        """Push an event to every socket of one conversation (citizen tabs)."""
        await self._send(set(self._conversations.get(conversation_id, ())), event)

    async def to_desk(self, event: dict) -> None:
        """Push an event to every open clerk console."""
        await self._send(set(self._desk), event)

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
