"""Per-realm budget shared by every worker process, so QuickBooks never has to answer 429.

Intuit limits each company (realm) per app to 10 requests per second, 500 per minute (batch items count one
each), 10 requests in flight and 40 batch calls per minute. All four live in Redis and are checked and taken
in one Lua call, on Redis' clock, so workers on different machines agree:

- per second: calls are spaced evenly (a GCRA with no burst: one call per ``1 / per_second`` seconds), so
  no rolling second ever holds more than ``per_second`` calls, even when the calls reach QuickBooks a
  little later than they were granted;
- per minute: a sliding window of granted requests (a batch takes one per item, unless
  ``batch_items_count`` is off: whether Intuit counts items or calls here is unconfirmed);
- in flight: leased slots, released when the call returns (or when the lease runs out after a crash);
- batch: a sliding window of granted ``POST /batch`` calls.

A worker waits in the limiter only for a short moment (``max_wait_seconds``); a longer wait raises
``Throttled`` carrying the wait, and the engine defers the job instead of holding a worker.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from redis import Redis

from portal.sync.errors import Throttled

# KEYS: window zset, in-flight zset, next-call time (per-second spacing), batch window zset.
# ARGV: budget, window_ms, concurrency, lease_ms, token, interval_ms, cost, batch_budget (0: not a batch).
# Returns 0 when everything was taken, else the microseconds to wait before trying again (the longest of
# the limits that refused). Times are milliseconds with fractions, formatted explicitly because Redis turns
# Lua numbers into strings with only 14 significant digits.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local budget, window, cap, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local token, interval, cost, batch_budget = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local function ms(x) return string.format('%.3f', x) end
local wait = 0
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now - window))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ms(now))
if redis.call('ZCARD', KEYS[2]) >= cap then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  wait = math.max(1, math.min(50, tonumber(first[2]) - now))
end
local over = redis.call('ZCARD', KEYS[1]) + cost - budget
if over > 0 then
  local freeing = redis.call('ZRANGE', KEYS[1], over - 1, over - 1, 'WITHSCORES')
  wait = math.max(wait, tonumber(freeing[2]) + window - now)
end
local next_call = tonumber(redis.call('GET', KEYS[3]) or '0')
wait = math.max(wait, next_call - now)
if batch_budget > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ms(now - window))
  if redis.call('ZCARD', KEYS[4]) >= batch_budget then
    local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
if wait > 0 then
  return math.max(1, math.ceil(wait * 1000))
end
for i = 1, cost do
  redis.call('ZADD', KEYS[1], ms(now), token .. ':' .. i)
end
redis.call('ZADD', KEYS[2], ms(now + lease), token)
redis.call('SET', KEYS[3], ms(now + interval), 'PX', math.ceil(interval) + 1000)
redis.call('PEXPIRE', KEYS[1], math.ceil(window) + 1000)
redis.call('PEXPIRE', KEYS[2], math.ceil(lease) + 1000)
if batch_budget > 0 then
  redis.call('ZADD', KEYS[4], ms(now), token)
  redis.call('PEXPIRE', KEYS[4], math.ceil(window) + 1000)
end
return 0
"""


@dataclass(frozen=True)
class Limits:
    """How much of a realm's budget we allow ourselves (kept a little under Intuit's own limits).

    ``second_seconds`` is the clock of the per-second limit: 1 in production, smaller when a benchmark
    runs QuickBooks' limits on a faster clock (``context.rate_limits`` makes it a 60th of the window).
    """

    budget: int = 480
    window_seconds: float = 60.0
    per_second: float = 8.0
    second_seconds: float = 1.0
    concurrency: int = 10
    batch_budget: int = 36
    batch_items_count: bool = True  # each batch item takes a request of the minute budget (else the call takes one)
    lease_seconds: float = 120.0
    max_wait_seconds: float = 1.0

    @property
    def interval_ms(self) -> float:
        """The spacing between two calls of one realm."""
        return self.second_seconds * 1000 / self.per_second


class RealmRateLimiter:
    """Hands out request slots per QuickBooks realm across processes."""

    def __init__(self, redis: Redis, limits: Limits = Limits()) -> None:
        self.redis = redis
        self.limits = limits
        self._acquire = redis.register_script(_ACQUIRE)

    def _keys(self, realm: str) -> list[str]:
        return [f"qbo:rl:{realm}:{name}" for name in ("window", "inflight", "next", "batch")]

    def try_acquire(self, realm: str, token: str, cost: int = 1, batch: bool = False) -> float:
        """Take a slot for ``token`` (``cost`` requests of the minute budget, one batch call if ``batch``).

        Returns 0 on success (nothing is taken otherwise), else the seconds to wait before asking again.
        """
        limits = self.limits
        if batch and not limits.batch_items_count:
            cost = 1
        if not 1 <= cost <= limits.budget:
            raise ValueError(f"a call costs 1 to {limits.budget} requests, not {cost}")
        args = [
            limits.budget,
            limits.window_seconds * 1000,
            limits.concurrency,
            limits.lease_seconds * 1000,
            token,
            f"{limits.interval_ms:.3f}",
            cost,
            limits.batch_budget if batch else 0,
        ]
        return int(self._acquire(keys=self._keys(realm), args=args)) / 1_000_000

    def release(self, realm: str, token: str) -> None:
        """Give back the in-flight slot (the request still counts against the windows)."""
        self.redis.zrem(self._keys(realm)[1], token)

    @contextmanager
    def slot(self, realm: str, cost: int = 1, batch: bool = False) -> Iterator[None]:
        """Wait a short moment at most for a slot, hold it for the block, then release it.

        Raises:
            Throttled: the slot frees later than ``max_wait_seconds`` from now; ``retry_after_seconds``
                says when, and the caller defers the job (without spending a retry) instead of sleeping.
        """
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self.limits.max_wait_seconds
        while (wait := self.try_acquire(realm, token, cost, batch)) > 0:
            if time.monotonic() + wait > deadline:
                raise Throttled(
                    "QuickBooks' request budget for this company is used up for a moment; the sync continues "
                    "automatically.",
                    code=None,
                    retry_after_seconds=max(wait, self.limits.max_wait_seconds),
                )
            time.sleep(wait)
        try:
            yield
        finally:
            self.release(realm, token)

    def in_flight(self, realm: str) -> int:
        return self.redis.zcard(self._keys(realm)[1])
