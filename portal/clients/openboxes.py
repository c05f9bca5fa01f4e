"""OpenBoxes 0.9 REST client: cookie session with a location, paging, normalized records, typed errors.

Facts come from ``../shared/reference/openboxes-api.md`` (§1 session, §2 conventions, §4 entities,
§6 polling). Every record the client returns is normalized the same way:

* enum objects ``{"enumType": …, "name": "PLACED"}`` become the plain string ``"PLACED"``;
* values under date keys (``lastUpdated``, ``date…``, ``…Date``) become aware UTC datetimes, whether
  OpenBoxes sent ISO UTC (``2025-03-04T15:20:11Z``), ``MM/dd/yyyy HH:mm XXX`` (carries its offset) or
  date-only ``MM/dd/yyyy`` (midnight in the server's time zone; ``.astimezone(ctx.timezone).date()``
  gives the calendar date back);
* JSON numbers with a fraction become ``Decimal`` (money never passes through float).

The client never loops retries: a Transient error goes up to the job layer, which retries with backoff.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from portal.sync.errors import Permanent, SyncError, Transient
from portal.sync.money import parse_amount

log = logging.getLogger(__name__)

Record = dict[str, Any]
DEFAULT_CONTEXT_PATH = "/openboxes"
SETTINGS = "Settings › OpenBoxes"
REQUEST_HEADERS = {"Accept": "application/json", "User-Agent": "openboxes-quickbooks-bridge"}
LOGIN_PAGES = ("/errors/handleUnauthorized", "/auth/login")
CHOOSE_LOCATION_PAGE = "/dashboard/chooseLocation"
FORBIDDEN_PAGE = "/errors/handleForbidden"
REPORT_MAX_PAGE = 100  # PaginationCommand caps report pages at 100 (reference §2.2)
APPROVED_PO_STATUSES = ("PLACED", "PARTIALLY_SHIPPED", "SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED")
SHIPPED_STATUSES = ("SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED")

# Refused whatever the configuration: link-local (cloud metadata lives there), unspecified, multicast,
# reserved, broadcast, and metadata endpoints that sit outside link-local.
ALWAYS_BLOCKED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "168.63.129.16/32",  # Azure host services
        "::/128",
        "fe80::/10",
        "ff00::/8",
        "fd00:ec2::254/128",  # AWS IPv6 metadata
    )
)
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: private in practice

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
# Errors: each is also a Transient or a Permanent, so the job layer knows what to do next.


class OpenBoxesError(SyncError):
    """Base of every error the OpenBoxes client raises (catch this to catch them all)."""


class OpenBoxesUnreachable(OpenBoxesError, Transient):
    """No usable answer: DNS failure, connection refused or dropped, timeout. Retry later."""


class OpenBoxesServerError(OpenBoxesError, Transient):
    """OpenBoxes (or a proxy in front of it) answered 5xx. Retry later."""


class OpenBoxesAuthFailed(OpenBoxesError, Permanent):
    """The login was refused, or a fresh session was refused at once (e.g. an inactive user)."""


class OpenBoxesNotFound(OpenBoxesError, Permanent):
    """The record (or the route) does not exist on this server."""


class OpenBoxesRequestRefused(OpenBoxesError, Permanent):
    """A 4xx other than 401/404: validation error, missing role, method not allowed."""


class OpenBoxesLocationUnavailable(OpenBoxesRequestRefused):
    """The configured location (facility) id is unknown or inactive on the server."""


class OpenBoxesUnexpectedPayload(OpenBoxesError, Permanent):
    """The answer is not the JSON this client understands (wrong URL, proxy page, other version).

    Permanent on purpose: the same request gives the same answer until someone fixes the URL, the
    proxy or the server version, so automatic retries would only spend attempts. Transport damage
    (truncated bodies, resets) surfaces as OpenBoxesUnreachable instead.
    """


class OpenBoxesUnsafeUrl(OpenBoxesError, Permanent):
    """The base URL is malformed or resolves to an address the bridge refuses to call (SSRF guard)."""


# --------------------------------------------------------------------------------------------------
# Plain results.


@dataclass(frozen=True)
class Page:
    """One ``max``/``offset`` page of normalized records.

    Attributes:
        records: The normalized records of this page, in server order.
        offset: The ``offset`` sent.
        limit: The ``max`` sent.
        total: ``totalCount`` when the endpoint reports one, else None.
    """

    records: list[Record]
    offset: int
    limit: int
    total: int | None = None

    @property
    def next_offset(self) -> int | None:
        """The offset of the following page, or None when this page is the last one."""
        end = self.offset + len(self.records)
        if self.total is not None:
            return end if end < self.total else None
        return end if self.records and len(self.records) >= self.limit else None


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
# The client.


class OpenBoxesClient:
    """One OpenBoxes server, one integration user, one location (facility).

    Logs in lazily on the first call (``POST /api/login`` with the location), keeps the JSESSIONID
    cookie, and logs in again once when a call comes back as "session lost" (a 302 to the
    unauthorized or login page, a 401, or an HTML page where JSON was expected), then retries that
    call once. Redirects are never followed.

    Args:
        base_url: ``https://host[:port]`` (the context path ``/openboxes`` is added) or a URL whose
            path is the deployment's context path, e.g. ``https://host/ob``.
        username: The integration user (username or e-mail).
        password: Its password; never logged nor put in messages.
        location_id: The facility (Location) id the session works in.
        timeout: Seconds to wait for a connection and for each answer.
        allow_private_networks: Allow hosts that resolve to private or loopback addresses.
        session: A ``requests.Session`` to use (the caller closes it); a new one otherwise.

    Raises:
        OpenBoxesUnsafeUrl: The URL is malformed or its host resolves to a refused address.
        OpenBoxesUnreachable: The host name does not resolve.
    """

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        location_id: str,
        *,
        timeout: float = 30,
        allow_private_networks: bool = False,
        session: requests.Session | None = None,
    ) -> None:
        self.username, self._password, self.location_id = username, password, location_id
        self._timeout, self._allow_private = timeout, allow_private_networks
        self._root_url, self._host, self._port = _split_base_url(base_url)
        self._refuse_unsafe_host()
        self._owns_http = session is None
        self._http = session if session is not None else requests.Session()
        self._logged_in = False
        self._context: ServerContext | None = None

    def __repr__(self) -> str:
        return f"OpenBoxesClient({self._root_url!r}, user={self.username!r}, location={self.location_id!r})"

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> OpenBoxesClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- connection and server context ----------------------------------------------------------

    def check(self) -> ServerContext:
        """Test the connection end to end (the console's "Test connection").

        Logs in afresh, checks that the configured location exists and is active, then reads the
        app context.

        Returns:
            The server context: ``app_version`` and ``location_name`` first of all.

        Raises:
            OpenBoxesAuthFailed: Wrong user or password, or the user is inactive.
            OpenBoxesLocationUnavailable: The location id is unknown or inactive.
            OpenBoxesUnreachable, OpenBoxesServerError, OpenBoxesUnexpectedPayload: As for any call.
        """
        self._login()
        try:
            location = self._read(f"/api/locations/{self.location_id}")
        except OpenBoxesNotFound:
            raise self._location_unavailable() from None
        if location.get("active") is False:
            raise self._location_unavailable()
        self._context = None
        return self.server_context()

    def server_context(self) -> ServerContext:
        """The app context of this session (read once, then cached for the client's lifetime).

        Returns:
            Version, location, default currency, server time zone and user locale.
        """
        if self._context is None:
            data = _envelope(self._get_json("/api/getAppContext"), "/api/getAppContext", dict)
            self._context = _server_context(data)
        return self._context

    # ---- products ---------------------------------------------------------------------------------

    def products_page(
        self,
        *,
        offset: int = 0,
        limit: int = 100,
        include_inactive: bool = True,
        sort: str = "lastUpdated",
        order: str = "desc",
    ) -> Page:
        """One page of ``GET /api/products`` (newest change first by default).

        Args:
            offset: Rows to skip.
            limit: Page size (OpenBoxes ``max``; must be ≥ 1, or the server would send everything).
            include_inactive: Include inactive products, so deactivations are seen.
            sort: Product property to sort by.
            order: ``"asc"`` or ``"desc"``.

        Returns:
            A Page of product dicts (``id``, ``productCode``, ``name``, ``pricePerUnit`` as Decimal or
            None, ``active``, ``dateCreated``/``lastUpdated`` as UTC datetimes, …) with ``total``.
        """
        params = {"includeInactive": _flag(include_inactive), "sort": sort, "order": order}
        return self._page("/api/products", params, offset, limit)

    def product(self, product_id: str) -> Record:
        """One product by id (``GET /api/products/{id}``); raises OpenBoxesNotFound if unknown."""
        return self._read(f"/api/products/{product_id}")

    # ---- suppliers --------------------------------------------------------------------------------

    def supplier_locations(self) -> dict[str, list[Record]]:
        """Active supplier locations (with addresses), grouped by organization id.

        ``GET /api/locations?locationTypeCode=SUPPLIER`` is not paged and is small; fetch it once per
        poll and pass it to :meth:`suppliers_page`.

        Returns:
            ``{organization_id: [location dict with "address", …]}``.
        """
        payload = self._get_json("/api/locations", {"locationTypeCode": "SUPPLIER"})
        grouped: dict[str, list[Record]] = {}
        for location in self._normalized(_envelope(payload, "/api/locations", list)):
            organization_id = (location.get("organization") or {}).get("id")
            if organization_id:
                grouped.setdefault(organization_id, []).append(location)
        return grouped

    def suppliers_page(
        self,
        *,
        offset: int = 0,
        limit: int = 100,
        sort: str = "lastUpdated",
        order: str = "desc",
        locations: Mapping[str, list[Record]] | None = None,
    ) -> Page:
        """One page of organizations with ROLE_SUPPLIER, each joined with its supplier locations.

        Args:
            offset: Rows to skip.
            limit: Page size (≥ 1).
            sort: Organization property to sort by.
            order: ``"asc"`` or ``"desc"``.
            locations: :meth:`supplier_locations` fetched earlier; fetched now (one more call) if None.

        Returns:
            A Page (``total`` is None: this endpoint reports none) of organization dicts (``id``,
            ``name``, ``code``, ``lastUpdated``, ``roles``, …) plus ``"locations"`` (list) and
            ``"address"`` (the default location's address, else the first one present, else None).
        """
        params = {"roleType": "ROLE_SUPPLIER", "sort": sort, "order": order}
        page = self._page("/api/organizations", params, offset, limit)
        by_organization = self.supplier_locations() if locations is None else locations
        records = [_with_addresses(org, by_organization.get(org["id"], [])) for org in page.records]
        return Page(records, page.offset, page.limit, page.total)

    # ---- purchase orders -------------------------------------------------------------------------

    def purchase_orders_page(
        self,
        *,
        offset: int = 0,
        limit: int = 100,
        statuses: Iterable[str] = (),
        ordered_from: date | None = None,
        ordered_through: date | None = None,
        sort: str = "lastUpdated",
        order: str = "desc",
    ) -> Page:
        """One page of the purchase-order summary list delivered to this client's location.

        The list lags behind edits (materialized view) and has no ``lastUpdated``; see reference §6.

        Args:
            offset: Rows to skip.
            limit: Page size (≥ 1).
            statuses: Derived statuses to keep (e.g. :data:`APPROVED_PO_STATUSES`); all when empty.
            ordered_from: First ``dateOrdered`` day (server calendar), inclusive.
            ordered_through: Last ``dateOrdered`` day, inclusive (sent as the next day, because the
                server compares with midnight at the start of ``statusEndDate``).
            sort: Order property to sort by (always sent: the list has no default order).
            order: ``"asc"`` or ``"desc"``.

        Returns:
            A Page with ``total`` of summary rows (``id``, ``orderNumber``, ``name``, ``status`` string,
            ``origin``/``destination`` display strings, ``dateOrdered`` datetime, ``total`` and
            ``totalNormalized`` as ``"1234.50 USD"`` strings, …).
        """
        params: dict[str, Any] = {"destination": self.location_id, "sort": sort, "order": order}
        params["status"] = list(statuses)
        if ordered_from is not None:
            params["statusStartDate"] = _mdy(ordered_from)
        if ordered_through is not None:
            params["statusEndDate"] = _mdy(ordered_through + timedelta(days=1))
        return self._page("/api/purchaseOrders", params, offset, limit)

    def purchase_order(self, order_id: str) -> Record:
        """The thin PO read (``GET /api/purchaseOrders/{id}``): status string, origin/destination, lines.

        Raises OpenBoxesNotFound for an unknown id.
        """
        return self._read(f"/api/purchaseOrders/{order_id}")

    def purchase_order_items(self, order_id: str) -> list[Record]:
        """PO lines with prices (``GET /openboxes/order/getOrderItems/{id}``, a UI endpoint).

        Returns:
            Line dicts (``id``, ``product``, ``quantity``, ``quantityUom``, ``quantityPerUom``,
            ``currencyCode``, ``orderItemStatusCode`` such as ``"CANCELED"``, …) whose ``unitPrice``
            and ``totalPrice`` are Decimals parsed with the user's locale (None when absent).

        Raises:
            OpenBoxesUnexpectedPayload: A price does not match the user's locale.
            OpenBoxesServerError: Also for an unknown order id (OpenBoxes answers 500).
        """
        path = f"/order/getOrderItems/{order_id}"
        items = self._normalized(_expect(self._get_json(path), path, list))
        separator = _decimal_separator(self.server_context().locale)
        return [_with_prices(item, separator, self.username) for item in items]

    # ---- outbound shipments ------------------------------------------------------------------------

    def outbound_stock_movements_page(
        self,
        *,
        offset: int = 0,
        limit: int = 100,
        receipt_statuses: Iterable[str] = (),
        sort: str = "lastUpdated",
        order: str = "desc",
    ) -> Page:
        """One page of outbound stock movements leaving this client's location.

        Args:
            offset: Rows to skip.
            limit: Page size (≥ 1).
            receipt_statuses: Shipment statuses to keep, e.g. :data:`SHIPPED_STATUSES`; all when empty.
            sort: List-item property to sort by.
            order: ``"asc"`` or ``"desc"``.

        Returns:
            A Page of list rows (``id`` = requisition id, ``identifier``, ``status``, ``currentStatus``,
            ``origin``, ``destination``, ``dateCreated``/``dateRequested`` datetimes, …). No
            ``lastUpdated`` or shipment id here: read :meth:`stock_movement` for those.
        """
        params = {"direction": "OUTBOUND", "origin": self.location_id, "sort": sort, "order": order}
        params["receiptStatusCode"] = list(receipt_statuses)
        return self._page("/api/stockMovements", params, offset, limit)

    def stock_movement(self, movement_id: str) -> Record:
        """One stock movement (``GET /api/stockMovements/{id}``).

        Returns:
            The movement with ``lastUpdated``, ``dateShipped``, ``associations.shipment.id``,
            ``lineItems``, ``requestType``/``sourceType`` as strings.
        """
        return self._read(f"/api/stockMovements/{movement_id}")

    def shipment(self, shipment_id: str) -> Record:
        """One shipment (``GET /api/generic/shipment/{id}``): shipped quantities and dates.

        Returns:
            ``id``, ``name``, ``status``, ``origin``, ``destination``, the four shipping/delivery
            dates as datetimes, and ``shipmentItems`` (``inventoryItem.product``, ``quantity``).
        """
        return self._read(f"/api/generic/shipment/{shipment_id}")

    # ---- inventory adjustments ---------------------------------------------------------------------

    def adjustments_page(
        self,
        *,
        start: datetime,
        end: datetime,
        offset: int = 0,
        limit: int = REPORT_MAX_PAGE,
        product_ids: Iterable[str] = (),
    ) -> Page:
        """One page of the inventory-transactions-summary report at this client's location.

        Args:
            start: First transaction time, inclusive (aware datetime).
            end: Last transaction time, inclusive (aware datetime).
            offset: Rows to skip.
            limit: Page size, 1 to 100 (the server caps pages at 100).
            product_ids: Only these products; all when empty.

        Returns:
            A Page with ``total`` of rows, newest first: ``transaction.transactionNumber``,
            ``product``, ``quantityDifference`` (signed), ``dateRecorded`` datetime,
            ``transactionAction``, … (no transaction id: key on number + product id).
        """
        if not 1 <= limit <= REPORT_MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {REPORT_MAX_PAGE}")
        params = {"facility": self.location_id, "startDate": _iso(start), "endDate": _iso(end)}
        params["products"] = list(product_ids)
        return self._page("/api/reports/inventory-transactions-summary", params, offset, limit)

    # ---- plumbing: pages and records ---------------------------------------------------------------

    def _page(self, path: str, params: Mapping[str, Any], offset: int, limit: int) -> Page:
        if limit < 1 or offset < 0:
            raise ValueError("limit must be ≥ 1 and offset ≥ 0 (without max OpenBoxes sends every row)")
        payload = self._get_json(path, {**params, "max": limit, "offset": offset})
        rows = _envelope(payload, path, list)
        total = payload.get("totalCount")
        return Page(self._normalized(rows), offset, limit, total if isinstance(total, int) else None)

    def _read(self, path: str) -> Record:
        return self._normalized([_envelope(self._get_json(path), path, dict)])[0]

    def _normalized(self, rows: list[Any]) -> list[Record]:
        try:
            return [_normalize(_expect(row, "a record", dict), self._server_zone) for row in rows]
        except ValueError as error:
            raise OpenBoxesUnexpectedPayload(f"OpenBoxes at {self._host} sent {error}") from None

    def _server_zone(self) -> ZoneInfo:
        zone = self.server_context().timezone
        if zone is None:
            raise OpenBoxesUnexpectedPayload(
                f"OpenBoxes at {self._host} sent a server-local date but reports no time zone in its app context"
            )
        return zone

    # ---- plumbing: session and HTTP ------------------------------------------------------------------

    def _get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET a path under the context path as JSON, logging in first, and again once if needed."""
        if not self._logged_in:
            self._login()
        response = self._send("GET", path, params=params)
        lost = _session_lost(response)
        if lost:
            log.info("OpenBoxes session at %s lost (%s); logging in again as %s", self._host, lost, self.username)
            self._login()
            response = self._send("GET", path, params=params)
            if _session_lost(response):
                raise self._refused_after_login(response)
        return self._decode(response, path)

    def _login(self) -> None:
        self._logged_in = False
        self._refuse_unsafe_host()
        body = {"username": self.username, "password": self._password, "location": self.location_id}
        response = self._send("POST", "/api/login", body=body)
        if response.status_code == 401:
            raise OpenBoxesAuthFailed(
                f"OpenBoxes at {self._host} refused the login of user '{self.username}': "
                f"fix the user name or password under {SETTINGS}",
                status=401,
            )
        if response.status_code >= 500:
            raise self._failure(response, "/api/login")
        if response.status_code != 200:
            raise OpenBoxesUnexpectedPayload(
                f"OpenBoxes at {self._host} answered the login with HTTP {response.status_code}: "
                f"check the OpenBoxes URL under {SETTINGS}",
                status=response.status_code,
            )
        self._logged_in = True

    def _send(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> requests.Response:
        try:
            return self._http.request(
                method,
                self._root_url + path,
                params=params,
                json=body,
                headers=REQUEST_HEADERS,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.Timeout as error:
            message = f"OpenBoxes at {self._host} did not answer within {self._timeout:g} s"
            raise OpenBoxesUnreachable(f"{message}; the sync will retry", outcome_unknown=False) from error
        except requests.RequestException as error:
            message = f"Could not reach OpenBoxes at {self._host} ({_transport_reason(error)})"
            raise OpenBoxesUnreachable(f"{message}; the sync will retry", outcome_unknown=False) from error

    def _decode(self, response: requests.Response, path: str) -> Any:
        if response.status_code != 200:
            raise self._failure(response, path)
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise OpenBoxesUnexpectedPayload(
                f"OpenBoxes at {self._host} answered {path} with something that is not JSON: "
                f"check the OpenBoxes URL under {SETTINGS}",
                status=response.status_code,
            ) from None

    def _failure(self, response: requests.Response, path: str) -> OpenBoxesError:
        """The typed error for an answer that is neither 200 nor "session lost"."""
        status = response.status_code
        where = f"OpenBoxes at {self._host} answered {path} with HTTP {status}{_server_message(response)}"
        if status >= 500:
            return OpenBoxesServerError(f"{where}; the sync will retry", status=status, outcome_unknown=False)
        if status == 404:
            return OpenBoxesNotFound(f"{where}: the record does not exist, or the URL is wrong", status=status)
        if status == 403:
            fix = f"give user '{self.username}' the needed role in OpenBoxes"
            return OpenBoxesRequestRefused(f"{where}: {fix}", status=status)
        if 400 <= status < 500:
            return OpenBoxesRequestRefused(f"{where}: report this to support", status=status)
        if 300 <= status < 400:
            return self._redirect_failure(response, where)
        return OpenBoxesUnexpectedPayload(f"{where}: check the OpenBoxes URL under {SETTINGS}", status=status)

    def _redirect_failure(self, response: requests.Response, where: str) -> OpenBoxesError:
        target = urlsplit(response.headers.get("Location", "")).path
        if target.endswith(FORBIDDEN_PAGE):
            return OpenBoxesRequestRefused(
                f"OpenBoxes denied user '{self.username}' access: give the user the needed role in OpenBoxes",
                status=403,
            )
        return OpenBoxesUnexpectedPayload(
            f"{where} (a redirect to {target or 'nowhere'}): check the OpenBoxes URL under {SETTINGS}",
            status=response.status_code,
        )

    def _refused_after_login(self, response: requests.Response) -> OpenBoxesError:
        """The error when a call still looks "session lost" right after a successful login."""
        if _redirect_path(response).endswith(CHOOSE_LOCATION_PAGE):
            return self._location_unavailable()
        if 200 <= response.status_code < 300:
            return OpenBoxesUnexpectedPayload(
                f"OpenBoxes at {self._host} answered with an HTML page instead of JSON, even after logging in "
                f"again: check the OpenBoxes URL under {SETTINGS}",
                status=response.status_code,
            )
        return OpenBoxesAuthFailed(
            f"OpenBoxes at {self._host} accepted the login of user '{self.username}' but refused its next "
            f"request (the user may be inactive): activate the user in OpenBoxes or fix {SETTINGS}",
            status=response.status_code,
        )

    def _location_unavailable(self) -> OpenBoxesLocationUnavailable:
        return OpenBoxesLocationUnavailable(
            f"OpenBoxes at {self._host} has no active location with id '{self.location_id}': "
            f"choose the facility under {SETTINGS}"
        )

    def _refuse_unsafe_host(self) -> None:
        """Resolve the host and refuse metadata/link-local addresses, and private ones unless allowed."""
        for address in _resolve(self._host, self._port):
            problem = _unsafe_address_reason(address, self._allow_private)
            if problem:
                raise OpenBoxesUnsafeUrl(
                    f"The OpenBoxes URL host {self._host} resolves to {address}, {problem}: "
                    f"use the server's public address under {SETTINGS}"
                )


# --------------------------------------------------------------------------------------------------
# Pure helpers.


def _split_base_url(base_url: str) -> tuple[str, str, int]:
    """``(root URL with context path, host, port)``; raises OpenBoxesUnsafeUrl for unusable URLs."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OpenBoxesUnsafeUrl(f"'{base_url}' is not an http(s) URL: fix the OpenBoxes URL under {SETTINGS}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise OpenBoxesUnsafeUrl(
            f"The OpenBoxes URL must not contain credentials, a query or a fragment: fix it under {SETTINGS}"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OpenBoxesUnsafeUrl(f"'{base_url}' has an invalid port: fix the OpenBoxes URL under {SETTINGS}") from None
    context_path = parts.path.rstrip("/") or DEFAULT_CONTEXT_PATH
    return f"{parts.scheme}://{parts.netloc}{context_path}", parts.hostname, port


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OpenBoxesUnreachable(
            f"The OpenBoxes host {host} could not be resolved; check the URL under {SETTINGS}",
            outcome_unknown=False,
        ) from error
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def _unsafe_address_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool) -> str:
    """Why the address is refused, or "" when it may be called."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in ALWAYS_BLOCKED if network.version == address.version):
        return "a link-local, metadata, multicast or unspecified address that is never allowed"
    private = address.is_private or address.is_loopback or address in SHARED_ADDRESS_SPACE
    if private and not allow_private:
        return "a private or loopback address (not allowed by this installation's configuration)"
    return ""


def _transport_reason(error: requests.RequestException) -> str:
    text = str(error).lower()
    if "refused" in text:
        return "connection refused"
    if "reset" in text or "aborted" in text or "remotedisconnected" in text or "closed" in text:
        return "the connection was dropped"
    return "network error"


def _session_lost(response: requests.Response) -> str:
    """Why the answer means "no live session" (for the log), or "" when it does not."""
    status = response.status_code
    if status == 401:
        return "401"
    if status in (301, 302, 303, 307):
        target = _redirect_path(response)
        return f"redirect to {target}" if target.endswith((*LOGIN_PAGES, CHOOSE_LOCATION_PAGE)) else ""
    if 200 <= status < 300:
        content_type = response.headers.get("Content-Type", "").lower()
        if "html" in content_type or response.content.lstrip()[:1] == b"<":
            return "an HTML page instead of JSON"
    return ""


def _redirect_path(response: requests.Response) -> str:
    return urlsplit(response.headers.get("Location", "")).path.rstrip("/")


def _server_message(response: requests.Response) -> str:
    """`` (<message>)`` from an OpenBoxes error body (JSON or one line of plain text), or ""."""
    content_type = response.headers.get("Content-Type", "")
    text = response.content[:300].decode("utf-8", "replace").strip()
    if "text/plain" in content_type and text and "\n" not in text:
        return f" ({text})"
    try:
        body = json.loads(response.content)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    message = body.get("errorMessage") or "; ".join(map(str, body.get("errorMessages") or []))
    return f" ({message})" if message else ""


def _expect(value: Any, what: str, kind: type) -> Any:
    if not isinstance(value, kind):
        expected = "a list" if kind is list else "an object"
        raise OpenBoxesUnexpectedPayload(
            f"OpenBoxes sent {type(value).__name__} where {what} should be {expected}: "
            "check that the server runs OpenBoxes 0.9"
        )
    return value


def _envelope(payload: Any, path: str, kind: type) -> Any:
    """``payload["data"]``, checked to be a list or a dict."""
    body = _expect(payload, f"the answer of {path}", dict)
    return _expect(body.get("data"), f'"data" of {path}', kind)


def _server_context(data: Mapping[str, Any]) -> ServerContext:
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
    if not name:
        return None
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise OpenBoxesUnexpectedPayload(f"OpenBoxes reports an unknown time zone '{name}'") from None


def _normalize(value: Any, zone: Callable[[], ZoneInfo], key: str = "") -> Any:
    """Enum objects → names, date strings under date keys → UTC datetimes, recursively."""
    if isinstance(value, dict):
        if "enumType" in value and "name" in value:
            return value["name"]
        return {name: _normalize(item, zone, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_normalize(item, zone) for item in value]
    if isinstance(value, str) and _is_date_key(key):
        return _parse_date(value, zone) if value.strip() else None
    return value


def _is_date_key(key: str) -> bool:
    return key == "lastUpdated" or key.startswith("date") or key.endswith("Date")


def _parse_date(text: str, zone: Callable[[], ZoneInfo]) -> datetime:
    """Any of OpenBoxes' date styles as an aware UTC datetime; ValueError for anything else."""
    try:
        moment = _date_in_any_style(text.strip(), zone)
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(f"the date '{text}' in a format the bridge does not understand")
    return moment.astimezone(UTC)


def _date_in_any_style(value: str, zone: Callable[[], ZoneInfo]) -> datetime | None:
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


def _decimal_separator(locale: str) -> str:
    language = locale.replace("-", "_").split("_")[0].lower()
    return "," if language in DECIMAL_COMMA_LANGUAGES else "."


def _parse_price(text: Any, separator: str, username: str) -> Decimal | None:
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


def _with_prices(item: Record, separator: str, username: str) -> Record:
    try:
        prices = {field: _parse_price(item.get(field), separator, username) for field in ("unitPrice", "totalPrice")}
    except ValueError as error:
        raise OpenBoxesUnexpectedPayload(
            f"OpenBoxes sent {error}: set the user's locale to English in OpenBoxes, then retry"
        ) from None
    return {**item, **prices}


def _with_addresses(organization: Record, locations: list[Record]) -> Record:
    default_id = (organization.get("defaultLocation") or {}).get("id")
    ordered = sorted(locations, key=lambda location: location.get("id") != default_id)
    address = next((loc["address"] for loc in ordered if loc.get("address")), None)
    return {**organization, "locations": locations, "address": address}


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _mdy(day: date) -> str:
    return day.strftime("%m/%d/%Y")


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("start and end must be timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
