"""Date, money and number formats exactly as OpenBoxes 0.9 renders and parses them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

# Grouping and decimal separators per user locale; Java 13+ uses a narrow no-break space for fr.
LOCALE_SEPARATORS = {"en": (",", "."), "fr": ("\u202f", ","), "de": (".", ",")}
MDY = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
MDY_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{2}:\d{2}:\d{2}) (Z|[+-]\d{2}:?\d{2})$")


def iso_utc(ts: int | None) -> str | None:
    """Grails DateMarshaller: ``yyyy-MM-dd'T'HH:mm:ss'Z'`` in UTC, second precision."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_date(ts: int | None, tz: ZoneInfo) -> str | None:
    """``date.format("MM/dd/yyyy")`` in the server's JVM time zone (no zone in the text)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz).strftime("%m/%d/%Y")


def local_datetime(ts: int | None, tz: ZoneInfo) -> str | None:
    """``date.format("MM/dd/yyyy HH:mm XXX")``; Java's XXX prints ``Z`` for a zero offset."""
    if ts is None:
        return None
    moment = datetime.fromtimestamp(ts, tz)
    return f"{moment.strftime('%m/%d/%Y %H:%M')} {java_offset(moment)}"


def java_offset(moment: datetime) -> str:
    """The ``XXX`` offset: ``Z``, or ``+05:30`` / ``-04:00``."""
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset else 0
    if seconds == 0:
        return "Z"
    sign = "+" if seconds > 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def parse_mdy(text: str, tz: ZoneInfo) -> int:
    """``Date.parse("MM/dd/yyyy", s)``: midnight in the server time zone. Raises ValueError."""
    if not MDY.match(text.strip()):
        raise ValueError(f'Unparseable date: "{text}"')
    month, day, year = (int(part) for part in text.strip().split("/"))
    return int(datetime(year, month, day, tzinfo=tz).timestamp())


def parse_bound_date(text: str, tz: ZoneInfo) -> int:
    """A request parameter bound to ``Date`` (grails.databinding.dateFormats). Raises ValueError.

    ISO values must carry ``Z`` or an offset; ``MM/dd/yyyy`` means midnight in the server's zone.
    """
    value = text.strip()
    if MDY.match(value):
        return parse_mdy(value, tz)
    with_time = MDY_TIME.match(value)
    if with_time:
        month, day, year, clock, offset = with_time.groups()
        value = f"{year}-{month:0>2}-{day:0>2}T{clock}{offset}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f'Unparseable date: "{text}"')
    return int(moment.timestamp())


def decimal(value: object) -> Decimal:
    """A Decimal from a stored number or string (None counts as zero)."""
    return Decimal(str(value)) if value is not None else Decimal(0)


def plain_money(amount: Decimal) -> str:
    """``1234.50``: two decimals, no grouping (the PO list ``total`` strings)."""
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def locale_number(amount: Decimal, locale: str, max_fraction: int = 2) -> str:
    """A Java NumberFormat rendering without currency symbol: grouping, 2..max_fraction decimals."""
    grouping, point = LOCALE_SEPARATORS.get(locale, LOCALE_SEPARATORS["en"])
    rounded = amount.quantize(Decimal(1).scaleb(-max_fraction), rounding=ROUND_HALF_EVEN)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    groups = []
    while len(whole) > 3:
        whole, tail = whole[:-3], whole[-3:]
        groups.insert(0, tail)
    groups.insert(0, whole)
    return f"{sign}{grouping.join(groups)}{point}{fraction}"
