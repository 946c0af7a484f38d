"""Forward a citizen's message to Rasa's REST channel and get the bot's replies."""
from __future__ import annotations

import asyncio
from typing import List, Optional, Tuple

import aiohttp


class RasaUnavailable(RuntimeError):
    """Rasa did not answer (down, timeout or error status)."""


class RasaClient:
    """Talks to the Rasa server: REST channel for messages, HTTP API for parsing and health."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 30.0):
        self.base_url = base_url
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        """Open the process's one HTTP session to Rasa (kept-alive connections); on service start-up."""
        self._http()

    async def close(self) -> None:
        """Close the session and its connections; on service shutdown."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _http(self) -> aiohttp.ClientSession:
        # A session per call cost a TCP connect per message. Opened here on first use too, for
        # callers outside the service (scripts, tests) that do not call start().
        if self._session is None or self._session.closed:
            # limit=0: no cap on open connections, as before with a session per call. A cap here
            # would queue callers silently inside the timeout; bounding calls to Rasa is a
            # deliberate backpressure decision, not the pool's.
            self._session = aiohttp.ClientSession(timeout=self.timeout, connector=aiohttp.TCPConnector(limit=0))
        return self._session

    async def send(self, sender_id: str, text: str) -> List[dict]:
        """Send one message as `sender_id`; returns Rasa's replies ({text, buttons})."""
        url = f"{self.base_url}/webhooks/rest/webhook"
        try:
            async with self._http().post(url, json={"sender": sender_id, "message": text}) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered {resp.status}")
                return await resp.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(str(exc)) from exc

    async def parse(self, text: str) -> dict:
        """Rasa's NLU result for a text (HTTP API, token required)."""
        url = f"{self.base_url}/model/parse"
        try:
            async with self._http().post(url, params={"token": self.token}, json={"text": text}) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered {resp.status}")
                return await resp.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(str(exc)) from exc

    async def latest_intent(self, sender_id: str) -> Tuple[Optional[str], Optional[float]]:
        """(intent, confidence) NLU gave the conversation's latest message, from its tracker.

        For the statistics of a turn no action reported on (bot/insights/turns.py).
        """
        url = f"{self.base_url}/conversations/{sender_id}/tracker"
        try:
            async with self._http().get(url, params={"token": self.token, "include_events": "NONE"}) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered {resp.status}")
                body = await resp.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(str(exc)) from exc
        intent = ((body or {}).get("latest_message") or {}).get("intent") or {}
        name, confidence = intent.get("name"), intent.get("confidence")
        return (name if isinstance(name, str) else None,
                float(confidence) if isinstance(confidence, (int, float)) else None)

    async def append_events(self, sender_id: str, events: List[dict]) -> None:
        """Append events to a conversation's tracker without running the dialogue.

        Used for ConversationResumed ({"event": "resume"}) after a handover and to record
        the clerk's messages, so Rasa's transcript stays whole.
        """
        url = f"{self.base_url}/conversations/{sender_id}/tracker/events"
        try:
            async with self._http().post(url, params={"token": self.token, "include_events": "NONE"},
                                         json=events) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered {resp.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(str(exc)) from exc

    async def ready(self) -> bool:
        """Whether Rasa runs with a loaded model."""
        try:
            async with self._http().get(f"{self.base_url}/status", params={"token": self.token},
                                        timeout=aiohttp.ClientTimeout(total=3)) as resp:
                if resp.status != 200:
                    return False
                body = await resp.json()
                return bool(body.get("model_file"))
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False
