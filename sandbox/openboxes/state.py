"""The sandbox's state: options, the movable clock, sessions, id sequences and the record store."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sandbox.openboxes.faults import Faults, RequestLog
from sandbox.openboxes.store import Store


@dataclass
class Options:
    """What ``make_app(**options)`` accepts."""

    session_timeout: float = 7200.0  # server.session.timeout in 0.9 application.yml
    po_lag: float = 0.0  # seconds before a PO change reaches the order_summary_mv table
    timezone: str = "America/New_York"  # the JVM default zone used for MM/dd/yyyy strings
    data: str = "demo"  # "demo" or "empty"
    state_path: str | None = None
    seed: int = 20250101
    currency: str = "USD"


class Clock:
    """Wall time plus an offset that the control API can move; all server timestamps use it."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _record(self) -> dict:
        return self._store.get("meta", "clock") or self._store.put("meta", {"id": "clock", "offset": 0.0})

    def now(self) -> float:
        """Seconds since the epoch on the sandbox clock."""
        return time.time() + self._record()["offset"]

    def now_ts(self) -> int:
        """The sandbox time in whole seconds (MySQL datetime precision)."""
        return int(self.now())

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative value)."""
        record = self._record()
        record["offset"] += seconds
        self._store.put("meta", record)

    def set(self, epoch_seconds: float) -> None:
        """Jump to an absolute time."""
        record = self._record()
        record["offset"] = epoch_seconds - time.time()
        self._store.put("meta", record)


@dataclass
class Session:
    """One logged-in HTTP session (held in memory only, like Tomcat's)."""

    id: str
    username: str
    location_id: str | None
    last_access: float


@dataclass
class Sessions:
    """Cookie sessions that expire after ``timeout`` idle seconds on the sandbox clock."""

    clock: Clock
    timeout: float
    _by_id: dict[str, Session] = field(default_factory=dict)

    def create(self, username: str, location_id: str | None) -> Session:
        """Start a session and return it."""
        session = Session(secrets.token_hex(16).upper(), username, location_id, self.clock.now())
        self._by_id[session.id] = session
        return session

    def touch(self, session_id: str | None) -> Session | None:
        """The live session for this cookie (refreshing its idle timer), or None if missing/expired."""
        session = self._by_id.get(session_id or "")
        if session is None:
            return None
        now = self.clock.now()
        if now - session.last_access > self.timeout:
            del self._by_id[session.id]
            return None
        session.last_access = now
        return session

    def drop(self, session_id: str | None) -> bool:
        """Invalidate one session; True if it existed."""
        return self._by_id.pop(session_id or "", None) is not None

    def expire_all(self) -> int:
        """Invalidate every session; return how many there were."""
        count = len(self._by_id)
        self._by_id.clear()
        return count


class State:
    """Everything one sandbox instance knows, guarded by ``lock`` (one request at a time)."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.tz = ZoneInfo(options.timezone)
        self.lock = threading.RLock()
        self.store = Store(options.state_path)
        self.clock = Clock(self.store)
        self.sessions = Sessions(self.clock, options.session_timeout)
        self.faults = Faults(options.seed)
        self.requests = RequestLog()

    def meta(self, name: str, default: dict | None = None) -> dict:
        """A named meta record (created from ``default`` when missing)."""
        record = self.store.get("meta", name)
        if record is None:
            record = self.store.put("meta", {"id": name, **(default or {})})
        return record

    def next_number(self, sequence: str) -> int:
        """The next value of a persistent counter (order numbers, ids...)."""
        counters = self.meta("sequences", {"values": {}})
        values = counters["values"]
        values[sequence] = values.get(sequence, 0) + 1
        self.store.put("meta", counters)
        return values[sequence]

    def new_id(self) -> str:
        """A 32-hex id like Hibernate's uuid generator, deterministic for a seed and persistent."""
        serial = self.next_number("id")
        return hashlib.md5(f"{self.options.seed}:{serial}".encode()).hexdigest()
