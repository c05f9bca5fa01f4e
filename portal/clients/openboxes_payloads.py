"""OpenBoxes payloads, pure: the plain results the client returns, record normalizing (the rules are listed in
:mod:`portal.clients.openboxes`), both date styles, locale-formatted prices, and the formats of query parameters.
No HTTP here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.clients.openboxes_errors import OpenBoxesUnexpectedPayload
from portal.sync.money import parse_amount

Record = dict[str, Any]

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MDY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
MDY_DATETIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))? (Z|[+-]\d{2}:?\d{2})$")
LAST_SEPARATOR = re.compile(r"([.,])(\d+)\)?$")
# Languages whose Java number format uses a decimal comma (the rest of OpenBoxes' locales use a point).
DECIMAL_COMMA_LANGUAGES = frozenset(
    "fr de es it pt nl ru pl sv fi da nb nn no cs sk tr id ro hu el uk bg hr sl lt lv et vi ca".split()
)


# --------------------------------------------------------------------------------------------------
# Plain results.


@dataclass(frozen=True)
class Page:
    """One ``max``/``offset`` page of normalized records.

    Attributes:
        records: The normalized records of this page, in server order.
        rejected: The rows the client could not normalize (one bad row does not lose the page).
        offset: The ``offset`` sent.
        limit: The ``max`` sent.
        total: ``totalCount`` when the endpoint reports one, else None.
    """

    records: list[Record]
    offset: int
    limit: int
    total: int | None = None
    rejected: tuple[Rejected, ...] = ()

    @property
    def next_offset(self) -> int | None:
        """The offset of the following page, or None when this page is the last one."""
        sent = len(self.records) + len(self.rejected)
        end = self.offset + sent
        if self.total is not None:
            return end if end < self.total else None
        return end if sent and sent >= self.limit else None


@dataclass(frozen=True)
class Rejected:
    """A row of a page that could not be normalized: what OpenBoxes sent, and why it cannot be read.

    Attributes:
        row: The row as sent (any JSON value).
        reason: e.g. ``the date 'soon' in a format the bridge does not understand``.
    """

    row: Any
    reason: str


@dataclass(frozen=True)
class ServerContext:
    """What ``GET /api/getAppContext`` says about the server and the session.

    Attributes:
        app_version: OpenBoxes version, e.g. ``"0.9.8"``.
        location_id: The session's location id.
        location_name: The session's location name, e.g. ``"Main Warehouse"``.
        currency_code: The server's default currency, e.g. ``"USD"``.
        timezone: The server's JVM time zone (used by ``MM/dd/yyyy`` dates), None when not reported.
        locale: The integration user's locale (decides how getOrderItems formats prices).
    """

    app_version: str
    location_id: str | None
    location_name: str | None
    currency_code: str | None
    timezone: ZoneInfo | None
    locale: str


def walk_pages(fetch_page: Callable[..., Page], *, page_size: int = 100, offset: int = 0) -> Iterator[Page]:
    """Yield pages from ``fetch_page(offset=…, limit=…)`` until the last one; stop early by breaking.

    Use ``functools.partial`` to bind filters, e.g.
    ``walk_pages(partial(client.products_page, include_inactive=True))``.
    """
    next_offset: int | None = offset
    while next_offset is not None:
        page = fetch_page(offset=next_offset, limit=page_size)
        yield page
        next_offset = page.next_offset


# --------------------------------------------------------------------------------------------------
# Envelopes and the app context.


def expect(value: Any, what: str, kind: type) -> Any:
    """The value itself if it is a ``kind`` (list or dict); OpenBoxesUnexpectedPayload naming ``what`` if not."""
    if not isinstance(value, kind):
        expected = "a list" if kind is list else "an object"
        raise OpenBoxesUnexpectedPayload(
            f"OpenBoxes sent {type(value).__name__} where {what} should be {expected}: "
            "check that the server runs OpenBoxes 0.9"
        )
    return value


def envelope(payload: Any, path: str, kind: type) -> Any:
    """``payload["data"]``, checked to be a list or a dict."""
    body = expect(payload, f"the answer of {path}", dict)
    return expect(body.get("data"), f'"data" of {path}', kind)


def parse_server_context(data: Mapping[str, Any]) -> ServerContext:
    """The ServerContext of a getAppContext ``data`` object; OpenBoxesUnexpectedPayload if it is not 0.9's."""
    version = data.get("appVersion")
    if not isinstance(version, str):
        raise OpenBoxesUnexpectedPayload("OpenBoxes sent an app context without appVersion: is it OpenBoxes 0.9?")
    location = data.get("location") if isinstance(data.get("location"), dict) else {}
    return ServerContext(
        app_version=version,
        location_id=location.get("id"),
        location_name=location.get("name"),
        currency_code=data.get("currencyCode"),
        timezone=_zone(data.get("timezone")),
        locale=str(data.get("currentLocale") or "en"),
    )


def _zone(name: object) -> ZoneInfo | None:
    """The named time zone, None when no name is given."""
    if not name:
        return None
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise OpenBoxesUnexpectedPayload(f"OpenBoxes reports an unknown time zone '{name}'") from None


# --------------------------------------------------------------------------------------------------
# Records and dates.


