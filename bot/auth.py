"""Who may call what: the action server (service token) and clerks (login sessions)."""
from __future__ import annotations

import hmac

from sanic import Request

from .errors import ClientError


def bearer(request: Request) -> str:
    """The bearer token of a request, or a 401."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise ClientError(401, "missing bearer token")
    return header[7:].strip()


def require_service(request: Request) -> None:
    """Only the action server (which knows BALIE_API_TOKEN) may use the internal API."""
    expected = request.app.ctx.settings.bot_api_token
    if not hmac.compare_digest(bearer(request).encode(), expected.encode()):
        raise ClientError(401, "invalid service token")
