"""Login throttling per account and per client address, and the bounded pool that hashes passwords.

Guessing passwords must be slow for an attacker and cheap for the service (OWASP ASVS 2.2.1,
NIST SP 800-63B 5.2.2 "rate limiting"): a key (the username as typed, and the client address)
gets `free_attempts` failures, then waits 1 s, 2 s, 4 s … after each further failure, and is
locked for `lockout` after `lockout_after` consecutive failures. A refused attempt is answered
before any password is hashed. The counters live in the database (table `login_throttle`), so
they hold across restarts and replicas.

Each argon2 hash takes 64 MiB and tens of milliseconds, so hashing runs on a small dedicated
thread pool; when too many logins wait for it, a new one is refused at once (503) instead of
queueing without bound.
"""
from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import login_throttle

# The longest wait between two attempts before the lockout (the doubling stops here).
MAX_DELAY = timedelta(minutes=5)
# A key without a failure for this long starts again with its free attempts.
FORGET_AFTER = timedelta(hours=24)
# One IPv6 client usually holds a whole /64: its addresses share one key.
IPV6_PREFIX = 64
# What a login refused for a full hashing pool is told to wait.
BUSY_RETRY_AFTER = 2
# How often stale keys (no failure for FORGET_AFTER) are deleted, so sprayed usernames do not pile up.
SWEEP_EVERY = timedelta(hours=1)
# Tries of the read-then-write of a key when another replica inserted it at the same moment.
_WRITE_TRIES = 3


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: Optional[datetime]) -> Optional[datetime]:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def account_key(username: str) -> str:
    """The throttle key of a username as typed (known or not: both are throttled alike)."""
    return "account:" + hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()


def address_key(address: str) -> str:
    """The throttle key of a client address; an IPv6 address counts as its /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "address:" + address[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
            return "address:" + str(ip.ipv4_mapped)
        return "address:" + str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return "address:" + str(ip)


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free, when the delay starts doubling and when a key is locked."""

    free_attempts: int
    lockout_after: int
    lockout: timedelta
    max_delay: timedelta = MAX_DELAY
    forget_after: timedelta = FORGET_AFTER

    @classmethod
    def from_settings(cls, settings) -> "ThrottlePolicy":
        """BALIE_LOGIN_FREE_ATTEMPTS, BALIE_LOGIN_LOCKOUT_AFTER, BALIE_LOGIN_LOCKOUT_MINUTES."""
        return cls(settings.login_free_attempts, settings.login_lockout_after,
                   timedelta(minutes=settings.login_lockout_minutes))

    def allowed_at(self, failures: int, last_failure: datetime) -> tuple[datetime, bool]:
        """When the next attempt of a key with `failures` may be made, and whether that is a lockout."""
        if failures >= self.lockout_after:
            return last_failure + self.lockout, True
        if failures < self.free_attempts:
            return last_failure, False
        doubling = failures - self.free_attempts
        # 2**doubling seconds, computed without overflow for large settings.
        delay = self.max_delay if doubling >= 32 else min(timedelta(seconds=2 ** doubling), self.max_delay)
        return last_failure + min(delay, self.lockout), False


class LoginThrottled(Exception):
    """An attempt made too soon after failures (or during a lockout): refused unhashed.

    `first` is true for the first refusal since the key's last failure: only that one is
    written to the audit log, so a flood of refused requests does not flood the log.
    """

    def __init__(self, retry_after: int, locked: bool, first: bool):
        super().__init__("locked" if locked else "too many failed logins")
        self.retry_after = retry_after
        self.locked = locked
        self.first = first


