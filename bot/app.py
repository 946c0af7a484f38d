"""Build the Sanic application of the bot service."""
from __future__ import annotations

from sanic import Sanic

from . import cors, errors, health, routing, web
from .cases.api import bp as cases_bp
from .cases.store import CaseStore
from .catalogue import load_catalogue
from .chat.api import bp as chat_bp
from .chat.rasa_client import RasaClient
from .chat.store import ChatStore
from .db import connect
from .desk.api import bp as desk_bp, internal as desk_internal_bp
from .desk.handovers import HandoverStore
from .desk.hub import Hub
from .desk.sessions import ClerkStore
from .settings import Settings, settings as default_settings


def create_app(settings: Settings = default_settings, name: str = "balie") -> Sanic:
    """The bot service with its database, Rasa client and routes."""
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    # Bodies larger than this are refused by Sanic with 413 before we read them.
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.ctx.settings = settings
    app.ctx.engine = connect(settings.database_url)
    app.ctx.catalogue = load_catalogue(settings.catalogue_dir)
    app.ctx.chat = ChatStore(app.ctx.engine)
    app.ctx.cases = CaseStore(app.ctx.engine, app.ctx.catalogue)
    app.ctx.clerks = ClerkStore(app.ctx.engine, settings.session_hours)
    app.ctx.handovers = HandoverStore(app.ctx.engine)
    app.ctx.hub = Hub()
    app.ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_token)
    errors.install(app)
    cors.install(app)
    for blueprint in (health.bp, routing.bp, chat_bp, cases_bp, desk_bp, desk_internal_bp, web.bp):
        app.blueprint(blueprint)
    web.install_site(app, app.ctx.catalogue)
    return app
