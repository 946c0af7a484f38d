"""Pages: the demo municipal page with the widget, the clerk console, static assets."""
from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import file, redirect

STATIC = Path(__file__).resolve().parent / "static"

bp = Blueprint("web")
bp.static("/static", str(STATIC), name="static")


@bp.get("/")
async def demo_page(request: Request):
    """Demo home page of Gemeente Voorbeeld with the chat widget on it."""
    return await file(STATIC / "demo" / "index.html")


@bp.get("/privacy")
async def privacy_page(request: Request):
    """Privacy statement of the chat (example text of the fictional municipality)."""
    return await file(STATIC / "demo" / "privacy.html")


@bp.get("/desk")
async def desk_page(request: Request):
    """The clerk console."""
    return await file(STATIC / "desk" / "index.html")


@bp.get("/favicon.ico")
async def favicon(request: Request):
    return redirect("/static/demo/favicon.svg")
