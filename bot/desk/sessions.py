"""Clerk accounts (argon2 password hashes) and login sessions that expire."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from ..db import clerk_sessions, clerks

# A clerk counts as available while a session was used in the last five minutes.
AVAILABLE_WINDOW = timedelta(minutes=5)
MIN_PASSWORD = 12
MAX_PASSWORD = 256
USERNAME = r"^[a-z0-9][a-z0-9._-]{1,63}$"

_hasher = PasswordHasher()


class ClerkError(ValueError):
    """A clerk account request that cannot be done; the message says why."""


@dataclass(frozen=True)
class Clerk:
    id: int
    username: str
    display_name: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class ClerkStore:
    """Clerk accounts and their sessions."""

    def __init__(self, engine: Engine, session_hours: int):
        self.engine = engine
        self.session_lifetime = timedelta(hours=session_hours)

    def add(self, username: str, password: str, display_name: Optional[str] = None) -> Clerk:
        """Create a clerk. The display name (first name) is what citizens see."""
        import re

        if not re.match(USERNAME, username or ""):
            raise ClerkError("username: 2-64 lower-case letters, digits, '.', '_' or '-'")
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise ClerkError(f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
        name = (display_name or username.split(".")[0]).strip().capitalize()
        try:
            with self.engine.begin() as conn:
                clerk_id = conn.execute(clerks.insert().values(
                    username=username, display_name=name, password_hash=_hasher.hash(password),
                    created_at=_now(),
                )).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            raise ClerkError(f"clerk '{username}' already exists")
        return Clerk(clerk_id, username, name)

    def login(self, username: str, password: str) -> tuple[Clerk, str]:
        """Check the password; returns (clerk, session token). Wrong name or password: same error."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(clerks).where(clerks.c.username == username)).first()
        try:
            if row is None:
                # Hash anyway so a wrong username takes as long as a wrong password.
                _hasher.hash(password)
                raise VerificationError()
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise ClerkError("wrong username or password")
        token = secrets.token_urlsafe(32)
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(clerk_sessions.insert().values(
                token_hash=_hash(token), clerk_id=row.id, created_at=now,
                expires_at=now + self.session_lifetime, last_seen=now,
            ))
        return Clerk(row.id, row.username, row.display_name), token

    def by_token(self, token: str, touch: bool = True) -> Optional[Clerk]:
        """The clerk of a live session (not expired, not logged out); marks it as seen."""
        if not token:
            return None
        now = _now()
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(clerk_sessions, clerks.c.username, clerks.c.display_name)
                .join(clerks, clerks.c.id == clerk_sessions.c.clerk_id)
                .where(clerk_sessions.c.token_hash == _hash(token))
            ).first()
            if row is None or row.ended_at is not None or _aware(row.expires_at) <= now:
                return None
            if touch:
                conn.execute(clerk_sessions.update().where(clerk_sessions.c.token_hash == _hash(token))
                             .values(last_seen=now))
        return Clerk(row.clerk_id, row.username, row.display_name)

    def logout(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(clerk_sessions.update().where(clerk_sessions.c.token_hash == _hash(token))
                         .values(ended_at=_now()))

    def available_count(self) -> int:
        """Clerks with a live session used in the last five minutes."""
        now = _now()
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count(sa.distinct(clerk_sessions.c.clerk_id))).where(
                    clerk_sessions.c.ended_at.is_(None),
                    clerk_sessions.c.expires_at > now,
                    clerk_sessions.c.last_seen > now - AVAILABLE_WINDOW,
                )
            ).scalar_one()
