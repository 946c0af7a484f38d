"""All settings of Balie, read once from the environment and `.env`.

Every variable is documented with its default in `.env.example`. Nothing else in the
code base reads `os.environ` for configuration.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent

# override=False: a variable set in the real environment (CI, systemd) wins over .env.
load_dotenv(ROOT / ".env", override=False)


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "ja", "on"}


@dataclass(frozen=True)
class Settings:
    """Runtime settings of all Balie processes."""

    municipality: str
    host: str
    port: int
    public_url: str
    public_url_internal: str
    database_url: str
    rasa_url: str
    rasa_token: str
    actions_url: str
    bot_api_token: str
    catalogue_dir: Path
    always_open: bool
    session_hours: int
    max_message_chars: int
    redis_url: str
    privacy_url: str
    allowed_origins: tuple


def _path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else ROOT / path


def _database_url(value: str) -> str:
    # A relative SQLite path is relative to the project, not to the working directory.
    prefix = "sqlite:///"
    if value.startswith(prefix) and not value.startswith(prefix + "/") and ":memory:" not in value:
        return prefix + str(ROOT / value[len(prefix):])
    return value


def load() -> Settings:
    """Read the settings from the environment (after `.env` was loaded)."""
    env = os.environ.get
    port = int(env("BALIE_PORT", "8000"))
    host = env("BALIE_HOST", "127.0.0.1")
    return Settings(
        municipality=env("BALIE_MUNICIPALITY", "Gemeente Voorbeeld"),
        host=host,
        port=port,
        public_url=env("BALIE_PUBLIC_URL", f"http://{host}:{port}").rstrip("/"),
        # How the action server reaches the bot service (not through the public proxy).
        public_url_internal=env("BALIE_INTERNAL_URL", f"http://127.0.0.1:{port}").rstrip("/"),
        database_url=_database_url(env("DATABASE_URL", "sqlite:///var/balie.db")),
        rasa_url=env("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_token=env("RASA_TOKEN", "change-me-rasa-token"),
        actions_url=env("ACTIONS_URL", "http://127.0.0.1:5055").rstrip("/"),
        bot_api_token=env("BALIE_API_TOKEN", "change-me-actions-token"),
        catalogue_dir=_path(env("BALIE_CATALOGUE_DIR", "data/catalogue")),
        always_open=_bool(env("BALIE_ALWAYS_OPEN", "false")),
        session_hours=int(env("BALIE_SESSION_HOURS", "8")),
        max_message_chars=int(env("BALIE_MAX_MESSAGE_CHARS", "1000")),
        redis_url=env("REDIS_URL", ""),
        privacy_url=env("BALIE_PRIVACY_URL", "/privacy"),
        allowed_origins=tuple(o.strip().rstrip("/") for o in env("BALIE_ALLOWED_ORIGINS", "").split(",") if o.strip()),
    )


settings = load()
