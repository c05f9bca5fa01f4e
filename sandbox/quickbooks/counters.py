"""Counters per realm and a bounded log of API requests, for assertions in tests and the benchmark."""

from __future__ import annotations

import threading
from collections import Counter, deque

REALM_COUNTERS = (
    "requests",
    "reads",
    "writes",
    "throttled",
    "auth_failures",
    "faults_injected",
    "replays",
    "errors",
    "max_in_flight",
)


class Counters:
    """Thread-safe tallies; ``token_calls`` counts token-endpoint calls by grant type."""

    def __init__(self, log_size: int) -> None:
        self.lock = threading.Lock()
        self.realms: dict[str, Counter] = {}
        self.token_calls: Counter = Counter()
        self.log: deque[dict] = deque(maxlen=log_size)

    def bump(self, realm: str | None, name: str, amount: int = 1) -> None:
        if realm is None:
            return
        with self.lock:
            self.realms.setdefault(realm, Counter())[name] += amount

    def observe_in_flight(self, realm: str, in_flight: int) -> None:
        with self.lock:
            tally = self.realms.setdefault(realm, Counter())
            tally["max_in_flight"] = max(tally["max_in_flight"], in_flight)

    def token_call(self, realm: str | None, grant: str) -> None:
        with self.lock:
            self.token_calls[grant] += 1
            if realm is not None:
                self.realms.setdefault(realm, Counter())[f"token_{grant}"] += 1

    def record(self, entry: dict) -> None:
        with self.lock:
            self.log.append(entry)

    def snapshot(self, in_flight: dict[str, int]) -> dict:
        with self.lock:
            realms = {}
            for realm, tally in self.realms.items():
                realms[realm] = {name: tally.get(name, 0) for name in REALM_COUNTERS} | dict(tally)
                realms[realm]["in_flight"] = in_flight.get(realm, 0)
            return {"realms": realms, "token_calls": dict(self.token_calls)}

    def entries(self, realm: str | None, limit: int) -> list[dict]:
        with self.lock:
            found = [entry for entry in self.log if realm in (None, entry["realm"])]
        return found[-limit:]

    def reset(self) -> None:
        with self.lock:
            self.realms.clear()
            self.token_calls.clear()
            self.log.clear()
