"""CORS for the citizen chat API, so the widget works on the municipality's own site.

Only origins listed in BALIE_ALLOWED_ORIGINS may call the chat API from a browser; the
clerk API stays same-origin (csrf.py).
"""
from __future__ import annotations

from sanic import Request, Sanic
from sanic.response import empty

CHAT_PREFIX = "/api/conversations"


def _allowed(request: Request) -> str | None:
    origin = (request.headers.get("origin") or "").rstrip("/")
    if origin and request.path.startswith(CHAT_PREFIX) and origin in request.app.ctx.settings.allowed_origins:
        return origin
    return None


def install(app: Sanic) -> None:
    @app.on_request
    async def preflight(request: Request):
        if request.method == "OPTIONS" and request.path.startswith(CHAT_PREFIX):
            origin = _allowed(request)
            if origin is None:
                return empty(status=403)
            return empty(status=204, headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Authorization, Content-Type",
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            })

    @app.on_response
    async def allow_origin(request: Request, response):
        origin = _allowed(request)
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            # The widget reads Retry-After of a 429 to know when to send again.
            response.headers["Access-Control-Expose-Headers"] = "Retry-After"
            response.headers["Vary"] = "Origin"
