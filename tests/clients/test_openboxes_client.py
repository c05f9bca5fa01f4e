"""OpenBoxesClient against the OpenBoxes sandbox over real HTTP (parsing helpers also tested directly)."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
import requests

from portal.clients import openboxes_http, openboxes_payloads
from portal.clients.openboxes import (
    SHIPPED_STATUSES,
    OpenBoxesAuthFailed,
    OpenBoxesClient,
    OpenBoxesLocationUnavailable,
    OpenBoxesNotFound,
    OpenBoxesRequestRefused,
    OpenBoxesServerError,
    OpenBoxesUnexpectedPayload,
    OpenBoxesUnreachable,
    OpenBoxesUnsafeUrl,
    Page,
    walk_pages,
)
from portal.sync.errors import Permanent, Transient

LOGIN = "POST /openboxes/api/login"
PRODUCTS = "GET /openboxes/api/products"
APP_CONTEXT = "GET /openboxes/api/getAppContext"


def counts(sandbox) -> dict[str, int]:
    return sandbox.request_counts()


def request_log(sandbox, route: str) -> list[dict]:
    return sandbox.request_log(route)


def inject(sandbox, route: str, **fault: object) -> None:
    sandbox.fault(route=route, **fault)


def epoch_utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# ---- login, check, session -------------------------------------------------------------------------


def test_check_reports_version_location_and_server_settings(openboxes_client):
    context = openboxes_client.check()
    assert context.app_version == "0.9.8"
    assert context.location_name == "Main Warehouse"
    assert context.location_id == openboxes_client.location_id
    assert context.timezone == ZoneInfo("America/New_York")
    assert (context.currency_code, context.locale) == ("USD", "en")


def test_check_with_unknown_location_raises_location_unavailable(openboxes_sandbox, make_openboxes_client):
    client = make_openboxes_client(openboxes_sandbox, location_id="no-such-facility")
    with pytest.raises(OpenBoxesLocationUnavailable, match="no-such-facility.*Settings › OpenBoxes"):
        client.check()


def test_first_call_logs_in_once_and_each_page_is_one_request(openboxes_sandbox, openboxes_client):
    openboxes_client.products_page(limit=5)
    assert counts(openboxes_sandbox) == {LOGIN: 1, PRODUCTS: 1}
    openboxes_client.products_page(offset=5, limit=5)
    assert counts(openboxes_sandbox) == {LOGIN: 1, PRODUCTS: 2}
    login = request_log(openboxes_sandbox, "/openboxes/api/login")
    assert len(login) == 1


def test_wrong_password_raises_auth_failed_naming_the_user_and_the_fix(
    openboxes_sandbox, make_openboxes_client, caplog
):
    caplog.set_level(logging.DEBUG)
    client = make_openboxes_client(openboxes_sandbox, password="wrong-pass-123")
    with pytest.raises(OpenBoxesAuthFailed) as caught:
        client.products_page()
    error = caught.value
    assert isinstance(error, Permanent) and error.category == "permanent" and error.status == 401
    assert "integration-bot" in error.message and "Settings › OpenBoxes" in error.message
    assert "wrong-pass-123" not in error.message and "wrong-pass-123" not in caplog.text
    assert "wrong-pass-123" not in repr(client)
    assert counts(openboxes_sandbox) == {LOGIN: 1}


def test_expired_session_logs_in_again_once_and_retries_once(openboxes_sandbox, openboxes_client, caplog):
    caplog.set_level(logging.DEBUG)
    first = openboxes_client.products_page(limit=3)
    openboxes_sandbox.control("POST", "/sessions/expire", {})
    again = openboxes_client.products_page(limit=3)
    assert [p["id"] for p in again.records] == [p["id"] for p in first.records]
    # login, page, (page → 302, login, page)
    assert counts(openboxes_sandbox) == {LOGIN: 2, PRODUCTS: 3}
    assert "s3cret" not in caplog.text


def test_idle_timeout_expiry_is_handled_the_same_way(start_openboxes_sandbox, make_openboxes_client):
    sandbox = start_openboxes_sandbox(session_timeout=60)
    client = make_openboxes_client(sandbox)
    client.product(client.products_page(limit=1).records[0]["id"])
    sandbox.control("POST", "/clock", {"advance": 61})
    assert client.products_page(limit=1).records
    assert counts(sandbox)[LOGIN] == 2


def test_inactive_user_is_refused_after_exactly_one_new_login(openboxes_sandbox, make_openboxes_client):
    client = make_openboxes_client(openboxes_sandbox, username="inactive", password="password")
    with pytest.raises(OpenBoxesAuthFailed, match="'inactive'.*may be inactive"):
        client.products_page()
    assert counts(openboxes_sandbox) == {LOGIN: 2, PRODUCTS: 2}


def test_html_page_where_json_was_expected_logs_in_again_and_retries(openboxes_sandbox, openboxes_client):
    openboxes_client.products_page(limit=1)
    inject(openboxes_sandbox, "/openboxes/api/products", kind="error", status=200, count=1)
    page = openboxes_client.products_page(limit=2)
    assert len(page.records) == 2
    assert counts(openboxes_sandbox) == {LOGIN: 2, PRODUCTS: 3}


def test_401_logs_in_again_and_retries(openboxes_sandbox, openboxes_client):
    openboxes_client.products_page(limit=1)
    inject(openboxes_sandbox, "/openboxes/api/products", kind="error", status=401, count=1)
    assert len(openboxes_client.products_page(limit=2).records) == 2
    assert counts(openboxes_sandbox) == {LOGIN: 2, PRODUCTS: 3}


def test_html_page_again_after_the_new_login_raises_unexpected_payload(openboxes_sandbox, openboxes_client):
    inject(openboxes_sandbox, "/openboxes/api/products", kind="error", status=200, count=2)
    with pytest.raises(OpenBoxesUnexpectedPayload, match="HTML page instead of JSON") as caught:
        openboxes_client.products_page()
    assert isinstance(caught.value, Permanent)
    assert counts(openboxes_sandbox) == {LOGIN: 2, PRODUCTS: 2}


def test_redirect_to_choose_location_raises_location_unavailable_after_one_retry(
    openboxes_sandbox, make_openboxes_client
):
    client = make_openboxes_client(openboxes_sandbox, location_id="no-such-facility")
    order_id = openboxes_sandbox.hard_case("po_pending")[0]
    with pytest.raises(OpenBoxesLocationUnavailable):
        client.purchase_order_items(order_id)
    assert counts(openboxes_sandbox) == {LOGIN: 2, "GET /openboxes/order/getOrderItems/<order_id>": 2}


# ---- transport and server failures ----------------------------------------------------------------


def test_server_error_once_raises_transient_without_retrying(openboxes_sandbox, openboxes_client):
    openboxes_client.products_page(limit=1)
    inject(openboxes_sandbox, "/openboxes/api/products", kind="error", status=503, count=1)
    with pytest.raises(OpenBoxesServerError) as caught:
        openboxes_client.products_page(limit=1)
    error = caught.value
    assert isinstance(error, Transient) and error.category == "transient" and error.status == 503
    assert error.outcome_unknown is False
    assert counts(openboxes_sandbox) == {LOGIN: 1, PRODUCTS: 2}
    assert openboxes_client.products_page(limit=1).records  # the job layer's retry would succeed


def test_server_error_message_carries_the_openboxes_error_message(openboxes_client):
    # getOrderItems answers an unknown order id with a 500 NullPointerException (as OpenBoxes 0.9 does)
    with pytest.raises(OpenBoxesServerError, match="Cannot get property 'orderItems' on null object"):
        openboxes_client.purchase_order_items("no-such-order")


def test_dropped_connection_raises_transient_unreachable(openboxes_sandbox, openboxes_client):
    openboxes_client.products_page(limit=1)
    inject(openboxes_sandbox, "/openboxes/api/products", kind="drop", count=1)
    with pytest.raises(OpenBoxesUnreachable, match="dropped") as caught:
        openboxes_client.products_page(limit=1)
    assert isinstance(caught.value, Transient) and caught.value.status is None
    assert counts(openboxes_sandbox)[PRODUCTS] == 2


def test_slow_answer_past_the_timeout_raises_transient_unreachable(openboxes_sandbox, make_openboxes_client):
    client = make_openboxes_client(openboxes_sandbox, timeout=0.3)
    client.products_page(limit=1)
    inject(openboxes_sandbox, "/openboxes/api/products", kind="slow", delay=1.0, count=1)
    with pytest.raises(OpenBoxesUnreachable, match="did not answer within 0.3 s"):
        client.products_page(limit=1)


def test_closed_port_raises_transient_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = OpenBoxesClient(f"http://127.0.0.1:{port}", "u", "p", "loc", allow_private_networks=True)
    with pytest.raises(OpenBoxesUnreachable, match="connection refused"):
        client.check()
    client.close()


def test_unknown_records_raise_not_found(openboxes_client):
    with pytest.raises(OpenBoxesNotFound):
        openboxes_client.product("no-such-product")
    with pytest.raises(OpenBoxesNotFound, match="No order found"):  # plain-text 404
        openboxes_client.purchase_order("no-such-order")
    with pytest.raises(OpenBoxesNotFound):
        openboxes_client.stock_movement("no-such-movement")
    with pytest.raises(OpenBoxesNotFound):
        openboxes_client.shipment("no-such-shipment")


# ---- SSRF guard -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://169.254.10.1:8080",
        "http://[fe80::1]:8080",
        "http://[::ffff:169.254.169.254]",
        "http://0.0.0.0:8801",
        "http://224.0.0.1",
        "http://100.100.100.200",
        "http://[fd00:ec2::254]",
    ],
)
def test_metadata_link_local_and_unspecified_addresses_are_always_refused(url):
    with pytest.raises(OpenBoxesUnsafeUrl, match="never allowed") as caught:
        OpenBoxesClient(url, "u", "p", "loc", allow_private_networks=True)
    assert isinstance(caught.value, Permanent)


@pytest.mark.parametrize(
    "url", ["http://10.1.2.3", "http://192.168.1.10:8080", "http://127.0.0.1:8801", "http://localhost:8801"]
)
def test_private_and_loopback_addresses_need_the_flag(url):
    with pytest.raises(OpenBoxesUnsafeUrl, match="private or loopback"):
        OpenBoxesClient(url, "u", "p", "loc")
    OpenBoxesClient(url, "u", "p", "loc", allow_private_networks=True).close()


@pytest.mark.parametrize("url", ["ftp://example.org", "http://user:pw@example.org", "http://", "openboxes"])
def test_malformed_urls_are_refused(url):
    with pytest.raises(OpenBoxesUnsafeUrl):
        OpenBoxesClient(url, "u", "p", "loc", allow_private_networks=True)


def test_sandbox_url_is_refused_without_the_flag(openboxes_sandbox):
    with pytest.raises(OpenBoxesUnsafeUrl):
        OpenBoxesClient(openboxes_sandbox.url, "integration-bot", "s3cret", "loc")
    assert counts(openboxes_sandbox) == {}


def test_explicit_context_path_is_used_as_is(openboxes_sandbox):
    facility = openboxes_sandbox.info()["facilityId"]
    url = f"{openboxes_sandbox.url}/openboxes/"
    with OpenBoxesClient(url, "integration-bot", "s3cret", facility, allow_private_networks=True) as client:
        assert client.check().app_version == "0.9.8"


# ---- paging ---------------------------------------------------------------------------------------


def test_products_page_sorts_by_last_update_descending_and_includes_inactive(openboxes_sandbox, openboxes_client):
    page = openboxes_client.products_page(limit=25)
    assert len(page.records) == 25 and page.total == 300 and page.next_offset == 25
    stamps = [product["lastUpdated"] for product in page.records]
    assert stamps == sorted(stamps, reverse=True)
    query = parse_qs(request_log(openboxes_sandbox, "/openboxes/api/products")[0]["query"])
    assert query == {
        "includeInactive": ["true"],
        "sort": ["lastUpdated"],
        "order": ["desc"],
        "max": ["25"],
        "offset": ["0"],
    }
    assert openboxes_client.products_page(limit=1, include_inactive=False).total == 296


def test_walk_pages_reads_every_page_once_and_stops_after_the_last(start_openboxes_sandbox, make_openboxes_client):
    sandbox = start_openboxes_sandbox(data="empty")
    for number in range(7):
        sandbox.control("POST", "/products", {"name": f"Product {number}", "pricePerUnit": "1.5"})
    client = make_openboxes_client(sandbox)
    pages = list(walk_pages(partial(client.products_page, sort="name", order="asc"), page_size=3))
    assert [len(page.records) for page in pages] == [3, 3, 1]
    assert [p["name"] for page in pages for p in page.records] == [f"Product {n}" for n in range(7)]
    assert counts(sandbox)[PRODUCTS] == 3


def test_a_row_the_client_cannot_read_is_set_aside_and_its_page_goes_on(start_openboxes_sandbox, make_openboxes_client):
    sandbox = start_openboxes_sandbox(data="empty")
    ids = [sandbox.control("POST", "/products", {"name": f"Product {n}"})["id"] for n in range(3)]
    sandbox.control("POST", f"/products/{ids[1]}/corrupt", {"set": {"lastUpdated": "next Tuesday"}})
    client = make_openboxes_client(sandbox)

    page = client.products_page(limit=3, sort="name", order="asc")

    assert [product["id"] for product in page.records] == [ids[0], ids[2]]
    [rejected] = page.rejected
    assert rejected.row["id"] == ids[1] and "next Tuesday" in rejected.reason
    assert page.next_offset is None  # all three rows were sent: nothing is left to page
    for product_id in (ids[0], ids[2]):
        sandbox.control("POST", f"/products/{product_id}/corrupt", {"set": {"lastUpdated": "later"}})
    with pytest.raises(OpenBoxesUnexpectedPayload, match="in a format the bridge does not understand"):
        client.products_page(limit=3)  # nothing readable: the cause is not in one row


def test_an_error_answer_keeps_what_openboxes_said_apart(start_openboxes_sandbox, make_openboxes_client):
    sandbox = start_openboxes_sandbox(data="empty")
    product = sandbox.control("POST", "/products", {"name": "Gauze"})
    sandbox.control("POST", f"/products/{product['id']}/delete")
    with pytest.raises(OpenBoxesNotFound) as caught:
        make_openboxes_client(sandbox).product(product["id"])
    assert caught.value.detail == f"Resource product with id {product['id']} could not be found"


def test_page_next_offset_without_total_uses_the_page_size():
    assert Page([{}] * 3, offset=6, limit=3).next_offset == 9
    assert Page([{}] * 2, offset=6, limit=3).next_offset is None
    assert Page([], offset=0, limit=3).next_offset is None
    assert Page([{}] * 3, offset=6, limit=3, total=9).next_offset is None


def test_limit_below_one_is_refused_because_openboxes_would_send_everything(openboxes_client):
    with pytest.raises(ValueError):
        openboxes_client.products_page(limit=0)


# ---- records: products, suppliers, purchase orders, shipments, adjustments ---------------------------


def test_product_by_id_has_decimal_price_and_utc_datetimes(openboxes_sandbox, openboxes_client):
    product_id = openboxes_client.products_page(limit=1).records[0]["id"]
    openboxes_sandbox.control("PATCH", f"/products/{product_id}", {"pricePerUnit": 12.345})
    product = openboxes_client.product(product_id)
    raw = openboxes_sandbox.record("product", product_id)
    assert product["pricePerUnit"] == Decimal("12.345") and isinstance(product["pricePerUnit"], Decimal)
    assert product["lastUpdated"] == epoch_utc(raw["lastUpdated"])
    assert product["dateCreated"] == epoch_utc(raw["dateCreated"])
    assert product["lastUpdated"].tzinfo is UTC


def test_suppliers_page_joins_supplier_locations_by_organization(openboxes_sandbox, openboxes_client):
    page = openboxes_client.suppliers_page(limit=50)
    assert page.total is None and len(page.records) == 40
    assert counts(openboxes_sandbox)["GET /openboxes/api/locations"] == 1
    with_address = [s for s in page.records if s["address"]]
    assert with_address and all(s["locations"][0]["organization"]["id"] == s["id"] for s in with_address)
    assert all("ROLE_SUPPLIER" in [role["roleType"] for role in s["roles"]] for s in page.records)
    no_address = openboxes_sandbox.hard_case("supplier_without_address")[0]
    assert next(s for s in page.records if s["id"] == no_address)["address"] is None


def test_suppliers_page_reuses_locations_fetched_once(openboxes_sandbox, openboxes_client):
    locations = openboxes_client.supplier_locations()
    for offset in (0, 10, 20):
        openboxes_client.suppliers_page(offset=offset, limit=10, locations=locations)
    assert counts(openboxes_sandbox)["GET /openboxes/api/locations"] == 1
    assert counts(openboxes_sandbox)["GET /openboxes/api/organizations"] == 3


def test_purchase_order_status_enum_object_becomes_a_string(openboxes_sandbox, openboxes_client):
    order_id = openboxes_sandbox.hard_case("po_received")[0]
    order = openboxes_client.purchase_order(order_id)
    assert order["status"] == "RECEIVED"
    assert isinstance(order["orderItems"][0]["product"]["lastUpdated"], datetime)


def test_purchase_orders_page_filters_by_status_location_and_inclusive_order_dates(openboxes_sandbox, openboxes_client):
    supplier = openboxes_sandbox.hard_case("supplier_unicode_names")[0]
    product = openboxes_client.products_page(limit=1).records[0]["id"]
    late_today = datetime.now(ZoneInfo("America/New_York")).replace(hour=23, minute=30, second=0, microsecond=0)
    body = {"supplierId": supplier, "lines": [{"productId": product, "quantity": 1, "unitPrice": "2"}]}
    body |= {"dateOrdered": late_today.isoformat(timespec="seconds"), "place": True}
    order = openboxes_sandbox.control("POST", "/purchase-orders", body)
    day = late_today.date()
    page = openboxes_client.purchase_orders_page(statuses=["PLACED"], ordered_from=day, ordered_through=day)
    assert order["id"] in [row["id"] for row in page.records]
    assert all(row["status"] == "PLACED" for row in page.records)
    query = parse_qs(request_log(openboxes_sandbox, "/openboxes/api/purchaseOrders")[-1]["query"])
    assert query["destination"] == [openboxes_client.location_id]
    assert query["statusEndDate"] == [(day + timedelta(days=1)).strftime("%m/%d/%Y")]
    before = openboxes_client.purchase_orders_page(ordered_through=day - timedelta(days=1))
    assert order["id"] not in [row["id"] for row in before.records]


@pytest.mark.parametrize("locale", ["en", "fr", "de"])
def test_purchase_order_item_prices_are_decimals_in_every_locale(openboxes_sandbox, make_openboxes_client, locale):
    openboxes_sandbox.control("PATCH", "/users/integration-bot", {"locale": locale})
    supplier = openboxes_sandbox.hard_case("supplier_unicode_names")[0]
    products = [p["id"] for p in openboxes_sandbox.control("GET", "/records/product")["records"][40:42]]
    lines = [
        {"productId": products[0], "quantity": 3, "unitPrice": "1234.5"},
        {"productId": products[1], "quantity": 2, "unitPrice": "0.1235"},
    ]
    order = openboxes_sandbox.control("POST", "/purchase-orders", {"supplierId": supplier, "lines": lines})
    items = make_openboxes_client(openboxes_sandbox).purchase_order_items(order["id"])
    assert [(i["unitPrice"], i["totalPrice"]) for i in items] == [
        (Decimal("1234.50"), Decimal("3703.50")),
        (Decimal("0.1235"), Decimal("0.25")),
    ]
    assert items[0]["orderItemStatusCode"] == "PENDING" and isinstance(items[0]["dateCreated"], datetime)


def test_french_user_prices_with_narrow_no_break_spaces(openboxes_sandbox, make_openboxes_client):
    order_id = openboxes_sandbox.hard_case("po_pending")[0]
    english = make_openboxes_client(openboxes_sandbox).purchase_order_items(order_id)
    french = make_openboxes_client(openboxes_sandbox, username="francoise", password="password")
    assert french.server_context().locale == "fr"
    assert [i["unitPrice"] for i in french.purchase_order_items(order_id)] == [i["unitPrice"] for i in english]


def test_outbound_stock_movements_page_asks_for_outbound_from_this_location(openboxes_sandbox, openboxes_client):
    page = openboxes_client.outbound_stock_movements_page(limit=20, receipt_statuses=SHIPPED_STATUSES)
    assert len(page.records) == 20 and page.total is not None
    assert {row["currentStatus"] for row in page.records} <= set(SHIPPED_STATUSES)
    assert all(row["origin"]["id"] == openboxes_client.location_id for row in page.records)
    assert all(isinstance(row["requestType"], str) for row in page.records)
    query = parse_qs(request_log(openboxes_sandbox, "/openboxes/api/stockMovements")[0]["query"])
    assert query["direction"] == ["OUTBOUND"] and query["origin"] == [openboxes_client.location_id]
    assert query["receiptStatusCode"] == list(SHIPPED_STATUSES)


def test_stock_movement_and_shipment_dates_in_both_styles(start_openboxes_sandbox, make_openboxes_client):
    sandbox = start_openboxes_sandbox(timezone="Asia/Kolkata")  # +05:30: offsets must really be applied
    client = make_openboxes_client(sandbox)
    movement_id = sandbox.hard_case("shipment_backdated")[0]
    movement = client.stock_movement(movement_id)
    raw_movement = sandbox.record("requisition", movement_id)
    shipment_id = movement["associations"]["shipment"]["id"]
    raw_shipment = sandbox.record("shipment", shipment_id)
    shipped = epoch_utc(raw_shipment["expectedShippingDate"]).replace(second=0)
    assert movement["lastUpdated"] == epoch_utc(raw_movement["lastUpdated"])  # ISO UTC
    assert movement["dateShipped"] == shipped  # MM/dd/yyyy HH:mm +05:30
    zone = ZoneInfo("Asia/Kolkata")
    created_day = datetime.fromtimestamp(raw_movement["dateCreated"], zone).date()
    assert movement["dateCreated"] == datetime(*created_day.timetuple()[:3], tzinfo=zone).astimezone(UTC)
    assert movement["requestType"] == "DEFAULT" and movement["sourceType"] == "ELECTRONIC"
    shipment = client.shipment(shipment_id)
    assert shipment["actualShippingDate"] == shipped and shipment["status"] in SHIPPED_STATUSES
    assert shipment["shipmentItems"][0]["quantity"] > 0
    assert counts(sandbox)[APP_CONTEXT] == 1  # the server zone is read once, when first needed


def test_adjustments_page_by_date_range(openboxes_sandbox, openboxes_client):
    now = datetime.now(UTC)
    page = openboxes_client.adjustments_page(start=now - timedelta(days=120), end=now + timedelta(hours=1), limit=100)
    assert len(page.records) == 100 and page.total > 100 and page.next_offset == 100
    recorded = [row["dateRecorded"] for row in page.records]
    assert recorded == sorted(recorded, reverse=True) and recorded[0].tzinfo is UTC
    assert all(row["transaction"]["transactionNumber"] for row in page.records)
    query = parse_qs(
        request_log(openboxes_sandbox, "/openboxes/api/reports/inventory-transactions-summary")[0]["query"]
    )
    assert query["facility"] == [openboxes_client.location_id] and query["startDate"][0].endswith("Z")
    assert counts(openboxes_sandbox) == {LOGIN: 1, "GET /openboxes/api/reports/inventory-transactions-summary": 1}


def test_adjustments_page_refuses_pages_over_100_and_naive_datetimes(openboxes_client):
    now = datetime.now(UTC)
    with pytest.raises(ValueError):
        openboxes_client.adjustments_page(start=now, end=now, limit=101)
    with pytest.raises(ValueError):
        openboxes_client.adjustments_page(start=datetime(2025, 1, 1), end=now)


# ---- narrow parsing unit tests (no HTTP) ------------------------------------------------------------


def new_york() -> ZoneInfo:
    return ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-04T15:20:11Z", datetime(2025, 3, 4, 15, 20, 11, tzinfo=UTC)),
        ("2025-03-04T15:20:11.123+01:00", datetime(2025, 3, 4, 14, 20, 11, 123000, tzinfo=UTC)),
        ("03/04/2025 10:20 -05:00", datetime(2025, 3, 4, 15, 20, tzinfo=UTC)),
        ("07/04/2025 10:20 Z", datetime(2025, 7, 4, 10, 20, tzinfo=UTC)),
        ("3/4/2025 10:20:30 +0530", datetime(2025, 3, 4, 4, 50, 30, tzinfo=UTC)),
        ("03/04/2025", datetime(2025, 3, 4, 5, 0, tzinfo=UTC)),  # midnight EST
        ("07/04/2025", datetime(2025, 7, 4, 4, 0, tzinfo=UTC)),  # midnight EDT
        ("2025-07-04", datetime(2025, 7, 4, 4, 0, tzinfo=UTC)),
    ],
)
def test_parse_date_styles(text, expected):
    assert openboxes_payloads.parse_date(text, new_york) == expected


@pytest.mark.parametrize("text", ["2025-03-04T15:20:11", "13/45/2025", "yesterday", "04.03.2025"])
def test_parse_date_rejects_naive_or_unknown_styles(text):
    with pytest.raises(ValueError, match="does not understand"):
        openboxes_payloads.parse_date(text, new_york)


def test_normalize_turns_enum_objects_into_names_and_leaves_other_strings_alone():
    record = {
        "status": {"enumType": "org.pih.warehouse.order.OrderStatus", "name": "PLACED"},
        "name": "03/04/2025",
        "lines": [{"lastUpdated": "2025-03-04T15:20:11Z", "dateShipped": None, "expirationDate": ""}],
    }
    assert openboxes_payloads.normalize(record, new_york) == {
        "status": "PLACED",
        "name": "03/04/2025",
        "lines": [
            {"lastUpdated": datetime(2025, 3, 4, 15, 20, 11, tzinfo=UTC), "dateShipped": None, "expirationDate": None}
        ],
    }


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("1,234.50", ".", Decimal("1234.50")),
        ("1\u202f234,50", ",", Decimal("1234.50")),
        ("1.234,5678", ",", Decimal("1234.5678")),
        ("1,234", ".", Decimal("1234")),
        ("-0,25", ",", Decimal("-0.25")),
        (None, ".", None),
    ],
)
def test_parse_price_in_locales(text, separator, expected):
    assert openboxes_payloads.parse_price(text, separator, "bot") == expected


@pytest.mark.parametrize(("text", "separator"), [("1,234.50", ","), ("1.234,50", "."), ("12abc", ".")])
def test_parse_price_refuses_prices_from_another_locale(text, separator):
    with pytest.raises(ValueError):
        openboxes_payloads.parse_price(text, separator, "bot")


def test_decimal_separator_follows_the_language_of_the_locale():
    assert [openboxes_payloads.decimal_separator(x) for x in ("en", "en_US", "fr", "de-CH", "pt_BR")] == [
        ".",
        ".",
        ",",
        ",",
        ",",
    ]


def _response(status: int, location: str = "", content_type: str = "application/json", body: bytes = b"{}"):
    response = requests.Response()
    response.status_code = status
    response.headers["Content-Type"] = content_type
    if location:
        response.headers["Location"] = location
    response._content = body
    return response


@pytest.mark.parametrize(
    ("response", "lost"),
    [
        (_response(302, "http://h/openboxes/errors/handleUnauthorized"), True),
        (_response(302, "http://h/openboxes/auth/login"), True),  # the non-ajax flavour
        (_response(302, "http://h/openboxes/dashboard/chooseLocation"), True),
        (_response(302, "http://h/openboxes/errors/handleForbidden"), False),
        (_response(401), True),
        (_response(200, content_type="text/html;charset=utf-8", body=b"<html></html>"), True),
        (_response(200, content_type="text/plain", body=b"  <!DOCTYPE html>"), True),
        (_response(200, body=b'{"data": []}'), False),
        (_response(500, content_type="text/html", body=b"<html></html>"), False),
    ],
)
def test_session_lost_recognizes_both_redirect_flavours_401_and_html(response, lost):
    assert bool(openboxes_http.session_lost(response)) is lost


def test_unexpected_envelope_is_permanent():
    with pytest.raises(OpenBoxesUnexpectedPayload, match="should be a list") as caught:
        openboxes_payloads.envelope({"data": {"id": "x"}}, "/api/products", list)
    assert caught.value.category == "permanent"


def test_error_classes_map_onto_the_sync_hierarchy():
    assert issubclass(OpenBoxesUnreachable, Transient) and issubclass(OpenBoxesServerError, Transient)
    for permanent in (OpenBoxesAuthFailed, OpenBoxesNotFound, OpenBoxesUnexpectedPayload, OpenBoxesUnsafeUrl):
        assert issubclass(permanent, Permanent) and permanent.category == "permanent"
    assert OpenBoxesUnreachable("x").category == "transient"


def test_url_without_openboxes_behind_it_asks_to_check_the_url(openboxes_sandbox):
    facility = openboxes_sandbox.info()["facilityId"]
    url = f"{openboxes_sandbox.url}/not-openboxes"
    with OpenBoxesClient(url, "integration-bot", "s3cret", facility, allow_private_networks=True) as client:
        with pytest.raises(
            OpenBoxesUnexpectedPayload, match="answered the login with error 404.*check the OpenBoxes URL"
        ):
            client.products_page()


def test_forbidden_answer_is_permanent_and_names_the_user(openboxes_sandbox, openboxes_client):
    inject(openboxes_sandbox, "/openboxes/api/products", kind="error", status=403, count=1)
    with pytest.raises(OpenBoxesRequestRefused, match="'integration-bot' the needed role") as caught:
        openboxes_client.products_page()
    assert isinstance(caught.value, Permanent) and caught.value.status == 403
    assert counts(openboxes_sandbox) == {LOGIN: 1, PRODUCTS: 1}


def test_purchase_order_adjustments_are_parsed_with_canceled_ones(openboxes_sandbox, make_openboxes_client):
    supplier = openboxes_sandbox.hard_case("supplier_unicode_names")[0]
    product = openboxes_sandbox.control("GET", "/records/product")["records"][40]["id"]
    lines = [{"productId": product, "quantity": 2, "unitPrice": "1234.5"}]
    order = openboxes_sandbox.control("POST", "/purchase-orders", {"supplierId": supplier, "lines": lines})
    control = f"/purchase-orders/{order['id']}/adjustments"
    openboxes_sandbox.control("POST", control, {"amount": "12.5", "description": "Freight", "typeCode": "FREIGHT"})
    line = {"percentage": "-2.5", "description": "Discount", "orderItemId": order["items"][0]["id"]}
    openboxes_sandbox.control("POST", control, {**line, "canceled": True})

    adjustments = make_openboxes_client(openboxes_sandbox).purchase_order_adjustments(order["id"])

    assert adjustments == [
        {
            "id": adjustments[0]["id"],
            "description": "Freight",
            "type": {"id": "1", "name": "Freight", "code": "FREIGHT"},
            "orderItem": None,
            "percentage": None,
            "amount": Decimal("12.5"),
            "isCanceled": False,
            "comments": None,
            "budgetCode": None,
        },
        {
            "id": adjustments[1]["id"],
            "description": "Discount",
            "type": None,
            "orderItem": {"id": order["items"][0]["id"]},
            "percentage": Decimal("-2.5"),
            "amount": Decimal("0.0"),
            "isCanceled": True,
            "comments": None,
            "budgetCode": None,
        },
    ]


def test_facilities_lists_the_locations_that_hold_stock_by_name(openboxes_client):
    found = openboxes_client.facilities()
    names = [row["name"] for row in found]
    assert {"Main Warehouse", "North Depot"} <= set(names) and names == sorted(names, key=str.casefold)
    # Stock-holding types only: no SUPPLIER location and no WARD (the demo's customers of type DEPOT do hold stock).
    assert {row["locationType"]["locationTypeCode"] for row in found} == {"DEPOT"}


def test_facility_activities_read_as_strings_or_enum_maps():
    from portal.clients.openboxes import _activity_names

    assert _activity_names(["MANAGE_INVENTORY"]) == {"MANAGE_INVENTORY"}
    assert _activity_names([{"enumType": "ActivityCode", "name": "MANAGE_INVENTORY"}]) == {"MANAGE_INVENTORY"}
    assert _activity_names(None) == set()
