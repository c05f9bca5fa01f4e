"""Pure polling decisions: what changed, when to stop paging, the next watermark.

The caller fetches pages sorted by ``lastUpdated`` descending and feeds them to a ``Scan``; the scan
says which records are new or changed, whether to fetch another page (and at which offset), and the
state to store once the activity rows are committed.

Rules:

* The position is the newest ``lastUpdated`` observed, or the poll's start minus the allowed clock
  difference with the server (``observed_until``) when later: a record saved during the poll but not
  seen is still newer than ``position − overlap`` next time, and an idle source costs one page.
* Paging stops at the first record older than ``position − overlap`` (comparison ``>=`` keeps
  records sharing the position's second), or at a short page. Within the overlap, records are
  compared by content hash, so re-reading them costs no push.
* ``seen`` keeps the hash and time of each record inside the overlap window; older entries are pruned.
  Outside the window the caller may pass hashes it stored (``known``), e.g. the EntityLink hashes.
* ``floor`` (``sync_enabled_at``): records last updated before it are never reported.
* Offset paging has no tie-breaker: consecutive pages overlap by ``overlap_rows`` so a row shifted by
  a concurrent change is read twice (deduplicated) rather than skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from portal.sync.dates import parse_openboxes_datetime
from portal.sync.identity import content_hash

DEFAULT_OVERLAP = timedelta(minutes=15)
ADJUSTMENT_OVERLAP = timedelta(days=14)  # adjustments can be backdated: a generous window
# The purchase order list has no lastUpdated and lags (a materialized view): every poll re-reads the
# orders *ordered* in the last 90 days and diffs them (``diff_window``).
PO_RESCAN_DAYS = 90


@dataclass(frozen=True)
class Seen:
    """A record observed inside the overlap window: its content hash and lastUpdated."""

    hash: str
    at: datetime


@dataclass(frozen=True)
class WatermarkState:
    """What is stored per tenant and entity between polls (JSON via ``to_json``/``from_json``)."""

    position: datetime | None = None
    floor: datetime | None = None
    seen: Mapping[str, Seen] = field(default_factory=dict)

    @classmethod
    def starting_at(cls, moment: datetime) -> WatermarkState:
        """The first state of a tenant: nothing before ``moment`` (``sync_enabled_at``) is reported."""
        return cls(position=moment, floor=moment)

    def to_json(self) -> dict:
        """A JSON-safe dict (for ``Watermark.state``)."""
        return {
            "position": _iso(self.position),
            "floor": _iso(self.floor),
            "seen": {key: [s.hash, _iso(s.at)] for key, s in sorted(self.seen.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping | None) -> WatermarkState:
        """Inverse of ``to_json``; None or {} gives the empty state."""
        data = data or {}
        seen = {key: Seen(h, _parse(at)) for key, (h, at) in (data.get("seen") or {}).items()}
        return cls(_parse(data.get("position")), _parse(data.get("floor")), seen)


@dataclass(frozen=True)
class Change:
    """A record to push: new, or its content hash differs from the last one known."""

    key: str
    hash: str
    updated_at: datetime
    record: Mapping


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def record_id(record: Mapping) -> str:
    """Default key: the record's ``id``."""
    return str(record["id"])


def record_last_updated(record: Mapping) -> datetime:
    """Default time: the record's ``lastUpdated`` (ISO UTC)."""
    moment = parse_openboxes_datetime(record.get("lastUpdated"))
    if moment is None:
        raise ValueError(f"record {record.get('id')} has no lastUpdated")
    return moment


