"""Client errors, translated once into a JSON 4xx/5xx body with a reason."""
from __future__ import annotations

from sanic import Sanic
from sanic.exceptions import InvalidUsage, MethodNotSupported, NotFound, PayloadTooLarge
from sanic.response import json


class ClientError(Exception):
    """A request the service refuses, with an HTTP status and a reason for the client."""

    def __init__(self, status: int, reason: str, message_nl: str | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.message_nl = message_nl


def install(app: Sanic) -> None:
    """Register the handlers that turn errors into JSON bodies."""

    @app.exception(ClientError)
    async def client_error(request, exc: ClientError):
        body = {"error": exc.reason}
        if exc.message_nl:
            body["message"] = exc.message_nl
        return json(body, status=exc.status)

    @app.exception(NotFound)
    async def not_found(request, exc):
        return json({"error": "not found"}, status=404)

    @app.exception(MethodNotSupported)
    async def method(request, exc):
        return json({"error": "method not allowed"}, status=405)

    @app.exception(PayloadTooLarge)
    async def too_large(request, exc):
        limit = request.app.config.REQUEST_MAX_SIZE
        return json({"error": f"request body larger than {limit} bytes",
                     "message": "Je bericht is te groot om te versturen."}, status=413)

    @app.exception(InvalidUsage)
    async def invalid(request, exc):
        return json({"error": str(exc) or "invalid request"}, status=400)


def json_body(request) -> dict:
    """The request's JSON object, or a 400 saying why it is not one."""
    try:
        body = request.json
    except Exception:  # Sanic raises InvalidUsage on malformed JSON
        raise ClientError(400, "body is not valid JSON")
    if not isinstance(body, dict):
        raise ClientError(400, "body must be a JSON object")
    return body