class LoginThrottle:
    """Failed-login counters per key, in the database."""

    def __init__(self, engine: Engine, policy: ThrottlePolicy, now: Callable[[], datetime] = _now):
        self.engine = engine
        self.policy = policy
        self.now = now
        self._swept_at: Optional[datetime] = None

    def begin(self, keys: Iterable[str]) -> None:
        """Refuse the attempt while any key must wait; else count it as a failure until it succeeds.

        Counting before the password is checked means parallel guesses cannot all slip through
        before the first one has failed; `succeeded` takes the count back.
        """
        keys = sorted(set(keys))
        now = self.now()
        if self._swept_at is None or now - self._swept_at >= SWEEP_EVERY:
            self._swept_at = now
            self.forget_stale(now - self.policy.forget_after)
        for attempt in range(_WRITE_TRIES):
            try:
                return self._begin(keys)
            except sa.exc.IntegrityError:
                if attempt == _WRITE_TRIES - 1:
                    raise

    def _begin(self, keys: list) -> None:
        now = self.now()
        refused: Optional[LoginThrottled] = None
        with self.engine.begin() as conn:
            rows = {row.key: row for row in conn.execute(
                sa.select(login_throttle).where(login_throttle.c.key.in_(keys)).with_for_update())}
            refusals = []
            for key, row in rows.items():
                last = _aware(row.last_failure_at)
                if now - last >= self.policy.forget_after:
                    continue
                allowed_at, locked = self.policy.allowed_at(row.failures, last)
                if allowed_at > now:
                    logged = _aware(row.last_refusal_logged_at)
                    refusals.append((key, allowed_at, locked, logged is None or logged < last))
            if refusals:
                first = [key for key, _, _, is_first in refusals if is_first]
                if first:
                    conn.execute(login_throttle.update().where(login_throttle.c.key.in_(first))
                                 .values(last_refusal_logged_at=now))
                until = max(at for _, at, _, _ in refusals)
                # Raised after the transaction, which keeps the "logged" mark.
                refused = LoginThrottled(max(1, math.ceil((until - now).total_seconds())),
                                         any(locked for _, _, locked, _ in refusals), bool(first))
            for key in ([] if refused else keys):
                row = rows.get(key)
                if row is None:
                    conn.execute(login_throttle.insert().values(key=key, failures=1, last_failure_at=now))
                else:
                    forgotten = now - _aware(row.last_failure_at) >= self.policy.forget_after
                    conn.execute(login_throttle.update().where(login_throttle.c.key == key).values(
                        failures=1 if forgotten else login_throttle.c.failures + 1, last_failure_at=now))
        if refused is not None:
            raise refused

    def forget_stale(self, before: datetime) -> int:
        """Delete keys whose last failure is before `before` (they count as forgotten anyway)."""
        with self.engine.begin() as conn:
            return conn.execute(login_throttle.delete().where(login_throttle.c.last_failure_at < before)).rowcount

    def succeeded(self, keys: Iterable[str]) -> None:
        """A successful login: its keys start afresh (a consecutive run of failures has ended).

        The address key too: the clerks of a town hall share one address behind its NAT, and
        their occasional typos must not add up to a lockout of the whole office. A guesser who
        can log in from that address is still held by the account key of every other clerk.
        """
        self.clear(keys)

    def clear(self, keys: Iterable[str]) -> None:
        """Forget the failures of these keys (after a login, or a password reset by a maintainer)."""
        with self.engine.begin() as conn:
            conn.execute(login_throttle.delete().where(login_throttle.c.key.in_(list(keys))))


class PoolBusy(Exception):
    """More logins wait for the hashing pool than it may queue."""

    retry_after = BUSY_RETRY_AFTER


class HashPool:
    """A dedicated thread pool for argon2, with a bound on how many logins may wait for it.

    The counter is only touched on the event loop's thread, so it needs no lock.
    """

    def __init__(self, workers: int, queue: int):
        self.workers = workers
        self.capacity = workers + queue
        self.in_flight = 0
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a place (hashing or waiting) for one login, or raise PoolBusy at once."""
        if self.in_flight >= self.capacity:
            raise PoolBusy()
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1

    async def run(self, function, *args):
        """Run `function(*args)` on the pool's threads."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def shutdown(self) -> None:
        """Stop the threads (for tests and a clean stop)."""
        self._executor.shutdown(wait=False)


@dataclass(frozen=True)
class LoginGuard:
    """What stands before the password check: the throttle and the hashing pool."""

    throttle: LoginThrottle
    pool: HashPool


def login_guard(app) -> LoginGuard:
    """The app's login guard, built from its settings on first use."""
    guard = getattr(app.ctx, "login_guard", None)
    if guard is None:
        settings = app.ctx.settings
        guard = LoginGuard(LoginThrottle(app.ctx.engine, ThrottlePolicy.from_settings(settings)),
                           HashPool(settings.hash_workers, settings.hash_queue))
        app.ctx.login_guard = guard
    return guard
