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
    # medewerker, beheerder or teamleider (bot/desk/sessions.py ROLES); older rows become medewerker.
    sa.Column("role", sa.String(16), nullable=False, server_default="medewerker"),
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

# What happened in conversations, without any text (issue 13): the statistics and the review
# list are built from these rows. No foreign key on purpose: when the retention purge deletes a
# conversation's messages (bot/retention.py) its events stay, so the counts stay. Written by
# bot/insights/events.py only.
insight_events = sa.Table(
    "insight_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(36), nullable=True, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    # The calendar day in the municipality's time zone (Europe/Amsterdam): statistics per day.
    sa.Column("day", sa.Date, nullable=False, index=True),
    # conversation | turn | corrected | case | handover_requested | handover_claimed | csat
    sa.Column("kind", sa.String(24), nullable=False, index=True),
    # turn: the citizen message's seq in `messages` (its text, while retention keeps it).
    sa.Column("seq", sa.Integer, nullable=True),
    # turn: answer | clarify | fallback | organisation | safety | journey | handover | other
    # (bot/insights/outcome.py; the first five are bot/understanding.py's)
    sa.Column("decision", sa.String(16), nullable=True),
    sa.Column("intent", sa.String(64), nullable=True),
    sa.Column("product", sa.String(120), nullable=True),       # UPL name guessed or named
    sa.Column("department", sa.String(40), nullable=True),     # department named to the citizen
    sa.Column("organisation", sa.String(40), nullable=True),   # other organisation named
    sa.Column("confidence", sa.Float, nullable=True),
    sa.Column("case_type", sa.String(16), nullable=True),
    sa.Column("reason", sa.String(64), nullable=True),         # handover reason
    sa.Column("wait_seconds", sa.Float, nullable=True),        # handover_claimed: waiting time
    sa.Column("score", sa.Integer, nullable=True),             # csat: 1-5
)

# The citizens' answers to "Heeft dit je geholpen?" (bot/insights/csat.py): one per conversation.
# No foreign key, like insight_events: the purge keeps the score and clears the comment
# (bot/retention.py), because a comment is the citizen's own text.
csat_answers = sa.Table(
    "csat_answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(36), nullable=False, unique=True),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

# What the beheerder decided about a question Balie did not understand (bot/insights/review.py):
# a product, an intent or "out of scope". The text is masked (bot/privacy.py mask_personal_data)
# before it is stored, and is kept for REVIEW_RETENTION_DAYS (docs/security.md, retention).
review_assignments = sa.Table(
    "review_assignments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # The normalised text (lower case, no accents or punctuation): one decision per question.
    sa.Column("key", sa.String(500), nullable=False, unique=True),
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("product", sa.String(120), nullable=True),       # UPL name
    sa.Column("intent", sa.String(64), nullable=True),
    sa.Column("out_of_scope", sa.Boolean, nullable=False, default=False),
    sa.Column("assigned_by", sa.String(64), nullable=False),
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

# Standard replies a clerk can insert in a chat (bot/desk/canned.py), edited by a beheerder.
# Seeded once from data/desk/canned_responses.yml; a deleted one keeps its row (deleted_at), so
# a restart does not bring the seed back.
canned_responses = sa.Table(
    "canned_responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(60), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    # The seed's id for rows from the seed file: two processes starting at once seed only once.
    sa.Column("seed", sa.String(64), nullable=True, unique=True),
    sa.Column("updated_by", sa.String(64), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
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
