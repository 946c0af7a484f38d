"""Clerk accounts (argon2 password hashes) and login sessions.

A session ends at logout, after `session_hours` (absolute), or after `idle_minutes` without
anything the clerk did (idle timeout): whichever comes first. BIO (Baseline Informatiebeveiliging
Overheid) 9.4.2 and OWASP ASVS 3.3 ask for both: an unattended console must not stay open
for a whole working day.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, List, Optional

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
_dummy_hash: Optional[str] = None


class ClerkError(ValueError):
    """A clerk account request that cannot be done; the message says why."""


class ClerkNotFound(ClerkError):
    """No clerk has this username (maintenance commands only: a login never says so)."""


class LoginFailed(ClerkError):
    """Wrong username, wrong password or a disabled account: one answer for all three.

    `reason` (unknown_user, wrong_password, disabled) is for the audit log, never for the client.
    """

    def __init__(self, reason: str):
        super().__init__("wrong username or password")
        self.reason = reason


# What an account may do in the console (issue 13). The server checks the role on every
# request (bot/edge/auth.py `require_role`); the console only hides what a role cannot use.
CLERK = "medewerker"        # takes handovers and chats with citizens
MAINTAINER = "beheerder"    # functioneel beheerder: reviews what Balie did not understand, canned replies
LEAD = "teamleider"         # KCC team lead: statistics
ROLES = (CLERK, MAINTAINER, LEAD)


@dataclass(frozen=True)
class Clerk:
    """A clerk as the console and the handovers know them."""

    id: int
    username: str
    display_name: str
    role: str = CLERK


@dataclass(frozen=True)
class ClerkAccount:
    """A clerk account as a maintainer sees it (`python -m bot clerk list`)."""

    id: int
    username: str
    display_name: str
    created_at: datetime
    disabled_at: Optional[datetime]
    live_sessions: int
    last_login_at: Optional[datetime]
    role: str = CLERK


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: Optional[datetime]) -> Optional[datetime]:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _dummy() -> str:
    """A hash no password matches: an unknown username is verified against it, so it takes as long."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(32))
    return _dummy_hash


