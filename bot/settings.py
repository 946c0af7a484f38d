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
    internal_url: str
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
    # The internal API (action server → bot service) has its own listener, never the public port.
    internal_host: str = "127.0.0.1"
    internal_port: int = 8001
    # Addresses of reverse proxies whose X-Forwarded-For is believed (IPs or CIDR ranges).
    trusted_proxies: tuple = ()
    rate_limits: bool = True
    limit_conversations_per_hour: int = 30
    limit_messages_per_minute: int = 20
    limit_route_per_minute: int = 60
    # Clerk logins: free attempts, then an exponential delay, then a lockout.
    login_free_attempts: int = 3
    login_lockout_after: int = 10
    login_lockout_minutes: int = 15
    hash_workers: int = 2
    hash_queue: int = 8
    session_idle_minutes: int = 30
    # Case status lookups: wrong answers allowed per case number and per conversation (24 hours).
    status_attempts_per_case: int = 5
    status_attempts_per_conversation: int = 5
    # Retention (AVG): conversations, messages, handovers and ended sessions; the audit log.
    retention_days: int = 30
    audit_retention_days: int = 365
    purge_interval_minutes: int = 60
    # Scale-out (docs/deploy.md): Rasa's SQL tracker store and Redis lock store (empty: in memory),
    # and the Redis pub/sub channel prefix the bot-service replicas of one installation share.
    rasa_tracker_store_url: str = ""
    rasa_lock_store_url: str = ""
    pubsub_channel: str = "balie"


def _list(value: str, clean=lambda item: item) -> tuple:
    """A comma-separated setting as a tuple of non-empty, stripped items."""
    return tuple(clean(item.strip()) for item in value.split(",") if item.strip())


def _positive(env, name: str, default: int) -> int:
    """A whole-number setting of at least 1; a wrong value stops the service with the variable's name."""
    raw = env(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r} (see .env.example)")
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, not {value} (see .env.example)")
    return value


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
    internal_port = int(env("BALIE_INTERNAL_PORT", "8001"))
    return Settings(
        municipality=env("BALIE_MUNICIPALITY", "Gemeente Voorbeeld"),
        host=host,
        port=port,
        public_url=env("BALIE_PUBLIC_URL", f"http://{host}:{port}").rstrip("/"),
        # How the action server reaches the bot service (not through the public proxy).
        internal_url=env("BALIE_INTERNAL_URL", f"http://127.0.0.1:{internal_port}").rstrip("/"),
        database_url=_database_url(env("DATABASE_URL", "sqlite:///var/balie.db")),
        rasa_url=env("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_token=env("RASA_TOKEN", ""),
        actions_url=env("ACTIONS_URL", "http://127.0.0.1:5055").rstrip("/"),
        bot_api_token=env("BALIE_API_TOKEN", ""),
        catalogue_dir=_path(env("BALIE_CATALOGUE_DIR", "data/catalogue")),
        always_open=_bool(env("BALIE_ALWAYS_OPEN", "false")),
        session_hours=int(env("BALIE_SESSION_HOURS", "8")),
        max_message_chars=int(env("BALIE_MAX_MESSAGE_CHARS", "1000")),
        redis_url=env("REDIS_URL", ""),
        privacy_url=env("BALIE_PRIVACY_URL", "/privacy"),
        allowed_origins=_list(env("BALIE_ALLOWED_ORIGINS", ""), lambda o: o.rstrip("/")),
        internal_host=env("BALIE_INTERNAL_HOST", "127.0.0.1"),
        internal_port=internal_port,
        trusted_proxies=_list(env("BALIE_TRUSTED_PROXIES", "")),
        rate_limits=_bool(env("BALIE_RATE_LIMITS", "on")),
        limit_conversations_per_hour=_positive(env, "BALIE_LIMIT_CONVERSATIONS_PER_HOUR", 30),
        limit_messages_per_minute=_positive(env, "BALIE_LIMIT_MESSAGES_PER_MINUTE", 20),
        limit_route_per_minute=_positive(env, "BALIE_LIMIT_ROUTE_PER_MINUTE", 60),
        login_free_attempts=_positive(env, "BALIE_LOGIN_FREE_ATTEMPTS", 3),
        login_lockout_after=_positive(env, "BALIE_LOGIN_LOCKOUT_AFTER", 10),
        login_lockout_minutes=_positive(env, "BALIE_LOGIN_LOCKOUT_MINUTES", 15),
        hash_workers=_positive(env, "BALIE_HASH_WORKERS", 2),
        hash_queue=_positive(env, "BALIE_HASH_QUEUE", 8),
        session_idle_minutes=_positive(env, "BALIE_SESSION_IDLE_MINUTES", 30),
        status_attempts_per_case=_positive(env, "BALIE_STATUS_ATTEMPTS_PER_CASE", 5),
        status_attempts_per_conversation=_positive(env, "BALIE_STATUS_ATTEMPTS_PER_CONVERSATION", 5),
        retention_days=_positive(env, "BALIE_RETENTION_DAYS", 30),
        audit_retention_days=_positive(env, "BALIE_AUDIT_RETENTION_DAYS", 365),
        purge_interval_minutes=_positive(env, "BALIE_PURGE_INTERVAL_MINUTES", 60),
        rasa_tracker_store_url=env("RASA_TRACKER_STORE_URL", ""),
        rasa_lock_store_url=env("RASA_LOCK_STORE_URL", ""),
        pubsub_channel=env("BALIE_PUBSUB_CHANNEL", "") or "balie",
    )


settings = load()
