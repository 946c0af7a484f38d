"""Forward a citizen's message to Rasa's REST channel and get the bot's replies."""
from __future__ import annotations

from typing import List

import aiohttp


class RasaUnavailable(RuntimeError):
    """Rasa did not answer (down, timeout or error status)."""


class RasaClient:
    """Talks to the Rasa server: REST channel for messages, HTTP API for parsing and health."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 30.0):
        self.base_url = base_url
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send(self, sender_id: str, text: str) -> List[dict]:
        """Send one message as `sender_id`; returns Rasa's replies ({text, buttons})."""
        url = f"{self.base_url}/webhooks/rest/webhook"
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(url, json={"sender": sender_id, "message": text}) as resp:
                    if resp.status != 200:
                        raise RasaUnavailable(f"Rasa answered {resp.status}")
                    return await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(str(exc)) from exc

    async def parse(self, text: str) -> dict:
        """Rasa's NLU result for a text (HTTP API, token required)."""
        url = f"{self.base_url}/model/parse"
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(url, params={"token": self.token}, json={"text": text}) as resp:
                    if resp.status != 200:
                        raise RasaUnavailable(f"Rasa answered {resp.status}")
                    return await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(str(exc)) from exc

    async def append_events(self, sender_id: str, events: List[dict]) -> None:
        """Append events to a conversation's tracker without running the dialogue.

        Used for ConversationResumed ({"event": "resume"}) after a handover and to record
        the clerk's messages, so Rasa's transcript stays whole.
        """
        url = f"{self.base_url}/conversations/{sender_id}/tracker/events"
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(url, params={"token": self.token, "include_events": "NONE"},
                                        json=events) as resp:
                    if resp.status != 200:
                        raise RasaUnavailable(f"Rasa answered {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(str(exc)) from exc

    async def ready(self) -> bool:
        """Whether Rasa runs with a loaded model."""
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
                async with session.get(f"{self.base_url}/status", params={"token": self.token}) as resp:
                    if resp.status != 200:
                        return False
                    body = await resp.json()
                    return bool(body.get("model_file"))
        except (aiohttp.ClientError, TimeoutError):
            return False
