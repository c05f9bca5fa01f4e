"""A history import's preview: what would sync from a chosen date, and what it costs in QuickBooks requests.

Cost model (measured by the sync benchmark: 1.00 QuickBooks request per record, the write's answer is the
record): one write per record not yet in QuickBooks. A document whose supplier, customer or product is
not linked yet and is not among the records counted here adds one write for each such dependency; the
preview cannot see those without reading every document, so it says "at least".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from portal.sync.dates import zone

EARLIEST_START = date(1900, 1, 1)
WRITES_PER_RECORD = 1
QUICKBOOKS_REQUESTS_PER_MINUTE = 480  # the rate limiter's ceiling per company (Intuit allows 500)
KIND_LABELS = {  # one, several
    "supplier": ("supplier", "suppliers"),
    "product": ("product", "products"),
    "purchase_order": ("approved purchase order", "approved purchase orders"),
    "shipment": ("shipped outbound shipment", "shipped outbound shipments"),
    "adjustment": ("inventory adjustment line", "inventory adjustment lines"),
}


def _counted(number: int, kind: str) -> str:
    one, several = KIND_LABELS[kind]
    return f"{number} {one if number == 1 else several}"


@dataclass(frozen=True)
class KindCount:
    """Records of one kind since the start date: all found, and those not in QuickBooks yet."""

    kind: str
    found: int
    new: int


@dataclass(frozen=True)
class HistoryPreview:
    start: date
    counts: tuple[KindCount, ...]

    @property
    def records(self) -> int:
        return sum(count.new for count in self.counts)

    @property
    def requests(self) -> int:
        """QuickBooks requests at least (one write per record not yet in QuickBooks)."""
        return self.records * WRITES_PER_RECORD

    @property
    def minutes(self) -> int:
        """Minutes of QuickBooks' rate limit the import takes at least (rounded up)."""
        return -(-self.requests // QUICKBOOKS_REQUESTS_PER_MINUTE)

    def lines(self) -> list[str]:
        """The preview in plain words, one line per kind and one for the cost."""
        lines = [
            f"Send {_counted(count.new, count.kind)}"
            + (f" ({count.found - count.new} more already in QuickBooks)." if count.found > count.new else ".")
            for count in self.counts
        ]
        lines.append(
            f"Use at least {self.requests} QuickBooks requests: one per record, plus one for each supplier, customer "
            f"or product a document needs that is not in QuickBooks yet (about {self.minutes} minute(s) of "
            "QuickBooks' request limit)."
        )
        return lines


def start_moment(day: date, timezone: str) -> datetime:
    """Midnight at the start of ``day`` in the tenant's zone: the import's start."""
    return datetime.combine(day, time(), zone(timezone))


def check_start(day: date, today: date, current: datetime | None, timezone: str) -> None:
    """Raise ValueError (a message for people) when ``day`` cannot be the new start date."""
    if day < EARLIEST_START:  # also keeps the start's UTC moment inside what a datetime can hold
        raise ValueError(f"{day.isoformat()} is too far back: choose {EARLIEST_START.isoformat()} or a later day")
    if day > today:
        raise ValueError(f"{day:%Y-%m-%d} is in the future: choose today or a day before it")
    if current is not None and start_moment(day, timezone) >= current:
        since = current.astimezone(zone(timezone))
        raise ValueError(
            f"Syncing already covers everything since {since:%Y-%m-%d %H:%M}: choose a day before {since:%Y-%m-%d}"
        )
