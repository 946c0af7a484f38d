"""Errors, translated once into a JSON body: a stable code, a reason and a Dutch message.

Every 4xx and 5xx of the bot service has the shape
`{"code": "...", "error": "<reason for developers>", "message": "<Dutch, for the person>"}`.
Clients (widget, console) switch on `code` and show `message`; they never parse `error`.
"""
from __future__ import annotations

import logging

from sanic import Sanic
from sanic.exceptions import InvalidUsage, MethodNotSupported, NotFound, PayloadTooLarge, SanicException
from sanic.response import json

log = logging.getLogger(__name__)

# Default Dutch message per code; a ClientError can give a more precise one.
MESSAGES_NL = {
    "invalid_request": "Dat verzoek klopt niet. Controleer wat je invulde en probeer het opnieuw.",
    "invalid_json": "Dat verzoek klopt niet: het is geen geldige JSON.",
    "invalid_text": "Je tekst bevat een teken dat niet kan worden verwerkt. Haal het weg en probeer het opnieuw.",
    "json_required": "Dat verzoek klopt niet: stuur JSON (Content-Type: application/json).",
    "login_required": "Je bent niet (meer) ingelogd. Log opnieuw in.",
    "login_failed": "Gebruikersnaam of wachtwoord klopt niet.",
    "token_invalid": "Geen toegang: de sleutel klopt niet.",
    "token_missing": "Geen toegang: er is geen sleutel meegestuurd.",
    "cross_site": "Dit verzoek komt van een andere website en is geweigerd.",
    "forbidden": "Dat mag je niet doen.",
    "not_found": "Dat bestaat niet (meer).",
    "method_not_allowed": "Dat kan op dit adres niet.",
    "conflict": "Dat kan nu niet: de situatie is intussen veranderd.",
    "too_large": "Dat is te veel tekst in één keer.",
    "rate_limited": "Je stuurt te veel berichten achter elkaar. Wacht even en probeer het dan opnieuw.",
    "locked": "Te vaak een verkeerd wachtwoord. Wacht even en probeer het dan opnieuw.",
    "busy": "Het is nu erg druk. Probeer het over een paar seconden opnieuw.",
    "unavailable": "Balie is even niet bereikbaar. Probeer het zo opnieuw.",
    "internal": "Er ging iets mis bij ons. Probeer het zo opnieuw.",
}

# The code a ClientError gets when the raiser names none.
_CODE_BY_STATUS = {400: "invalid_request", 401: "login_required", 403: "forbidden", 404: "not_found",
                   405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "json_required",
                   429: "rate_limited", 503: "unavailable"}


class ClientError(Exception):
    """A request the service refuses: HTTP status, stable code, reason, Dutch message.

    `retry_after` (seconds) becomes a Retry-After header, for 429 and 503.
    """

    def __init__(self, status: int, reason: str, message_nl: str | None = None, code: str | None = None,
                 retry_after: int | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.code = code or _CODE_BY_STATUS.get(status, "invalid_request" if status < 500 else "internal")
        self.message_nl = message_nl or MESSAGES_NL.get(self.code) or MESSAGES_NL["invalid_request"]
        self.retry_after = retry_after


def error_response(status: int, code: str, reason: str, message_nl: str | None = None,
                   retry_after: int | None = None):
    """The JSON error body every refusal of the service has."""
    headers = {"Retry-After": str(max(1, int(retry_after)))} if retry_after is not None else None
    return json({"code": code, "error": reason, "message": message_nl or MESSAGES_NL.get(code, "")},
                status=status, headers=headers)


def install(app: Sanic) -> None:
    """Register the handlers that turn every error into the JSON body above."""

    @app.exception(ClientError)
    async def client_error(request, exc: ClientError):
        return error_response(exc.status, exc.code, exc.reason, exc.message_nl, exc.retry_after)

    @app.exception(NotFound)
    async def not_found(request, exc):
        return error_response(404, "not_found", "not found")

    @app.exception(MethodNotSupported)
    async def method(request, exc):
        return error_response(405, "method_not_allowed", "method not allowed")

    @app.exception(PayloadTooLarge)
    async def too_large(request, exc):
        limit = request.app.config.REQUEST_MAX_SIZE
        return error_response(413, "too_large", f"request body larger than {limit} bytes",
                              "Je bericht is te groot om te versturen.")

    @app.exception(InvalidUsage)
    async def invalid(request, exc):
        return error_response(400, "invalid_request", str(exc) or "invalid request")

    @app.exception(SanicException)
    async def sanic_error(request, exc: SanicException):
        status = getattr(exc, "status_code", 500) or 500
        if status < 500:
            return error_response(status, _CODE_BY_STATUS.get(status, "invalid_request"), str(exc) or "refused")
        return _internal(request, exc)

    @app.exception(Exception)
    async def unexpected(request, exc: Exception):
        return _internal(request, exc)


def _internal(request, exc: Exception):
    # Log the type and where, not the message: a driver error's message can quote citizen text.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.path,
              exc_info=(type(exc), None, exc.__traceback__))
    return error_response(500, "internal", "internal error")


def _check_strings(value, depth: int = 0):
    """Refuse lone surrogates (they cannot be stored as UTF-8); drop NUL characters.

    NUL cannot be stored in a PostgreSQL text column and carries no meaning in a chat,
    so it is removed rather than refused.
    """
    if depth > 32:
        raise ClientError(400, "JSON nested too deeply", code="invalid_json")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ClientError(400, "text contains a lone surrogate (not valid Unicode)", code="invalid_text")
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        return [_check_strings(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {_check_strings(k, depth + 1): _check_strings(v, depth + 1) for k, v in value.items()}
    return value


def json_body(request) -> dict:
    """The request's JSON object, or a 400 saying why it is not one."""
    try:
        body = request.json
    except Exception:  # Sanic raises InvalidUsage on malformed JSON
        raise ClientError(400, "body is not valid JSON", code="invalid_json")
    if not isinstance(body, dict):
        raise ClientError(400, "body must be a JSON object", code="invalid_json")
    return _check_strings(body)


def text_arg(request, name: str, default: str | None = None, limit: int = 200) -> str | None:
    """A query-string argument as valid text of at most `limit` characters, or a 400."""
    value = request.args.get(name, default)
    if value is None:
        return None
    if len(value) > limit:
        raise ClientError(400, f"{name} is longer than {limit} characters")
    return _check_strings(value)


def whole_number(value: str, name: str, maximum: int = 2**31 - 1) -> int:
    """A non-negative whole number written in ASCII digits, at most `maximum`; else a 400."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 12:
        raise ClientError(400, f"{name} must be a whole number")
    number = int(value)
    if number > maximum:
        raise ClientError(400, f"{name} must be at most {maximum}")
    return number
