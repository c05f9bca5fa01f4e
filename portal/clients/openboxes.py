"""OpenBoxes 0.9 REST client: cookie session with a location, paging, normalized records, typed errors.

It follows OpenBoxes 0.9's API as its source defines it (session cookies, paging conventions, the entity
routes, what can be polled). Every record the client returns is normalized the same way:

* enum objects ``{"enumType": …, "name": "PLACED"}`` become the plain string ``"PLACED"``;
* values under date keys (``lastUpdated``, ``date…``, ``…Date``) become aware UTC datetimes, whether
  OpenBoxes sent ISO UTC (``2025-03-04T15:20:11Z``), ``MM/dd/yyyy HH:mm XXX`` (carries its offset) or
  date-only ``MM/dd/yyyy`` (midnight in the server's time zone; ``.astimezone(ctx.timezone).date()``
  gives the calendar date back);
* JSON numbers with a fraction become ``Decimal`` (money never passes through float).

The client never loops retries: a Transient error goes up to the job layer, which retries with backoff.

The pieces it stands on: :mod:`portal.clients.openboxes_errors` (the typed errors, re-exported here),
:mod:`portal.clients.openboxes_http` (what an HTTP answer means), :mod:`portal.clients.openboxes_payloads`
(pure parsing of what OpenBoxes sends) and :mod:`portal.clients.netguard` (which addresses may be called).
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import requests

from portal.clients import netguard
from portal.clients.openboxes_errors import (
    SETTINGS,
    OpenBoxesAuthFailed,
    OpenBoxesError,
    OpenBoxesLocationUnavailable,
    OpenBoxesNotFound,
    OpenBoxesRequestRefused,
    OpenBoxesServerError,
    OpenBoxesUnexpectedPayload,
    OpenBoxesUnreachable,
    OpenBoxesUnsafeUrl,
)
from portal.clients.openboxes_http import (
    failure,
    location_unavailable,
    origin_of,
    refused_after_login,
    session_lost,
    split_base_url,
    transport_reason,
)
from portal.clients.openboxes_payloads import (
    Page,
    Record,
    Rejected,
    ServerContext,
    decimal_separator,
    envelope,
    expect,
    flag,
    iso,
    mdy,
    normalize,
    order_adjustment,
    parse_server_context,
    walk_pages,
    with_addresses,
    with_prices,
)

__all__ = [
    "APPROVED_PO_STATUSES",
    "REPORT_MAX_PAGE",
    "SHIPPED_STATUSES",
    "OpenBoxesAuthFailed",
    "OpenBoxesClient",
    "OpenBoxesError",
    "OpenBoxesLocationUnavailable",
    "OpenBoxesNotFound",
    "OpenBoxesRequestRefused",
    "OpenBoxesServerError",
    "OpenBoxesUnexpectedPayload",
    "OpenBoxesUnreachable",
    "OpenBoxesUnsafeUrl",
    "Page",
    "Record",
    "Rejected",
    "ServerContext",
    "walk_pages",
]

log = logging.getLogger(__name__)

REQUEST_HEADERS = {"Accept": "application/json", "User-Agent": "openboxes-quickbooks-bridge"}
REPORT_MAX_PAGE = 100  # OpenBoxes' PaginationCommand caps report pages at 100
APPROVED_PO_STATUSES = ("PLACED", "PARTIALLY_SHIPPED", "SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED")
SHIPPED_STATUSES = ("SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED")
RECEIVED_STATUSES = ("PARTIALLY_RECEIVED", "RECEIVED")
MANAGE_INVENTORY = "MANAGE_INVENTORY"  # the ActivityCode of a location that holds stock (a facility)


def _activity_names(activities: Any) -> set[str]:
    """``supportedActivities`` as names, whether OpenBoxes sent strings or ``{"name": …}`` enum maps."""
    items = activities if isinstance(activities, list) else []
    return {str(item.get("name") if isinstance(item, dict) else item) for item in items}


def _location_type(row: Mapping[str, Any]) -> str | None:
    kind = row.get("locationType")
    return kind.get("locationTypeCode") if isinstance(kind, dict) else None


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
        deadline: Seconds from now after which no request is started and none waits longer (a whole
            "Test connection" inside the web request); None for no overall limit.
        allow_private_networks: Allow hosts that resolve to private or loopback addresses.
        session: A ``requests.Session`` to use (the caller closes it); a new one otherwise. Either way
            its requests to this host go to the address checked here (``netguard.pin``).

    The host name is resolved once, here: every address is checked and the client connects only to a
    checked one for its whole life, so a DNS answer that changes later (rebinding) is never used.

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
        deadline: float | None = None,
        allow_private_networks: bool = False,
        session: requests.Session | None = None,
    ) -> None:
        self.username, self._password, self.location_id = username, password, location_id
        self._timeout, self._allow_private = timeout, allow_private_networks
        self._deadline_at = None if deadline is None else time.monotonic() + deadline
        self._root_url, self._host, self._port = split_base_url(base_url)
        self._owns_http = session is None
        self._http = session if session is not None else requests.Session()
        try:
            self._refuse_unsafe_host()
        except OpenBoxesError:
            self.close()
            raise
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
            raise location_unavailable(self._host, self.location_id) from None
        if location.get("active") is False:
            raise location_unavailable(self._host, self.location_id)
        self._context = None
        return self.server_context()

    def server_context(self) -> ServerContext:
        """The app context of this session (read once, then cached for the client's lifetime).

        Returns:
            Version, location, default currency, server time zone and user locale.
        """
        if self._context is None:
            data = envelope(self._get_json("/api/getAppContext"), "/api/getAppContext", dict)
            self._context = parse_server_context(data)
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
        params = {"includeInactive": flag(include_inactive), "sort": sort, "order": order}
        return self._page("/api/products", params, offset, limit)

    def product(self, product_id: str) -> Record:
        """One product by id (``GET /api/products/{id}``); raises OpenBoxesNotFound if unknown."""
        return self._read(f"/api/products/{product_id}")

    # ---- locations --------------------------------------------------------------------------------

    def facilities(self) -> list[Record]:
        """The active locations that hold stock, by name: the facilities a tenant can pick to sync.

        ``GET /api/locations`` (active, top-level, not paged) with each ``Location.toJson()``; a facility
        lists ``MANAGE_INVENTORY`` among its ``supportedActivities`` (strings or enum maps). When no row
        carries that field, every location but suppliers is offered.

        Returns:
            Location dicts (``id``, ``name``, ``locationNumber``, ``locationType``, …).
        """
        rows = self._normalized(envelope(self._get_json("/api/locations"), "/api/locations", list))
        if any("supportedActivities" in row for row in rows):
            found = [row for row in rows if MANAGE_INVENTORY in _activity_names(row.get("supportedActivities"))]
        else:
            found = [row for row in rows if _location_type(row) != "SUPPLIER"]
        return sorted(found, key=lambda row: str(row.get("name") or "").casefold())

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
        for location in self._normalized(envelope(payload, "/api/locations", list)):
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
        records = [with_addresses(org, by_organization.get(org.get("id"), [])) for org in page.records]
        return Page(records, page.offset, page.limit, page.total, page.rejected)

    def organization(self, organization_id: str) -> Record:
        """One organization by id (``GET /api/organizations/{id}``; OpenBoxes answers 500 for an unknown id)."""
        return self._read(f"/api/organizations/{organization_id}")

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

        The list lags behind edits (a materialized view) and has no ``lastUpdated``, so callers re-read a window.

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
            params["statusStartDate"] = mdy(ordered_from)
        if ordered_through is not None:
            params["statusEndDate"] = mdy(ordered_through + timedelta(days=1))
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
        items = self._normalized(expect(self._get_json(path), path, list))
        separator = decimal_separator(self.server_context().locale)
        return [with_prices(item, separator, self.username) for item in items]

    def purchase_order_adjustments(self, order_id: str) -> list[Record]:
        """Order adjustments (``GET /openboxes/order/getOrderAdjustments/{id}``, a UI endpoint).

        Returns:
            Adjustments oldest first, canceled ones included: ``id``, ``description``, ``type``
            (``{id, name, code}`` or None), ``orderItem`` (``{id}`` or None: None means the whole
            order), ``percentage`` and ``amount`` as Decimals or None (for a percentage adjustment
            OpenBoxes reports a computed ``amount``; a value that is not a number is passed on as
            sent, for the mapper to name), ``isCanceled``, ``comments``, ``budgetCode``.

        Raises:
            OpenBoxesServerError: Also for an unknown order id (OpenBoxes answers 500).
        """
        path = f"/order/getOrderAdjustments/{order_id}"
        return [order_adjustment(row) for row in self._normalized(expect(self._get_json(path), path, list))]

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

    # ---- inbound receipts --------------------------------------------------------------------------

    def inbound_stock_movements_page(
        self,
        *,
        offset: int = 0,
        limit: int = 100,
        receipt_statuses: Iterable[str] = RECEIVED_STATUSES,
    ) -> Page:
        """One page of inbound stock movements into this client's location, newest change first.

        Args:
            offset: Rows to skip.
            limit: Page size (≥ 1).
            receipt_statuses: Shipment statuses to keep; :data:`RECEIVED_STATUSES` by default.

        Returns:
            A Page of list rows: ``id`` (the shipment id), ``identifier``, ``currentStatus``,
            ``order`` (``{id, name, orderNumber}`` for a purchase order's shipment, else null), ….
        """
        params = {"direction": "INBOUND", "destination": self.location_id, "sort": "lastUpdated", "order": "desc"}
        params["receiptStatusCode"] = list(receipt_statuses)
        return self._page("/api/stockMovements", params, offset, limit)

    def partial_receipt(self, shipment_id: str) -> Record:
        """What an inbound shipment has received so far (``GET /api/partialReceiving/{id}?stepNumber=1``).

        Returns:
            ``shipmentId``, ``shipmentStatus``, and ``containers[].shipmentItems[]`` with
            ``product.id``, ``quantityShipped`` and ``quantityReceived`` (the sum of RECEIVED receipts).
        """
        path = f"/api/partialReceiving/{shipment_id}"
        return self._normalized([envelope(self._get_json(path, {"stepNumber": 1}), path, dict)])[0]

    def quantity_on_hand(self, product_id: str) -> Decimal:
        """A product's quantity on hand at this client's location, now.

        ``GET /api/products/{id}/productAvailabilityAndDemand?locationId=`` (answers without the
        ``data`` envelope: ``quantityOnHand``, ``quantityAvailable``, ``monthlyDemand``).
        """
        path = f"/api/products/{product_id}/productAvailabilityAndDemand"
        payload = expect(self._get_json(path, {"locationId": self.location_id}), f"the answer of {path}", dict)
        quantity = payload.get("quantityOnHand")
        if isinstance(quantity, bool) or not isinstance(quantity, int | float):
            raise OpenBoxesUnexpectedPayload(
                f"OpenBoxes at {self._host} sent {quantity!r} as the quantity on hand of product {product_id}"
            )
        return Decimal(str(quantity))

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
        params = {"facility": self.location_id, "startDate": iso(start), "endDate": iso(end)}
        params["products"] = list(product_ids)
        return self._page("/api/reports/inventory-transactions-summary", params, offset, limit)

    # ---- plumbing: pages and records ---------------------------------------------------------------

    def _page(self, path: str, params: Mapping[str, Any], offset: int, limit: int) -> Page:
        if limit < 1 or offset < 0:
            raise ValueError("limit must be ≥ 1 and offset ≥ 0 (without max OpenBoxes sends every row)")
        payload = self._get_json(path, {**params, "max": limit, "offset": offset})
        rows = envelope(payload, path, list)
        total = payload.get("totalCount")
        records, rejected = self._normalized_each(rows)
        return Page(records, offset, limit, total if isinstance(total, int) else None, rejected)

    def _read(self, path: str) -> Record:
        return self._normalized([envelope(self._get_json(path), path, dict)])[0]

    def _normalized(self, rows: list[Any]) -> list[Record]:
        try:
            return [normalize(expect(row, "a record", dict), self._server_zone) for row in rows]
        except ValueError as error:
            raise OpenBoxesUnexpectedPayload(f"OpenBoxes at {self._host} sent {error}", detail=str(error)) from None

    def _normalized_each(self, rows: list[Any]) -> tuple[list[Record], tuple[Rejected, ...]]:
        """Rows normalized one by one: a row that cannot be read is set aside, not fatal to its page.

        When no row at all can be read the cause is not in the rows (e.g. no server time zone): raise it.
        """
        records, rejected = [], []
        for row in rows:
            if not isinstance(row, dict):
                rejected.append(Rejected(row, f"{type(row).__name__} where a record should be an object"))
                continue
            try:
                records.append(normalize(row, self._server_zone))
            except ValueError as error:
                rejected.append(Rejected(row, str(error)))
        if rejected and not records:
            raise OpenBoxesUnexpectedPayload(f"OpenBoxes at {self._host} sent {rejected[0].reason}")
        return records, tuple(rejected)

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
        lost = session_lost(response)
        if lost:
            log.info("OpenBoxes session at %s lost (%s); logging in again as %s", self._host, lost, self.username)
            self._login()
            response = self._send("GET", path, params=params)
            if session_lost(response):
                raise refused_after_login(
                    response, host=self._host, username=self.username, location_id=self.location_id
                )
        return self._decode(response, path)

    def _login(self) -> None:
        self._logged_in = False
        body = {"username": self.username, "password": self._password, "location": self.location_id}
        response = self._send("POST", "/api/login", body=body)
        if response.status_code == 401:
            raise OpenBoxesAuthFailed(
                f"OpenBoxes at {self._host} refused the login of user '{self.username}': "
                f"fix the user name or password under {SETTINGS}",
                status=401,
            )
        if response.status_code >= 500:
            raise failure(response, "/api/login", host=self._host, username=self.username)
        if response.status_code != 200:
            raise OpenBoxesUnexpectedPayload(
                f"OpenBoxes at {self._host} answered the login with error {response.status_code}: "
                f"check the OpenBoxes URL under {SETTINGS}",
                status=response.status_code,
            )
        self._logged_in = True

    def _send(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> requests.Response:
        timeout = self._request_timeout()
        try:
            return self._http.request(
                method,
                self._root_url + path,
                params=params,
                json=body,
                headers=REQUEST_HEADERS,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.Timeout as error:
            message = f"OpenBoxes at {self._host} did not answer within {timeout:g} s"
            raise OpenBoxesUnreachable(f"{message}; the sync will retry", outcome_unknown=False) from error
        except requests.RequestException as error:
            message = f"Could not reach OpenBoxes at {self._host} ({transport_reason(error)})"
            raise OpenBoxesUnreachable(f"{message}; the sync will retry", outcome_unknown=False) from error

    def _request_timeout(self) -> float:
        """Seconds this request may wait: the client's timeout, cut to what is left of the deadline."""
        if self._deadline_at is None:
            return self._timeout
        left = round(self._deadline_at - time.monotonic(), 3)
        if left <= 0:
            raise OpenBoxesUnreachable(f"OpenBoxes at {self._host} did not answer in time", outcome_unknown=False)
        return min(self._timeout, left)

    def _decode(self, response: requests.Response, path: str) -> Any:
        if response.status_code != 200:
            raise failure(response, path, host=self._host, username=self.username)
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise OpenBoxesUnexpectedPayload(
                f"OpenBoxes at {self._host} answered {path} with something that is not JSON: "
                f"check the OpenBoxes URL under {SETTINGS}",
                status=response.status_code,
            ) from None

    def _refuse_unsafe_host(self) -> None:
        """Resolve the host, refuse it if any address is metadata/link-local (or private unless allowed),
        and pin the session to the address checked, so a second DNS answer cannot redirect the requests."""
        try:
            address = netguard.checked_address(self._host, self._port, self._allow_private)
        except (socket.gaierror, UnicodeError) as error:
            raise OpenBoxesUnreachable(
                f"The OpenBoxes host {self._host} could not be resolved; check the URL under {SETTINGS}",
                outcome_unknown=False,
            ) from error
        except netguard.UnsafeAddress as unsafe:
            raise OpenBoxesUnsafeUrl(
                f"The OpenBoxes URL host {self._host} resolves to {unsafe.address}, {unsafe.reason}: "
                f"use the server's public address under {SETTINGS}"
            ) from None
        netguard.pin(self._http, origin_of(self._root_url), address)
