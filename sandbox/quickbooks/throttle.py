"""Per-realm throttling: calls per second, a request budget per sliding window, a batch budget, a concurrency cap.

The "second" is a 60th of ``window_seconds`` (the "minute"), so a window scaled for a benchmark scales it too.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass

from .options import SandboxOptions


@dataclass
class ThrottleConfig:
    """Changeable at runtime through ``PUT /_sandbox/throttle``."""

    request_budget: int
    window_seconds: float
    rate_per_second: int
    concurrency: int
    batch_budget: int
    batch_items_count: bool
    throttle_format: str
    throttle_status: int
    retry_after: bool

    @classmethod
    def from_options(cls, options: SandboxOptions) -> ThrottleConfig:
        names = cls.__dataclass_fields__
        return cls(**{name: getattr(options, name) for name in names})

    def as_dict(self) -> dict:
        return asdict(self)


class Throttle:
    """Admits or refuses one API request for a realm; the window is scalable for benchmarks."""

    def __init__(self, config: ThrottleConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.calls: dict[str, deque[float]] = {}
        self.recent: dict[str, deque[float]] = {}
        self.batches: dict[str, deque[float]] = {}
        self.in_flight: dict[str, int] = {}

    def admit(self, realm: str, cost: int = 1, batch: bool = False) -> float | None:
        """Take a slot; returns None when admitted, else seconds until a retry can succeed."""
        with self.lock:
            now = time.monotonic()
            if self.in_flight.get(realm, 0) >= self.config.concurrency:
                return 1.0
            second = self.config.window_seconds / 60
            recent = self._window(self.recent, realm, now, second)
            wait = self._wait(recent, self.config.rate_per_second, 1, now, second)
            calls = self._window(self.calls, realm, now)
            if wait is None:
                wait = self._wait(calls, self.config.request_budget, cost, now)
            if wait is None and batch:
                wait = self._wait(self._window(self.batches, realm, now), self.config.batch_budget, 1, now)
            if wait is not None:
                return wait
            recent.append(now)
            calls.extend([now] * cost)
            if batch:
                self.batches[realm].append(now)
            self.in_flight[realm] = self.in_flight.get(realm, 0) + 1
            return None

    def release(self, realm: str) -> None:
        with self.lock:
            self.in_flight[realm] = max(0, self.in_flight.get(realm, 0) - 1)

    def retry_after(self, wait: float) -> str:
        return str(max(1, math.ceil(wait)))

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.recent.clear()
            self.batches.clear()

    def _window(
        self, table: dict[str, deque[float]], realm: str, now: float, length: float | None = None
    ) -> deque[float]:
        length = self.config.window_seconds if length is None else length
        stamps = table.setdefault(realm, deque())
        while stamps and stamps[0] <= now - length:
            stamps.popleft()
        return stamps

    def _wait(
        self, stamps: deque[float], budget: int, cost: int, now: float, length: float | None = None
    ) -> float | None:
        length = self.config.window_seconds if length is None else length
        if len(stamps) + cost <= budget:
            return None
        if cost > budget or not stamps:
            return length
        oldest_needed = stamps[min(len(stamps) - 1, len(stamps) + cost - budget - 1)]
        return oldest_needed + length - now
