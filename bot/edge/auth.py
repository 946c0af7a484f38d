"""Who may call what: the action server (service token), clerks (session), citizens (conversation token).

Bearer-token parsing lives here once; the stores only answer "whose token is this?".
"""
from __future__ import annotations

import hmac

from sanic import Request

from .errors import ClientError

# The console's session cookie (HttpOnly, SameSite=Strict); API clients send the token as a bearer.
CLERK_COOKIE = "balie_desk"


def bearer(request: Request) -> str:
    """The bearer token of a request, or a 401."""
    token = optional_bearer(request)
    if not token:
        raise ClientError(401, "missing bearer token", code="token_missing")
    return token


def optional_bearer(request: Request) -> str:
    """The bearer token of a request, or '' when there is none."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def require_service(request: Request) -> None:
    """Only the action server (which knows BALIE_API_TOKEN) may use the internal API."""
    expected = request.app.ctx.settings.bot_api_token
    if not hmac.compare_digest(bearer(request).encode(), expected.encode()):
        raise ClientError(401, "invalid service token", code="token_invalid")


def clerk_token(request: Request) -> str:
    """The clerk's token: the Authorization header (API clients) or the console cookie."""
    return optional_bearer(request) or request.cookies.get(CLERK_COOKIE, "")


def uses_cookie(request: Request) -> bool:
    """Whether the clerk is authenticated by the browser's cookie (so CSRF applies)."""
    return not optional_bearer(request) and bool(request.cookies.get(CLERK_COOKIE))


# The console sends this on requests it makes by itself (polling while the socket is down),
# so they keep the clerk available without resetting the idle timeout.
BACKGROUND_HEADER = "x-balie-background"


def require_clerk(request: Request):
    """The logged-in clerk, or a 401. A request counts as activity unless marked background."""
    background = request.headers.get(BACKGROUND_HEADER) == "1"
    clerk = request.app.ctx.clerks.by_token(clerk_token(request), touch=True, active=not background)
    if clerk is None:
        raise ClientError(401, "clerk login required", code="login_required")
    return clerk


def require_role(request: Request, *roles: str):
    """The logged-in clerk if their account has one of `roles`; 401 without login, 403 otherwise."""
    clerk = require_clerk(request)
    if clerk.role not in roles:
        raise ClientError(403, "role not allowed", code="role_forbidden",
                          message_nl="Dit deel van de console is niet voor jouw rol. Vraag je beheerder om toegang.")
    return clerk
