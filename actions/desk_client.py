"""The only place the actions speak HTTP to the bot service (cases, handovers).

Uses requests with the service token (BALIE_API_TOKEN). Errors are raised as typed
exceptions; the actions turn them into a Dutch message for the citizen.
"""
from __future__ import annotations

from typing import Optional

import requests

from bot.settings import settings

TIMEOUT_S = 10
# One retry after a timeout or connection error: creating a case is idempotent
# (the same idempotency key returns the same case), so a retry never opens two.
RETRIES = 1


class BotServiceUnavailable(RuntimeError):
    """The bot service did not answer or answered with a server error."""


class Rejected(ValueError):
    """The bot service refused the request (4xx); str() is its reason."""


class NotFound(LookupError):
    """No such case (or the verification did not match)."""


class Locked(Rejected):
    """Too many failed status lookups for this case number or conversation; retry after `retry_after` s."""

    def __init__(self, reason: str, retry_after: Optional[int] = None):
        super().__init__(reason)
        self.retry_after = retry_after


# One HTTP session per action-server process: kept-alive connections to the bot service instead
# of a new session (and TCP connect) for every action that builds a DeskClient. rasa_sdk runs
# these synchronous actions on its event-loop thread, one at a time, so nothing shares it across threads.
_SESSION = requests.Session()


class DeskClient:
    """Client of the bot service's internal API."""

    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None,
                 session: Optional[requests.Session] = None):
        self.base_url = (base_url or settings.internal_url).rstrip("/")
        self.token = token or settings.bot_api_token
        self.session = session or _SESSION

    def _post(self, path: str, body: dict) -> dict:
        return self._call("POST", path, body)

    def _call(self, method: str, path: str, body: Optional[dict] = None) -> dict:
        last_error: Exception | None = None
        for _ in range(RETRIES + 1):
            try:
                response = self.session.request(
                    method, f"{self.base_url}{path}", json=body, timeout=TIMEOUT_S,
                    headers={"Authorization": f"Bearer {self.token}"},
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_error = exc
                continue
            if response.status_code == 404:
                raise NotFound(path)
            if 400 <= response.status_code < 500:
                raise Rejected(_reason(response))
            if response.status_code >= 500:
                last_error = BotServiceUnavailable(f"{path}: {response.status_code}")
                continue
            return response.json()
        raise BotServiceUnavailable(str(last_error))

    def open_case(self, case: dict) -> dict:
        """Open a case (idempotent by case['idempotency_key'])."""
        return self._post("/api/internal/cases", case)

    def lookup_case(self, number: str, verification: str, conversation_id: str) -> dict:
        """Status of a case after verification (lookup code, e-mail address or phone number).

        NotFound when number or verification is wrong, Locked when too many lookups of this
        number or conversation failed. Sent once, without the retry of `_call`: every lookup
        counts against the attempt limits, so a retry could count one question twice.
        """
        path = "/api/internal/cases/lookup"
        try:
            response = self.session.post(
                f"{self.base_url}{path}", timeout=TIMEOUT_S, headers={"Authorization": f"Bearer {self.token}"},
                json={"number": number, "verification": verification, "conversation_id": conversation_id})
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise BotServiceUnavailable(str(exc))
        if response.status_code == 404:
            raise NotFound(path)
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After", "")
            raise Locked(_reason(response), int(retry_after) if retry_after.isdigit() else None)
        if 400 <= response.status_code < 500:
            raise Rejected(_reason(response))
        if response.status_code >= 500:
            raise BotServiceUnavailable(f"{path}: {response.status_code}")
        return response.json()

    def clerk_availability(self) -> str:
        """'open' when a clerk can take a conversation now, else 'closed' or 'unavailable'."""
        return str(self._call("GET", "/api/internal/availability").get("status"))

    def request_handover(self, conversation_id: str, reason: str, queue: str,
                         product: Optional[str], summary: str, facts: dict) -> dict:
        """Queue the conversation for a clerk; {'status': queued|closed|unavailable, ...}."""
        return self._post("/api/internal/handovers", {
            "conversation_id": conversation_id, "reason": reason, "queue": queue,
            "product": product, "summary": summary, "facts": facts,
        })


def _reason(response: requests.Response) -> str:
    try:
        return response.json().get("error", response.text)
    except ValueError:
        return response.text
