"""The per-realm limiter against a real Redis, with several threads and processes competing."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from redis import Redis

from portal.clients.ratelimit import Limits, RealmRateLimiter
from portal.sync.errors import Throttled


@pytest.fixture
def redis_conn(redis_url):
    conn = Redis.from_url(redis_url)
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


def test_budget_is_never_exceeded_within_a_window(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(budget=5, window_seconds=30, max_wait_seconds=0.2))
    for _ in range(5):
        with limiter.slot("r1"):
            pass
    with pytest.raises(Throttled) as throttled, limiter.slot("r1"):
        pass
    assert throttled.value.retry_after_seconds >= 1


def test_realms_have_separate_budgets(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(budget=1, window_seconds=30, max_wait_seconds=0.1))
    with limiter.slot("r1"):
        pass
    with limiter.slot("r2"):
        pass


def test_budget_frees_up_as_the_window_rolls(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(budget=2, window_seconds=0.3, max_wait_seconds=2))
    for _ in range(4):  # the last two wait for the window to roll instead of failing
        with limiter.slot("r1"):
            pass


def test_concurrency_cap_holds_across_threads(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(budget=1000, concurrency=3, max_wait_seconds=10))
    peak, current, lock = [0], [0], threading.Lock()

    def call(_):
        with limiter.slot("r1"):
            with lock:
                current[0] += 1
                peak[0] = max(peak[0], current[0])
            time.sleep(0.02)
            with lock:
                current[0] -= 1

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(call, range(36)))
    assert peak[0] == 3
    assert limiter.in_flight("r1") == 0


def test_a_crashed_holder_releases_its_slot_after_the_lease(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(concurrency=1, lease_seconds=0.2, max_wait_seconds=2))
    assert limiter.try_acquire("r1", "crashed-worker") == 0  # never released
    with limiter.slot("r1"):
        pass
