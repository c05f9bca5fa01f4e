"""Fault injection and per-route request counting, applied in front of the Flask app."""

from __future__ import annotations

import fnmatch
import random
import socket
import threading
from collections import Counter
from dataclasses import asdict, dataclass

FAULT_KINDS = ("error", "slow", "drop")
LOG_LIMIT = 20_000


@dataclass
class FaultRule:
    """Fail requests whose path matches ``route`` (a glob); ``count`` None means "until removed"."""

    id: int
    route: str
    kind: str
    method: str | None = None
    status: int = 500
    delay: float = 0.0
    probability: float = 1.0
    count: int | None = None
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule covers the request (before probability and count)."""
        if self.method and self.method.upper() != method:
            return False
        return fnmatch.fnmatchcase(path, self.route)


class Faults:
    """The active fault rules; the first rule that matches and fires wins."""

    def __init__(self, seed: int) -> None:
        self._rules: list[FaultRule] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, **fields: object) -> FaultRule:
        """Register a rule (validated by the caller) and return it."""
        with self._lock:
            rule = FaultRule(id=self._next_id, **fields)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def remove(self, rule_id: int | None = None) -> None:
        """Remove one rule, or all of them."""
        with self._lock:
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]

    def listing(self) -> list[dict]:
        """The rules as JSON-ready dicts."""
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request, consuming one unit of its count."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path) and self._random.random() < rule.probability:
                    rule.fired += 1
                    if rule.count is not None:
                        rule.count -= 1
                        if rule.count <= 0:
                            self._rules.remove(rule)
                    return rule
        return None


class RequestLog:
    """Counts requests per ``METHOD /route/<template>`` and keeps the recent ones in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.entries: list[dict] = []

    def record(self, method: str, route: str, path: str, query: str) -> None:
        """Count one request."""
        with self._lock:
            self.counts[f"{method} {route}"] += 1
            self.entries.append({"method": method, "route": route, "path": path, "query": query})
            del self.entries[:-LOG_LIMIT]

    def snapshot(self) -> dict:
        """Counts and the request log as JSON-ready data."""
        with self._lock:
            return {"counts": dict(self.counts), "requests": list(self.entries)}

    def reset(self) -> None:
        """Forget all counts."""
        with self._lock:
            self.counts.clear()
            self.entries.clear()


def drop_connection(environ: dict) -> None:
    """Close the client socket so the client sees the connection end without any response."""
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if sock is None:
        raise ConnectionAbortedError("dropped by sandbox fault")
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    # Raising a ConnectionError makes werkzeug treat this as a dropped connection and write nothing.
    raise ConnectionAbortedError("dropped by sandbox fault")