class Scan:
    """One poll of one entity over pages sorted by time descending."""

    def __init__(
        self,
        state: WatermarkState,
        *,
        page_size: int,
        overlap: timedelta = DEFAULT_OVERLAP,
        overlap_rows: int = 1,
        key: Callable[[Mapping], str] = record_id,
        updated_at: Callable[[Mapping], datetime] = record_last_updated,
        fingerprint: Callable[[Mapping], str] = content_hash,
    ) -> None:
        if not 0 <= overlap_rows < page_size:
            raise ValueError("overlap_rows must be smaller than page_size")
        self.state, self.page_size, self.overlap, self.overlap_rows = state, page_size, overlap, overlap_rows
        self.key, self.updated_at, self.fingerprint = key, updated_at, fingerprint
        self.done = False
        self.offset = 0
        self._past_cutoff = False
        self._observed: dict[str, Seen] = {}
        self._newest: datetime | None = None

    @property
    def cutoff(self) -> datetime | None:
        """Records older than this end the scan (``position − overlap``, never before ``floor``)."""
        if self.state.position is None:
            return self.state.floor
        start = self.state.position - self.overlap
        return max(start, self.state.floor) if self.state.floor else start

    def feed(
        self, page: Sequence[Mapping], known: Mapping[str, str] | None = None, *, listed: int | None = None
    ) -> list[Change]:
        """Take the next page; return its new or changed records (in page order).

        Args:
            page: Records in descending time order, fetched at ``self.offset``.
            known: Stored hashes by key for records of this page (optional, e.g. from EntityLink).
            listed: How many records the server sent, when the caller left some out of ``page``
                (records it cannot read): paging goes on from the page the server sent.
        """
        changes = [c for c in (self._consider(r, known or {}) for r in page) if c is not None]
        size = len(page) if listed is None else listed
        self.offset += max(1, size - self.overlap_rows)
        if size < self.page_size:
            self.done = True
        return changes

    def _consider(self, record: Mapping, known: Mapping[str, str]) -> Change | None:
        at = self.updated_at(record)
        cutoff = self.cutoff
        if cutoff is not None and at < cutoff:
            self.done = self._past_cutoff = True
            return None
        key, digest = self.key(record), self.fingerprint(record)
        self._newest = at if self._newest is None else max(self._newest, at)
        previous = self._observed.get(key) or self.state.seen.get(key)
        before = previous.hash if previous else known.get(key)
        self._observed[key] = Seen(digest, at)
        return None if before == digest else Change(key, digest, at, record)

    def next_range(self) -> None:
        """Start paging the next (older) date range from offset 0, unless the cutoff was reached."""
        self.offset = 0
        self.done = self._past_cutoff

    def result(self, observed_until: datetime | None = None) -> WatermarkState:
        """The state to store after the changes are committed.

        Args:
            observed_until: A moment up to which every change is known to have been listed: the poll's
                start minus the allowed clock difference with the OpenBoxes server. Without it the
                position stays at the newest record seen, and a quiet source would be re-read over the
                whole overlap at every poll.
        """
        candidates = [m for m in (self.state.position, self._newest, observed_until) if m is not None]
        position = max(candidates) if candidates else None
        merged = {**self.state.seen, **self._observed}
        if position is not None:
            start = position - self.overlap
            merged = {key: s for key, s in merged.items() if s.at >= start}
        return WatermarkState(position, self.state.floor, merged)


# --- purchase orders: a rolling re-scan window --------------------------------------------------


@dataclass(frozen=True)
class WindowDiff:
    """Result of diffing a re-scanned window: rows to push and the hashes to store."""

    changes: list[Change]
    hashes: dict[str, str]


def diff_window(
    rows: Iterable[Mapping],
    previous: Mapping[str, str],
    *,
    key: Callable[[Mapping], str] = record_id,
    fingerprint: Callable[[Mapping], str] = content_hash,
    observed_at: datetime,
) -> WindowDiff:
    """Compare re-scanned rows with the hashes stored for that window.

    Only rows in the window are kept in ``hashes``, so the stored state stays bounded by the window.
    """
    changes, hashes = [], {}
    for row in rows:
        row_key, digest = key(row), fingerprint(row)
        if row_key in hashes:
            continue  # page overlap
        hashes[row_key] = digest
        if previous.get(row_key) != digest:
            changes.append(Change(row_key, digest, observed_at, row))
    return WindowDiff(changes, hashes)
