"""The HTTP edge of the bot service, in one place.

What every request passes before and after its handler: errors as JSON with a code and a
Dutch message (errors.py), CORS for the widget on other sites (cors.py), CSRF checks on the
clerk console (csrf.py), rate limits (limits.py), security headers (headers.py).
Authentication helpers are in auth.py; the client's address in client.py.
"""
from __future__ import annotations

from sanic import Request, Sanic

from . import cors, csrf, errors, headers, limits
from .client import client_address, parse_trusted


def _rate_limit(request: Request) -> None:
    """Which limit a request counts against: see .env.example (BALIE_LIMIT_*)."""
    if request.method != "POST":
        return
    limiter = request.app.ctx.limits
    path = request.path.rstrip("/")
    if path == "/api/conversations":
        limiter.hit("conversations", client_address(request))
    elif path == "/api/route":
        limiter.hit("route", client_address(request))
    elif path.startswith("/api/conversations/") and path.endswith("/messages"):
        limiter.hit("messages", path.split("/")[3])


def install(app: Sanic) -> None:
    """Install the edge on the public app."""
    parse_trusted(app.ctx.settings.trusted_proxies)
    app.ctx.limits = limits.from_settings(app.ctx.settings)
    errors.install(app)
    cors.install(app)

    @app.on_request
    async def guard(request: Request):
        csrf.check_desk_request(request)
        _rate_limit(request)

    @app.on_response
    async def secure_headers(request: Request, response):
        headers.apply(request, response)


def install_internal(app: Sanic) -> None:
    """The internal listener gets the same error bodies and headers, nothing else."""
    errors.install(app)

    @app.on_response
    async def secure_headers(request: Request, response):
        headers.apply(request, response)
