"""Per-realm budget shared by every worker process, so QuickBooks never has to answer 429.

Two limits Intuit sets per company (realm): a request budget per rolling window (500 per 60 s) and a cap on
requests in flight (10) per company. Both live in Redis and are checked and taken in one Lua call, using
Redis' clock so workers on different machines agree.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from redis import Redis

from portal.sync.errors import Throttled

# KEYS: window zset, in-flight zset. ARGV: budget, window_ms, concurrency, lease_ms, token.
# Returns 0 when a slot was taken, else the milliseconds to wait before trying again.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local budget, window, cap, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= cap then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return math.max(1, math.min(50, tonumber(first[2]) - now))
end
if redis.call('ZCARD', KEYS[1]) >= budget then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('ZADD', KEYS[2], now + lease, ARGV[5])
redis.call('PEXPIRE', KEYS[1], window + 1000)
redis.call('PEXPIRE', KEYS[2], lease + 1000)
return 0
"""


@dataclass(frozen=True)
class Limits:
    """How much of a realm's budget we allow ourselves (kept a little under Intuit's own limits)."""

    budget: int = 480
    window_seconds: float = 60.0
    concurrency: int = 10
    lease_seconds: float = 120.0
    max_wait_seconds: float = 30.0


class RealmRateLimiter:
    """Hands out request slots per QuickBooks realm across processes."""

    def __init__(self, redis: Redis, limits: Limits = Limits()) -> None:
        self.redis = redis
        self.limits = limits
        self._acquire = redis.register_script(_ACQUIRE)

    def _keys(self, realm: str) -> list[str]:
        return [f"qbo:rl:{realm}:window", f"qbo:rl:{realm}:inflight"]

    def try_acquire(self, realm: str, token: str) -> float:
        """Take a slot for ``token``; return 0 on success, else the seconds to wait."""
        limits = self.limits
        args = [
            limits.budget,
            int(limits.window_seconds * 1000),
            limits.concurrency,
            int(limits.lease_seconds * 1000),
            token,
        ]
        return int(self._acquire(keys=self._keys(realm), args=args)) / 1000

    def release(self, realm: str, token: str) -> None:
        """Give back the in-flight slot (the request still counts against the window)."""
        self.redis.zrem(self._keys(realm)[1], token)

    @contextmanager
    def slot(self, realm: str) -> Iterator[None]:
        """Wait for a slot (up to ``max_wait_seconds``), hold it for the block, then release it.

        Raises:
            Throttled: no slot within ``max_wait_seconds``; the caller defers the job without
                spending a retry.
        """
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self.limits.max_wait_seconds
        while (wait := self.try_acquire(realm, token)) > 0:
            if time.monotonic() + wait > deadline:
                raise Throttled(
                    "QuickBooks' request budget for this company is used up for now; the sync continues "
                    "automatically in a minute.",
                    code=None,
                    retry_after_seconds=max(1, round(wait)),
                )
            time.sleep(wait)
        try:
            yield
        finally:
            self.release(realm, token)

    def in_flight(self, realm: str) -> int:
        return self.redis.zcard(self._keys(realm)[1])
