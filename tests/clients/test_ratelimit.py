"""The per-realm limiter against a real Redis, with several threads and processes competing.

Timing is read from the limiter's own decisions (its answers and the grant times it keeps on Redis' clock),
never from the wall clock of the test.
"""

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
    limiter = RealmRateLimiter(redis_conn, Limits(budget=2, window_seconds=0.3, per_second=1000, max_wait_seconds=2))
    for _ in range(4):  # the last two wait for the window to roll instead of failing
        with limiter.slot("r1"):
            pass


def test_concurrency_cap_holds_across_threads(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(budget=1000, per_second=1000, concurrency=3, max_wait_seconds=10))
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


FAST = {"per_second": 1e6, "max_wait_seconds": 0.5}  # calls 1 µs apart: for tests of the other limits


def grant_times_ms(redis_conn, realm: str) -> list[float]:
    """When the limiter granted each request of ``realm``, on Redis' clock."""
    return sorted(score for _, score in redis_conn.zrange(f"qbo:rl:{realm}:window", 0, -1, withscores=True))


def test_a_burst_gets_one_call_and_the_wait_to_the_next(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(per_second=10))
    answers = [limiter.try_acquire("r1", f"t{n}") for n in range(25)]
    assert answers[0] == 0
    assert all(0 < wait <= 0.1 for wait in answers[1:]), answers
    assert len(grant_times_ms(redis_conn, "r1")) == 1


def test_no_second_holds_more_than_the_rate_while_workers_compete(redis_conn):
    limits = Limits(per_second=10, second_seconds=0.2, max_wait_seconds=5)  # a 0.2 s "second"
    limiter = RealmRateLimiter(redis_conn, limits)

    def call(_):
        with limiter.slot("r1"):
            pass

    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(call, range(25)))
    granted = grant_times_ms(redis_conn, "r1")
    assert len(granted) == 25
    # Eleven grants inside one "second" would need the 11th less than 200 ms after the 1st.
    assert min(later - first for first, later in zip(granted, granted[10:], strict=False)) >= 200 - 0.01


def test_the_per_second_rate_is_per_realm(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(per_second=1))
    assert limiter.try_acquire("r1", "a") == 0
    assert 0.9 < limiter.try_acquire("r1", "b") <= 1
    assert limiter.try_acquire("r2", "c") == 0


def test_the_concurrency_cap_refuses_until_a_slot_is_released(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(concurrency=2, **FAST))
    assert [limiter.try_acquire("r1", token) for token in ("a", "b")] == [0, 0]
    assert 0 < limiter.try_acquire("r1", "c") <= 0.05
    assert limiter.try_acquire("r2", "d") == 0
    limiter.release("r1", "a")
    assert limiter.try_acquire("r1", "c") == 0


def test_batch_calls_have_their_own_budget_and_each_item_counts_per_minute(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(budget=20, batch_budget=2, **FAST))
    assert limiter.try_acquire("r1", "b1", cost=5, batch=True) == 0
    assert limiter.try_acquire("r1", "b2", cost=5, batch=True) == 0
    assert 59 < limiter.try_acquire("r1", "b3", cost=5, batch=True) <= 60  # the batch budget
    assert limiter.try_acquire("r1", "single", cost=1) == 0  # plain calls still go
    assert len(grant_times_ms(redis_conn, "r1")) == 11
    assert limiter.try_acquire("r1", "b4", cost=10) > 59  # 11 + 10 > 20: the minute budget


def test_a_batch_call_takes_one_request_when_items_do_not_count(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(budget=20, batch_budget=2, batch_items_count=False, **FAST))
    assert limiter.try_acquire("r1", "b1", cost=30, batch=True) == 0
    assert len(grant_times_ms(redis_conn, "r1")) == 1
    assert limiter.try_acquire("r1", "plain", cost=20) > 59  # a plain call still costs what it says: 1 + 20 > 20


def test_a_refused_call_takes_nothing(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(budget=3, concurrency=1, **FAST))
    assert limiter.try_acquire("r1", "a", cost=2) == 0
    assert limiter.try_acquire("r1", "b", cost=2) > 0
    limiter.release("r1", "a")
    assert len(grant_times_ms(redis_conn, "r1")) == 2 and limiter.in_flight("r1") == 0


def test_a_long_wait_raises_throttled_with_the_wait_instead_of_sleeping(redis_conn):
    limiter = RealmRateLimiter(redis_conn, Limits(budget=1, window_seconds=20, **FAST))
    with limiter.slot("r1"):
        pass
    with pytest.raises(Throttled) as throttled, limiter.slot("r1"):
        pass
    assert 19 < throttled.value.retry_after_seconds <= 20  # the moment the budget frees, not a fixed minute
    assert len(grant_times_ms(redis_conn, "r1")) == 1
