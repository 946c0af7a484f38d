"""GET /health: is every part of Balie reachable?"""
from __future__ import annotations

import asyncio

import aiohttp
from sanic import Blueprint, Request
from sanic.response import json

from .db import ping

bp = Blueprint("health")


async def _actions_ok(url: str) -> bool:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
            async with session.get(f"{url}/health") as resp:
                return resp.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False


@bp.get("/health")
async def health(request: Request):
    """200 when Rasa (with a model), the action server and the database answer; else 503."""
    ctx = request.app.ctx
    rasa_ok, actions_ok = await asyncio.gather(
        ctx.rasa.ready(), _actions_ok(ctx.settings.actions_url)
    )
    database_ok = await asyncio.get_running_loop().run_in_executor(None, ping, ctx.engine)
    parts = {"rasa": rasa_ok, "actions": actions_ok, "database": database_ok}
    body = {name: "ok" if ok else "down" for name, ok in parts.items()}
    healthy = all(parts.values())
    body = {"status": "ok" if healthy else "down", **body}
    if not healthy:
        body["down"] = [name for name, ok in parts.items() if not ok]
    return json(body, status=200 if healthy else 503)
