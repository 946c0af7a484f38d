"""Custom actions of Balie, run by the rasa-sdk action server.

One module per capability: routing (who handles this), fallback, handover.
Actions own no data: they read the tracker and the catalogue and call the bot service.
"""

# The action server holds the token of the bot service's internal API: refuse to start
# with an empty, short or known default one (bot/edge/tokens.py says what to do).
from bot.edge.tokens import require_strong as _require_strong  # noqa: E402
from bot.settings import settings as _settings  # noqa: E402

_require_strong(_settings, names=("BALIE_API_TOKEN",))

if _settings.internal_url.rstrip("/").endswith(f":{_settings.port}"):
    raise SystemExit(f"BALIE_INTERNAL_URL ({_settings.internal_url}) points at the public port. The internal API "
                     f"has its own listener: use http://127.0.0.1:{_settings.internal_port} (run `make setup`).")
