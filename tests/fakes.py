"""Stand-ins at the edge of the world, shared by the tests: a fresh PostgreSQL database, a fake Rasa."""
from __future__ import annotations

import contextlib
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, Optional
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432"


@contextlib.contextmanager
def fresh_postgres(prefix: str = "balie_test", required: bool = True) -> Iterator[str]:
    """A new database `<prefix>_<random>` on the local PostgreSQL, dropped afterwards; yields its URL.

    Without PostgreSQL the test fails (`required`, CI has it) or is skipped.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        (pytest.fail if required else pytest.skip)(f"PostgreSQL on 127.0.0.1:5432 not reachable: {type(exc).__name__}")
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class FakeRasa:
    """Rasa's HTTP API: the REST channel answers every message with one reply; tracker PUTs are recorded.

    `status` is what the tracker PUTs answer (set it to test failures).
    """

    def __init__(self, status: int = 200):
        self.requests = []
        self.status = status
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._reply(200, json.dumps([{"recipient_id": "x", "text": "Dank je."}]).encode())

            def do_PUT(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlsplit(self.path)
                fake.requests.append((url.path, parse_qs(url.query), json.loads(body or b"null")))
                self._reply(fake.status, b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def seed_citizen_turn(database_url: str, conversation_id: str, text: str, decision: str,
                      product: Optional[str] = None) -> None:
    """A conversation with one citizen message and the turn Balie recorded for it, written
    straight into the database: for tests of the review list that need a known text."""
    from datetime import datetime, timezone

    from bot.db import connect, conversations, messages
    from bot.insights import events

    engine = connect(database_url)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(conversations.insert().values(id=conversation_id, token_hash="x" * 64, created_at=now,
                                                   control="bot", last_seq=1))
        conn.execute(messages.insert().values(conversation_id=conversation_id, seq=1, sender="citizen",
                                              delivered=True, text=text, created_at=now))
    events.record(engine, "turn", conversation_id, seq=1, decision=decision, product=product, at=now)
    engine.dispose()
