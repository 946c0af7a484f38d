"""Build the Sanic applications of the bot service: the public one and the internal one.

The public app (BALIE_HOST:BALIE_PORT) serves citizens, clerks and the demo site. The
internal app (BALIE_INTERNAL_HOST:BALIE_INTERNAL_PORT, 127.0.0.1 by default) serves only
`/api/internal/*` for the action server, on its own listener in the same process: the
internal API is not reachable on the public port at all, token or not.
"""
from __future__ import annotations

import logging

from sanic import Sanic

from . import edge, health, retention, routing, web
from .cases.api import bp as cases_bp, internal as cases_internal_bp
from .cases.store import CaseStore
from .catalogue import load_catalogue
from .chat.api import bp as chat_bp
from .chat.rasa_client import RasaClient
from .chat.store import ChatStore
from .db import connect
from .desk.api import bp as desk_bp, internal as desk_internal_bp
from .desk.canned import CannedStore
from .desk.canned_api import bp as canned_bp
from .desk.handovers import HandoverStore
from .desk.hub import Hub
from .desk.sessions import ClerkStore
from .insights.api import bp as insights_bp
from .insights.review_api import bp as review_bp
from .settings import Settings, settings as default_settings

log = logging.getLogger(__name__)

# Bodies larger than this are refused by Sanic with 413 before we read them.
REQUEST_MAX_SIZE = 64 * 1024


def create_app(settings: Settings = default_settings, name: str = "balie") -> Sanic:
    """The public bot service with its database, Rasa client and routes; starts the internal one."""
    if settings.internal_port == settings.port:
        raise SystemExit(f"BALIE_INTERNAL_PORT must differ from BALIE_PORT ({settings.port}): "
                         "the internal API must not be served on the public port")
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE
    app.ctx.settings = settings
    app.ctx.engine = connect(settings.database_url)
    app.ctx.catalogue = load_catalogue(settings.catalogue_dir)
    app.ctx.chat = ChatStore(app.ctx.engine)
    app.ctx.cases = CaseStore(app.ctx.engine, app.ctx.catalogue)
    app.ctx.clerks = ClerkStore(app.ctx.engine, settings.session_hours, settings.session_idle_minutes)
    app.ctx.handovers = HandoverStore(app.ctx.engine)
    # Live pushes: in-process, or across replicas through Redis pub/sub when REDIS_URL is set.
    app.ctx.hub = Hub(settings.redis_url, settings.pubsub_channel)
    # Standard replies for clerks: seeded from data/desk/ once, then edited by a beheerder.
    app.ctx.canned = CannedStore(app.ctx.engine)
    app.ctx.canned.seed()
    app.ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_token)
    edge.install(app)
    retention.install(app)
    for blueprint in (health.bp, routing.bp, chat_bp, cases_bp, desk_bp, web.bp):
        app.blueprint(blueprint)
    # Issue 13: the beheerder's review list and canned responses (roles: docs/api.md, section 3).
    for blueprint in (review_bp, canned_bp):
        app.blueprint(blueprint)
    # Issue 13: statistics for the team lead and the citizen's CSAT answer (bot/insights/api.py).
    app.blueprint(insights_bp)
    web.install_site(app, app.ctx.catalogue)

    internal = create_internal_app(app, name + "_internal")
    app.ctx.internal_app = internal

    @app.after_server_start
    async def start_internal(app_, loop):
        _prepare(internal)
        server = await internal.create_server(
            host=settings.internal_host, port=settings.internal_port, access_log=False,
            return_asyncio_server=True)
        await server.start_serving()
        app_.ctx.internal_server = server
        log.info("internal API on http://%s:%s/api/internal", settings.internal_host, settings.internal_port)

    @app.before_server_start
    async def open_connections(app_, loop):
        # Subscribed before the first request, so no push of another replica is missed.
        await app_.ctx.hub.start()
        await app_.ctx.rasa.start()

    @app.after_server_stop
    async def close_connections(app_, loop):
        await app_.ctx.hub.stop()
        await app_.ctx.rasa.close()

    @app.before_server_stop
    async def stop_internal(app_, loop):
        server = getattr(app_.ctx, "internal_server", None)
        if server is not None:
            server.close()
            await server.wait_closed()

    return app


def create_internal_app(public: Sanic, name: str) -> Sanic:
    """The internal API, sharing the public app's stores (one process, one database pool)."""
    internal = Sanic(name)
    internal.config.FALLBACK_ERROR_FORMAT = "json"
    internal.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE
    internal.ctx = public.ctx
    edge.install_internal(internal)
    internal.blueprint(cases_internal_bp)
    internal.blueprint(desk_internal_bp)
    return internal


def _prepare(app: Sanic) -> None:
    """Sanic's start-up of a second app in the same process, without its "touchup".

    Sanic 21.12 rewrites methods of the Sanic class itself at start-up (TouchUp); the public
    app already did that, and doing it again fails (KeyError: '_run_request_middleware').
    """
    from sanic.handlers import ErrorHandler

    app.signalize()
    app.finalize()
    ErrorHandler.finalize(app.error_handler, config=app.config)
    app.state.is_started = True
