"""Rate limits per client address and per conversation: 429, Retry-After, a Dutch message.

Token buckets in memory: each key may spend `limit` requests at once and gets them back
evenly over `period` seconds. The buckets are per process; with several bot-service
replicas each has its own (docs/security.md). BALIE_RATE_LIMITS=off switches all of
them off, for benchmarks and load tests from one address.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Dict, Tuple

from .errors import ClientError

# Keys kept at most; above this, full (idle) buckets are dropped first. Bounds memory
# under a flood of new addresses: 100,000 keys take about 20 MB.
MAX_KEYS = 100_000

MESSAGES_NL = {
    "conversations": "Je hebt heel veel gesprekken tegelijk gestart. Wacht even en probeer het dan opnieuw.",
    "messages": "Je stuurt veel berichten snel achter elkaar. Wacht even en stuur je bericht dan opnieuw.",
    "route": "Er zijn te veel vragen tegelijk gesteld. Wacht even en probeer het dan opnieuw.",
}


@dataclass(frozen=True)
class Limit:
    """`limit` requests per `period` seconds, per key."""

    name: str
    limit: int
    period: float


class RateLimiter:
    """Token buckets for a set of named limits."""

    def __init__(self, limits: Dict[str, Limit], enabled: bool = True, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self.enabled = enabled
        self.clock = clock
        self._buckets: Dict[Tuple[str, str], Tuple[float, float]] = {}

    def hit(self, name: str, key: str) -> None:
        """Spend one request of `key` under limit `name`, or raise a 429 with Retry-After."""
        if not self.enabled:
            return
        limit = self.limits[name]
        rate = limit.limit / limit.period
        now = self.clock()
        tokens, at = self._buckets.get((name, key), (float(limit.limit), now))
        tokens = min(float(limit.limit), tokens + (now - at) * rate)
        if tokens < 1.0:
            retry_after = math.ceil((1.0 - tokens) / rate)
            self._buckets[(name, key)] = (tokens, now)
            raise ClientError(429, f"rate limit '{name}': at most {limit.limit} per {int(limit.period)} s",
                              MESSAGES_NL.get(name), code="rate_limited", retry_after=retry_after)
        self._buckets[(name, key)] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_KEYS:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop buckets that have filled up again (their keys are idle); else the oldest half."""
        full = [k for k, (tokens, at) in self._buckets.items()
                if tokens + (now - at) * self.limits[k[0]].limit / self.limits[k[0]].period >= self.limits[k[0]].limit]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) > MAX_KEYS:
            for key in sorted(self._buckets, key=lambda k: self._buckets[k][1])[: len(self._buckets) // 2]:
                del self._buckets[key]


def from_settings(settings) -> RateLimiter:
    """The limits of BALIE_LIMIT_* (see .env.example)."""
    return RateLimiter({
        "conversations": Limit("conversations", settings.limit_conversations_per_hour, 3600.0),
        "messages": Limit("messages", settings.limit_messages_per_minute, 60.0),
        "route": Limit("route", settings.limit_route_per_minute, 60.0),
    }, enabled=settings.rate_limits)
