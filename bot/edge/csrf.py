"""Cross-site request forgery and cross-site WebSocket hijacking, refused at the edge.

The console authenticates with a cookie, which a browser also sends on requests another
site makes. SameSite=Strict does not stop a sibling subdomain or another port on the
same host (same site, other origin). So every state-changing desk request must:
- not come from another origin (Origin header) or another site (Sec-Fetch-Site);
- carry JSON (Content-Type: application/json), which a cross-origin page can only send
  after a CORS preflight that the desk API never grants. This applies to every request
  with a body and to every cookie-authenticated one; an API client that sends its token
  as a bearer header may post without a body (a browser cannot add that header cross-site).
The desk WebSocket checks Origin the same way.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from sanic import Request

from .auth import uses_cookie
from .errors import ClientError

DESK_PREFIX = "/api/desk"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ALLOWED_FETCH_SITES = {"same-origin", "none"}


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def own_origins(request: Request) -> set:
    """The origins this service is served from: BALIE_PUBLIC_URL and the Host it was reached on."""
    origins = {_origin_of(request.app.ctx.settings.public_url)}
    host = request.headers.get("host", "")
    if host:
        origins.add(f"{request.scheme}://{host}".lower())
    return origins


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin or site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in ALLOWED_FETCH_SITES:
        return False
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/").lower() not in own_origins(request):
        return False
    return True


def check_desk_request(request: Request) -> None:
    """Refuse a state-changing desk request from another origin, or one that is not JSON."""
    if not request.path.startswith(DESK_PREFIX) or request.method in SAFE_METHODS:
        return
    if not same_origin(request):
        raise ClientError(403, "cross-origin request refused", code="cross_site")
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json" and (request.body or uses_cookie(request)):
        raise ClientError(415, "Content-Type must be application/json", code="json_required")


def check_socket_origin(request: Request) -> bool:
    """Whether a desk WebSocket may open: a browser's Origin must be our own."""
    origin = request.headers.get("origin")
    return origin is None or origin.rstrip("/").lower() in own_origins(request)
