"""Security headers on every response; no caching of anything that carries a conversation."""
from __future__ import annotations

from sanic import Request

# No inline script or style anywhere: the widget uses a constructed style sheet and the
# pages link their CSS. connect-src 'self' includes ws(s): to the same host (CSP 3).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
HSTS = "max-age=31536000; includeSubDomains"
# Responses with transcripts, tokens or case data: never stored by a browser or proxy.
NO_STORE_PREFIXES = ("/api/", "/desk")


def apply(request: Request, response) -> None:
    """Set the headers on one response."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.path.startswith(NO_STORE_PREFIXES):
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Pragma", "no-cache")
    if request.app.ctx.settings.public_url.startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