def check_password(password: str) -> None:
    """A new password must be MIN_PASSWORD to MAX_PASSWORD characters (NIST SP 800-63B 5.1.1)."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ClerkError(f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def _default_idle_minutes() -> int:
    from ..settings import settings

    return settings.session_idle_minutes


class ClerkStore:
    """Clerk accounts and their sessions."""

    def __init__(self, engine: Engine, session_hours: int, idle_minutes: Optional[int] = None,
                 now: Callable[[], datetime] = _now):
        self.engine = engine
        self.session_lifetime = timedelta(hours=session_hours)
        self.idle_timeout = timedelta(minutes=idle_minutes if idle_minutes is not None else _default_idle_minutes())
        self.now = now

    # ---------- accounts ----------

    def add(self, username: str, password: str, display_name: Optional[str] = None,
            role: str = CLERK) -> Clerk:
        """Create a clerk. The display name (first name) is what citizens see."""
        if not re.match(USERNAME, username or ""):
            raise ClerkError("username: 2-64 lower-case letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise ClerkError(f"role: one of {', '.join(ROLES)}")
        check_password(password)
        name = (display_name or username.split(".")[0]).strip().capitalize()
        try:
            with self.engine.begin() as conn:
                clerk_id = conn.execute(clerks.insert().values(
                    username=username, display_name=name, password_hash=_hasher.hash(password),
                    created_at=self.now(), role=role,
                )).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            raise ClerkError(f"clerk '{username}' already exists")
        return Clerk(clerk_id, username, name, role)

    def get(self, username: str) -> Clerk:
        """The clerk with this username, or ClerkNotFound."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(clerks).where(clerks.c.username == username)).first()
        if row is None:
            raise ClerkNotFound(f"no clerk '{username}'")
        return Clerk(row.id, row.username, row.display_name, row.role or CLERK)

    def accounts(self) -> List[ClerkAccount]:
        """All clerks by username, with their number of live sessions."""
        now = self.now()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(clerks).order_by(clerks.c.username)).all()
            sessions = conn.execute(sa.select(clerk_sessions).where(
                clerk_sessions.c.ended_at.is_(None), clerk_sessions.c.expires_at > now)).all()
        live: dict = {}
        for session in sessions:
            if self._is_live(session, now):
                live[session.clerk_id] = live.get(session.clerk_id, 0) + 1
        return [ClerkAccount(row.id, row.username, row.display_name, _aware(row.created_at),
                             _aware(row.disabled_at), live.get(row.id, 0), _aware(row.last_login_at),
                             row.role or CLERK)
                for row in rows]

    def disable(self, username: str) -> int:
        """The clerk can no longer log in; their sessions end. Returns how many were live."""
        clerk = self.get(username)
        with self.engine.begin() as conn:
            conn.execute(clerks.update().where(clerks.c.id == clerk.id, clerks.c.disabled_at.is_(None))
                         .values(disabled_at=self.now()))
        return self.end_sessions(username)

    def set_role(self, username: str, role: str) -> None:
        """Give an account another role; it applies from the account's next request."""
        if role not in ROLES:
            raise ClerkError(f"role: one of {', '.join(ROLES)}")
        clerk = self.get(username)
        with self.engine.begin() as conn:
            conn.execute(clerks.update().where(clerks.c.id == clerk.id).values(role=role))

    def enable(self, username: str) -> None:
        """A disabled clerk may log in again."""
        clerk = self.get(username)
        with self.engine.begin() as conn:
            conn.execute(clerks.update().where(clerks.c.id == clerk.id).values(disabled_at=None))

    def set_password(self, username: str, password: str) -> int:
        """A new password; the clerk's sessions end. Returns how many were live."""
        check_password(password)
        clerk = self.get(username)
        with self.engine.begin() as conn:
            conn.execute(clerks.update().where(clerks.c.id == clerk.id)
                         .values(password_hash=_hasher.hash(password)))
        return self.end_sessions(username)

    # ---------- logging in ----------

    def verify(self, username: str, password: str) -> Clerk:
        """The clerk whose password this is, or LoginFailed. Takes as long for every kind of failure.

        CPU- and memory-heavy (argon2): call it on the hashing pool, not the event loop.
        """
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(clerks).where(clerks.c.username == username)).first()
        try:
            _hasher.verify(_dummy() if row is None else row.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise LoginFailed("unknown_user" if row is None else "wrong_password")
        if row is None:  # pragma: no cover - nobody knows the dummy's password
            raise LoginFailed("unknown_user")
        if row.disabled_at is not None:
            raise LoginFailed("disabled")
        return Clerk(row.id, row.username, row.display_name, row.role or CLERK)

    def start_session(self, clerk: Clerk) -> str:
        """A new session for a verified clerk; returns its token (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = self.now()
        with self.engine.begin() as conn:
            conn.execute(clerk_sessions.insert().values(
                token_hash=_hash(token), clerk_id=clerk.id, created_at=now,
                expires_at=now + self.session_lifetime, last_seen=now, last_active=now,
            ))
            conn.execute(clerks.update().where(clerks.c.id == clerk.id).values(last_login_at=now))
        return token

    def login(self, username: str, password: str) -> tuple[Clerk, str]:
        """Check the password; returns (clerk, session token). Wrong name or password: same error."""
        clerk = self.verify(username, password)
        return clerk, self.start_session(clerk)

    # ---------- sessions ----------

    def _is_live(self, row, now: datetime) -> bool:
        """Not logged out, not past its absolute lifetime, not idle too long."""
        if row.ended_at is not None or _aware(row.expires_at) <= now:
            return False
        active = _aware(row.last_active) or _aware(row.last_seen)
        return now - active < self.idle_timeout

    def _session(self, token: str, touch: bool, active: bool) -> Optional[Clerk]:
        if not token:
            return None
        now = self.now()
        token_hash = _hash(token)
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(clerk_sessions, clerks.c.username, clerks.c.display_name, clerks.c.disabled_at,
                          clerks.c.role)
                .join(clerks, clerks.c.id == clerk_sessions.c.clerk_id)
                .where(clerk_sessions.c.token_hash == token_hash)
            ).first()
            if row is None or row.disabled_at is not None or not self._is_live(row, now):
                return None
            if touch:
                values = {"last_seen": now, "last_active": now} if active else {"last_seen": now}
                conn.execute(clerk_sessions.update().where(clerk_sessions.c.token_hash == token_hash)
                             .values(**values))
        return Clerk(row.clerk_id, row.username, row.display_name, row.role or CLERK)

    def by_token(self, token: str, touch: bool = True, active: Optional[bool] = None) -> Optional[Clerk]:
        """The clerk of a live session. `touch`: mark it seen; `active` (default: touch): the clerk's doing."""
        return self._session(token, touch, active=touch if active is None else active)

    def heartbeat(self, token: str, active: bool) -> Optional[Clerk]:
        """A console heartbeat: the clerk is seen (available); active only when they did something."""
        return self._session(token, touch=True, active=active)

    def logout(self, token: str) -> None:
        """End one session."""
        with self.engine.begin() as conn:
            conn.execute(clerk_sessions.update().where(clerk_sessions.c.token_hash == _hash(token))
                         .values(ended_at=self.now()))

    def end_sessions(self, username: Optional[str] = None) -> int:
        """End the sessions of one clerk, or of all clerks; returns how many were live."""
        now = self.now()
        query = sa.select(clerk_sessions).where(clerk_sessions.c.ended_at.is_(None), clerk_sessions.c.expires_at > now)
        if username is not None:
            query = query.where(clerk_sessions.c.clerk_id == self.get(username).id)
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            if rows:
                conn.execute(clerk_sessions.update()
                             .where(clerk_sessions.c.token_hash.in_([row.token_hash for row in rows]))
                             .values(ended_at=now))
        return sum(1 for row in rows if self._is_live(row, now))

    def available_count(self) -> int:
        """Clerks with a live session used in the last five minutes."""
        now = self.now()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(clerk_sessions).where(
                    clerk_sessions.c.ended_at.is_(None),
                    clerk_sessions.c.expires_at > now,
                    clerk_sessions.c.last_seen > now - AVAILABLE_WINDOW,
                )
            ).all()
        return len({row.clerk_id for row in rows if self._is_live(row, now)})
