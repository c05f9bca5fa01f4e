"""When to try a failed push again: exponential backoff with jitter, a fixed number of retries."""

from __future__ import annotations

import random
from collections.abc import Sequence

DEFAULT_DELAYS = (60.0, 120.0, 240.0)
DEFAULT_JITTER = 0.1


def retry_delay(
    attempts: int,
    delays: Sequence[float] = DEFAULT_DELAYS,
    jitter: float = DEFAULT_JITTER,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait before the next attempt, or None when the retries are used up.

    Args:
        attempts: Attempts made so far (1 after the first failure).
        delays: Delay before retry 1, 2, 3, …; its length is the number of retries.
        jitter: Fraction of the delay added or removed at random, so many rows failing together
            do not come back together.
        rng: Random source (tests pass a seeded one).
    """
    if attempts < 1 or attempts > len(delays):
        return None
    base = delays[attempts - 1]
    spread = base * jitter * ((rng or random).random() * 2 - 1)
    return max(0.0, base + spread)


def parse_delays(text: str) -> tuple[float, ...]:
    """Read ``"60,120,240"`` (seconds) into a delays tuple."""
    values = tuple(float(part) for part in text.split(",") if part.strip())
    if not values or any(value < 0 for value in values):
        raise ValueError("retry delays must be a comma-separated list of non-negative seconds")
    return values