def normalize(value: Any, zone: Callable[[], ZoneInfo], key: str = "") -> Any:
    """Enum objects → names, date strings under date keys → UTC datetimes, recursively."""
    if isinstance(value, dict):
        if "enumType" in value and "name" in value:
            return value["name"]
        return {name: normalize(item, zone, name) for name, item in value.items()}
    if isinstance(value, list):
        return [normalize(item, zone) for item in value]
    if isinstance(value, str) and _is_date_key(key):
        return parse_date(value, zone) if value.strip() else None
    return value


def _is_date_key(key: str) -> bool:
    """Whether OpenBoxes puts a date under this key."""
    return key == "lastUpdated" or key.startswith("date") or key.endswith("Date")


def parse_date(text: str, zone: Callable[[], ZoneInfo]) -> datetime:
    """Any of OpenBoxes' date styles as an aware UTC datetime; ValueError for anything else."""
    try:
        moment = _date_in_any_style(text.strip(), zone)
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(f"the date '{text}' in a format the bridge does not understand")
    return moment.astimezone(UTC)


def _date_in_any_style(value: str, zone: Callable[[], ZoneInfo]) -> datetime | None:
    """The aware datetime of a known style (date-only ones at midnight in ``zone()``), None otherwise."""
    if ISO_DATETIME.match(value):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo is not None else None
    if with_time := MDY_DATETIME.match(value):
        month, day, year, hour, minute, second, offset = with_time.groups()
        fields = (int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        return datetime(*fields, tzinfo=_offset(offset))
    if date_only := MDY_DATE.match(value):
        month, day, year = (int(part) for part in date_only.groups())
        return datetime(year, month, day, tzinfo=zone())
    if ISO_DATE.match(value):
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), zone())
    return None


def _offset(text: str) -> timezone:
    """Java's ``XXX``: ``Z`` or ``±HH:MM`` (``±HHMM`` accepted too)."""
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return timezone(timedelta(minutes=-minutes if text[0] == "-" else minutes))


# --------------------------------------------------------------------------------------------------
# Prices and joined records.


def decimal_separator(locale: str) -> str:
    """The decimal separator (``","`` or ``"."``) Java uses for numbers in this locale."""
    language = locale.replace("-", "_").split("_")[0].lower()
    return "," if language in DECIMAL_COMMA_LANGUAGES else "."


def parse_price(text: Any, separator: str, username: str) -> Decimal | None:
    """A getOrderItems price (``1,234.50`` / ``1 234,50`` / ``1.234,50``) as Decimal.

    The last separator must be the locale's decimal one (OpenBoxes always prints decimals), or a
    grouping one followed by exactly three digits; anything else means the locale guess is wrong.
    """
    if text is None or isinstance(text, int | Decimal):
        return None if text is None else Decimal(text)
    raw = str(text).strip()
    if not raw:
        return None
    last = LAST_SEPARATOR.search(raw)
    if last and last.group(1) != separator and len(last.group(2)) != 3:
        raise ValueError(f"the price '{raw}', which does not match the locale of user '{username}'")
    try:
        return parse_amount(raw, separator)
    except ValueError:
        raise ValueError(f"the price '{raw}', which is not a number") from None


def with_prices(item: Record, separator: str, username: str) -> Record:
    """The order item with ``unitPrice`` and ``totalPrice`` parsed; OpenBoxesUnexpectedPayload if one won't parse."""
    try:
        prices = {field: parse_price(item.get(field), separator, username) for field in ("unitPrice", "totalPrice")}
    except ValueError as error:
        raise OpenBoxesUnexpectedPayload(
            f"OpenBoxes sent {error}: set the user's locale to English in OpenBoxes, then retry"
        ) from None
    return {**item, **prices}


def order_adjustment(row: Record) -> Record:
    """A getOrderAdjustments element reduced to what the books need (the embedded order is dropped)."""
    kind, item = row.get("type"), row.get("orderItem")
    return {
        "id": row.get("id"),
        "description": row.get("description"),
        "type": {k: kind.get(k) for k in ("id", "name", "code")} if isinstance(kind, dict) else kind,
        "orderItem": {"id": item.get("id")} if isinstance(item, dict) else ({"id": item} if item else None),
        "percentage": _number(row.get("percentage")),
        "amount": _number(row.get("amount")),
        "isCanceled": bool(row.get("isCanceled")),
        "comments": row.get("comments"),
        "budgetCode": row.get("budgetCode"),
    }


def _number(value: Any) -> Any:
    """A Decimal for a number; anything else is passed on as sent, for the mapper to name the fix."""
    if value is None or value == "" or isinstance(value, bool):
        return None if value in (None, "") else value
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return value
    return number if number.is_finite() else value


def with_addresses(organization: Record, locations: list[Record]) -> Record:
    """The organization plus its ``locations`` and one ``address`` (the default location's first)."""
    default_id = (organization.get("defaultLocation") or {}).get("id")
    ordered = sorted(locations, key=lambda location: location.get("id") != default_id)
    address = next((loc["address"] for loc in ordered if loc.get("address")), None)
    return {**organization, "locations": locations, "address": address}


# --------------------------------------------------------------------------------------------------
# Query parameters.


def flag(value: bool) -> str:
    """A boolean as OpenBoxes reads it in a query."""
    return "true" if value else "false"


def mdy(day: date) -> str:
    """A day as ``MM/dd/yyyy`` (the purchase-order list's date filters)."""
    return day.strftime("%m/%d/%Y")


def iso(moment: datetime) -> str:
    """An aware datetime as ISO UTC to the second (the reports' date filters); ValueError if naive."""
    if moment.tzinfo is None:
        raise ValueError("start and end must be timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
