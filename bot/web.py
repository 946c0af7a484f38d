"""Pages: the demo municipal site with the widget, the clerk console, static assets."""
from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, Request, Sanic
from sanic.response import file, html, redirect

from .catalogue import Catalogue
from .site.pages import render_site

STATIC = Path(__file__).resolve().parent / "static"

bp = Blueprint("web")
bp.static("/static", str(STATIC), name="static")


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


def install_site(app: Sanic, catalogue: Catalogue) -> None:
    """The demo site: home page and a page per department and product (bot/site/)."""
    for path, page in render_site(catalogue).items():
        async def serve(request: Request, page: str = page):
            return html(page)
        app.add_route(serve, path, methods=["GET"], name="site" + path.replace("/", "_").replace("-", "_"))
