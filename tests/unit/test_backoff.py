import random

import pytest

from portal.sync.backoff import parse_delays, retry_delay


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [(0, None), (1, 60.0), (2, 120.0), (3, 240.0), (4, None), (9, None)],
)
def test_delays_double_and_stop_after_three_retries(attempts, expected):
    assert retry_delay(attempts, jitter=0) == expected


def test_jitter_stays_within_its_fraction():
    rng = random.Random(7)
    delays = [retry_delay(2, jitter=0.1, rng=rng) for _ in range(200)]
    assert min(delays) >= 108.0
    assert max(delays) <= 132.0
    assert len(set(delays)) > 100


@pytest.mark.parametrize(("text", "expected"), [("60,120,240", (60.0, 120.0, 240.0)), ("1, 2", (1.0, 2.0))])
def test_parse_delays(text, expected):
    assert parse_delays(text) == expected


@pytest.mark.parametrize("text", ["", "a,b", "-1,2"])
def test_parse_delays_refuses_nonsense(text):
    with pytest.raises(ValueError):
        parse_delays(text)
