"""OpenBoxes date strings to aware datetimes, and QuickBooks dates in a tenant's time zone.

OpenBoxes 0.9 renders two styles: ISO UTC ``2025-03-04T15:20:11Z`` from the Grails date
marshaller, and ``MM/dd/yyyy`` / ``MM/dd/yyyy HH:mm XXX`` written in the server's JVM time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
MDY_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?(Z|[+-]\d{2}:?\d{2})?$")


def zone(name: str | tzinfo) -> tzinfo:
    """A tzinfo from an IANA name (``"America/New_York"``) or an existing tzinfo."""
    return ZoneInfo(name) if isinstance(name, str) else name


def parse_openboxes_datetime(text: str | None, server_tz: str | tzinfo = "UTC") -> datetime | None:
    """Parse any OpenBoxes date/time string into an aware UTC datetime.

    Args:
        text: ISO (``Z`` or offset; a naive ISO value counts as UTC, as the marshaller writes UTC),
            ``MM/dd/yyyy HH:mm XXX`` (offset carried), ``MM/dd/yyyy HH:mm`` or ``MM/dd/yyyy``
            (both in the server's zone; a bare date is midnight there). None or "" give None.
        server_tz: The OpenBoxes server's JVM zone (``getAppContext`` → ``timezone``).

    Raises:
        ValueError: Text in none of these forms.
    """
    if text is None or not str(text).strip():
        return None
    value = str(text).strip()
    day = MDY.match(value)
    if day:
        month, dom, year = (int(part) for part in day.groups())
        return datetime.combine(date(year, month, dom), time(), zone(server_tz)).astimezone(UTC)
    with_time = MDY_TIME.match(value)
    if with_time:
        return _mdy_time(with_time, server_tz)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an OpenBoxes date: {text!r}") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _mdy_time(match: re.Match, server_tz: str | tzinfo) -> datetime:
    month, dom, year, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    offset = match.group(7)
    if offset is None:
        naive = datetime(year, month, dom, hour, minute, second)  # noqa: DTZ001 - zone attached next line
        return naive.replace(tzinfo=zone(server_tz)).astimezone(UTC)
    zone_text = offset.replace("Z", "+00:00")
    iso = f"{year:04d}-{month:02d}-{dom:02d}T{hour:02d}:{minute:02d}:{second:02d}{zone_text}"
    return datetime.fromisoformat(iso).astimezone(UTC)


def parse_openboxes_date(text: str | None) -> date | None:
    """The calendar date of a bare ``MM/dd/yyyy`` (no zone conversion), or of an ISO date ``yyyy-MM-dd``."""
    if text is None or not str(text).strip():
        return None
    value = str(text).strip()
    day = MDY.match(value)
    if day:
        month, dom, year = (int(part) for part in day.groups())
        return date(year, month, dom)
    return date.fromisoformat(value[:10])


def local_date(moment: datetime, tz: str | tzinfo) -> date:
    """The calendar date of an aware moment in the tenant's zone. Raises ValueError for naive input."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a zone first")
    return moment.astimezone(zone(tz)).date()


def txn_date(moment: datetime, tz: str | tzinfo) -> str:
    """QuickBooks ``TxnDate`` (``YYYY-MM-DD``) for a moment, in the tenant's zone."""
    return local_date(moment, tz).isoformat()


def iso_utc(moment: datetime) -> str:
    """``2025-03-04T15:20:11Z``: the form OpenBoxes parses for bound Date parameters."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a zone first")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def mdy(day: date) -> str:
    """``MM/dd/yyyy`` for parameters OpenBoxes parses that way (statusStartDate, createdAfter)."""
    return day.strftime("%m/%d/%Y")


def purchase_order_dated_at(ordered: datetime | None, first_seen: datetime, history_until: datetime | None) -> datetime:
    """The moment an approved order's document is dated by (its TxnDate is this moment's date in the tenant's zone).

    OpenBoxes does not expose when an order was approved, so an order that syncing watched being approved
    is dated by the poll that first saw it. An order from a history import (ordered before
    ``history_until``, the moment syncing first watched) was approved long before any poll saw it: it keeps
    its own order date (``dateOrdered``), not the day of the import.
    """
    if ordered is not None and history_until is not None and ordered < history_until:
        return ordered
    return first_seen
