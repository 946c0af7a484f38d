"""The bot service's database: SQLite by default, PostgreSQL when DATABASE_URL says so.

SQLAlchemy Core tables; the schema is created on start (`create_all` is idempotent).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    # SHA-256 of the citizen's bearer token: a leaked database does not leak tokens.
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Who answers the citizen: bot, waiting (handover requested), clerk, closed.
    sa.Column("control", sa.String(16), nullable=False, default="bot"),
    sa.Column("last_seq", sa.Integer, nullable=False, default=0),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("sender", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("buttons", sa.JSON, nullable=True),
    # Extra facts shown with a message, e.g. {"clerk_name": "Sanne"}.
    sa.Column("meta", sa.JSON, nullable=True),
    # The widget's own id for a message: a resend after a network error is not stored twice.
    sa.Column("client_id", sa.String(64), nullable=True),
    # False until Rasa has answered this citizen message; a retry forwards it again.
    sa.Column("delivered", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("conversation_id", "seq", name="uq_message_seq"),
    sa.UniqueConstraint("conversation_id", "client_id", name="uq_message_client_id"),
)


cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # Z-<year>-<six digits>, unique; see bot/cases/store.py for how it is drawn.
    sa.Column("number", sa.String(16), nullable=False, unique=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("upl_name", sa.String(120), nullable=True),
    sa.Column("department", sa.String(40), nullable=False),
    sa.Column("handling_term_days", sa.Integer, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("conversation_id", sa.String(36), nullable=True, index=True),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("contact_email", sa.String(254), nullable=True),
    sa.Column("contact_phone", sa.String(32), nullable=True),
    sa.Column("contact_postcode", sa.String(8), nullable=True),
    # Sent by the caller; a retry with the same key returns the same case.
    sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    # SHA-256 of the lookup code shown once at confirmation (why not in clear: bot/cases/store.py).
    # Empty for cases opened before lookup codes existed: those verify by e-mail or phone only.
    sa.Column("lookup_code_hash", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Failed case status lookups of the last 24 hours (bot/cases/store.py): counted per case number
# and per conversation, so the limits hold across restarts. Unknown numbers are recorded too.
# (Databases from before random case numbers still hold a `case_counters` table; it is unused.)
case_lookup_attempts = sa.Table(
    "case_lookup_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_number", sa.String(16), nullable=False, index=True),
    sa.Column("conversation_id", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

clerks = sa.Table(
    "clerks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Set by `python -m bot clerk disable`: the account cannot log in until enabled again.
    sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
)

clerk_sessions = sa.Table(
    "clerk_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("clerk_id", sa.Integer, sa.ForeignKey("clerks.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    # Last request or console heartbeat: a clerk counts as available for 5 minutes after.
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    # Last thing the clerk did (a request, or input reported by the heartbeat): the idle clock.
    # NULL in sessions from before this column: those count from last_seen.
    sa.Column("last_active", sa.DateTime(timezone=True), nullable=True),
)

# Failed logins per key ("account:<sha256 of the username>" or "address:<client address>"),
# in the database so the throttle holds across restarts and replicas (bot/desk/throttle.py).
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False, index=True),
    # The last refused attempt that was written to the audit log: one row per wait, not per request.
    sa.Column("last_refusal_logged_at", sa.DateTime(timezone=True), nullable=True),
)

# Who logged in (or tried), who opened which transcript, what maintainers changed
# (bot/desk/audit.py). Never passwords or message text. No foreign keys: the log outlives
# the conversations and handovers it names (their retention is shorter).
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("clerk_id", sa.Integer, nullable=True),
    # As typed at the login, truncated: also what an unknown username looked like.
    sa.Column("username", sa.String(64), nullable=True),
    sa.Column("client_address", sa.String(64), nullable=True),
    sa.Column("handover_id", sa.Integer, nullable=True),
    sa.Column("conversation_id", sa.String(36), nullable=True),
    sa.Column("detail", sa.String(64), nullable=True),
)

handovers = sa.Table(
    "handovers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),  # waiting, active, closed
    sa.Column("queue", sa.String(40), nullable=False),   # department id
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("upl_name", sa.String(120), nullable=True),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),
    sa.Column("clerk_id", sa.Integer, sa.ForeignKey("clerks.id"), nullable=True),
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
)


def connect(url: str) -> Engine:
    """Create the engine and make sure the schema exists."""
    # hide_parameters: a driver error (IntegrityError, DataError ...) never carries the statement's
    # parameters (citizen text, e-mail, phone) into its message, a log or a traceback. PostgreSQL's
    # own DETAIL line still names the key of a unique or foreign-key violation, so error messages
    # are never logged either (bot/edge/errors.py logs the type only).
    options = {"future": True, "pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        from pathlib import Path

        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # SQLite: one writer at a time; wait instead of failing under concurrent writes.
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    engine = sa.create_engine(url, **options)
    if url.startswith("sqlite"):
        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    metadata.create_all(engine)
    add_missing_columns(engine)
    return engine


def add_missing_columns(engine: Engine) -> None:
    """Add columns that newer code declares to tables an older version created.

    `create_all` creates missing tables, not missing columns. Every column added after a
    table first shipped must be nullable or have a server default, so this is enough
    (no data is rewritten); anything bigger needs a real migration.
    """
    inspector = sa.inspect(engine)
    existing_tables = set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in existing_tables:
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            default = ""
            if column.server_default is not None:
                default = f" DEFAULT {column.server_default.arg}"
            with engine.begin() as conn:
                conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}{default}'))


def ping(engine: Engine) -> bool:
    """Whether the database answers."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
