"""Outbound stock movements and generic shipments."""

from __future__ import annotations

import re

import pytest

LOCAL_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
LOCAL_DATETIME = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2} (Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def outbound(sandbox):
    """``outbound(params)``: the query string for the main facility's outbound list."""
    facility = sandbox.info()["facilityId"]
    return lambda extra="": sandbox.api(f"/stockMovements?direction=OUTBOUND&origin={facility}{extra}")


@pytest.fixture
def new_movement(sandbox):
    """A picked (not yet shipped) movement of two products to the first customer; returns the raw record."""

    def create():
        customer = sandbox.hard_case("supplier_customer_same_name")[2]
        products = [p["id"] for p in sandbox.control("GET", "/records/product").json()["records"][50:52]]
        lines = [{"productId": products[0], "quantity": 10}, {"productId": products[1], "quantity": 4}]
        return sandbox.control("POST", "/stock-movements", {"destinationId": customer, "lines": lines}).json()

    return create


def test_stock_movements_without_direction_answers_400_with_error_messages(sandbox, ob):
    response = ob.get(sandbox.api("/stockMovements"))
    assert response.status_code == 400
    assert "Direction parameter is required" in response.json()["errorMessages"][0]


def test_stock_movements_with_origin_equal_to_destination_answers_400(sandbox, ob):
    facility = sandbox.info()["facilityId"]
    response = ob.get(sandbox.api(f"/stockMovements?direction=OUTBOUND&origin={facility}&destination={facility}"))
    assert response.status_code == 400
    assert response.json()["errorMessages"]


def test_outbound_rows_have_no_last_updated_shipment_id_ship_date_or_value(sandbox, ob, outbound):
    body = ob.get(outbound("&max=5")).json()
    assert set(body) == {"data", "totalCount"}
    assert body["totalCount"] == 147  # 150 demo movements, 3 hidden while awaiting approval
    row = body["data"][0]
    assert not {"lastUpdated", "shipment", "dateShipped", "value", "totalValue"} & set(row)
    assert LOCAL_DATE.match(row["dateCreated"]) and LOCAL_DATE.match(row["dateRequested"])
    assert row["requestType"] == {
        "enumType": "org.pih.warehouse.requisition.RequisitionType",
        "name": "DEFAULT",
    }


def test_outbound_list_defaults_to_the_session_location_as_origin(sandbox, ob):
    body = ob.get(sandbox.api("/stockMovements?direction=OUTBOUND&max=1")).json()
    assert body["totalCount"] == 147


def test_receipt_status_code_filter_is_repeatable(sandbox, ob, outbound):
    rows = ob.get(outbound("&receiptStatusCode=RECEIVED&receiptStatusCode=PARTIALLY_RECEIVED")).json()["data"]
    assert {row["currentStatus"] for row in rows} == {"RECEIVED", "PARTIALLY_RECEIVED"}
    shipped_only = ob.get(outbound("&receiptStatusCode=SHIPPED")).json()["data"]
    assert {row["currentStatus"] for row in shipped_only} == {"SHIPPED"}


def test_stock_movements_sort_by_last_updated_of_the_request(sandbox, ob, outbound, new_movement):
    sandbox.control("POST", "/clock", {"advance": 60})
    movement = new_movement()
    first = ob.get(outbound("&sort=lastUpdated&order=desc&max=1")).json()["data"][0]
    assert first["id"] == movement["id"]


def test_stock_movements_total_count_is_null_when_nothing_matches(sandbox, ob, outbound):
    body = ob.get(outbound("&q=no-such-movement-anywhere")).json()
    assert body == {"data": [], "totalCount": None}


def test_requests_awaiting_approval_are_hidden_unless_source_type_is_given(sandbox, ob, outbound):
    hidden = set(sandbox.hard_case("shipment_pending_approval"))
    default_ids = {row["id"] for row in ob.get(outbound()).json()["data"]}
    with_source = {row["id"] for row in ob.get(outbound("&sourceType=ELECTRONIC")).json()["data"]}
    assert not hidden & default_ids
    assert hidden <= with_source


def test_created_after_filters_date_created_with_mm_dd_yyyy(sandbox, outbound, new_movement):
    sandbox.control("POST", "/clock", {"advance": 3 * 86400})
    ob = sandbox.login()
    movement = new_movement()
    today = ob.get(sandbox.api(f"/stockMovements/{movement['id']}")).json()["data"]["dateCreated"]
    rows = ob.get(outbound(f"&createdAfter={today}")).json()["data"]
    assert [row["id"] for row in rows] == [movement["id"]]


def test_stock_movement_read_has_last_updated_shipment_association_and_local_dates(sandbox, ob, new_movement):
    movement = new_movement()
    sandbox.control("POST", f"/stock-movements/{movement['id']}/ship")
    body = ob.get(sandbox.api(f"/stockMovements/{movement['id']}")).json()
    data = body["data"]
    assert body["totalCount"] == 2
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", data["lastUpdated"])
    assert data["associations"]["shipment"]["id"] == movement["shipmentId"]
    assert LOCAL_DATETIME.match(data["dateShipped"])
    assert [line["quantityRequested"] for line in data["lineItems"]] == [10, 4]
    assert data["isShipped"] is True and data["currentStatus"] == "SHIPPED"


def test_stock_movement_can_be_read_by_its_shipment_id(sandbox, ob, new_movement):
    movement = new_movement()
    data = ob.get(sandbox.api(f"/stockMovements/{movement['shipmentId']}")).json()["data"]
    assert data["id"] == movement["id"]


def test_stock_movement_read_with_unknown_id_answers_404(sandbox, ob):
    assert ob.get(sandbox.api("/stockMovements/nope")).status_code == 404


def test_dates_use_the_server_time_zone_offset(start_sandbox):
    sandbox = start_sandbox(timezone="Asia/Kolkata")
    ob = sandbox.login()
    movement_id = sandbox.hard_case("shipment_received")[0]
    data = ob.get(sandbox.api(f"/stockMovements/{movement_id}")).json()["data"]
    assert data["dateShipped"].endswith(" +05:30")


@pytest.mark.slow
def test_utc_server_time_zone_renders_the_offset_as_z(start_sandbox):
    sandbox = start_sandbox(timezone="UTC")
    ob = sandbox.login()
    shipment_id = sandbox.record("requisition", sandbox.hard_case("shipment_received")[0])["shipmentId"]
    data = ob.get(sandbox.api(f"/generic/shipment/{shipment_id}")).json()["data"]
    assert data["actualShippingDate"].endswith(" Z")


def test_generic_shipment_shows_shipped_quantities_and_a_backdated_ship_date(start_sandbox):
    sandbox = start_sandbox(timezone="UTC")
    ob = sandbox.login()
    customer = sandbox.hard_case("supplier_customer_same_name")[2]
    product = sandbox.hard_case("product_unicode_names")[0]
    movement = sandbox.control(
        "POST",
        "/stock-movements",
        {"destinationId": customer, "lines": [{"productId": product, "quantity": 10}]},
    ).json()
    shipped = sandbox.control(
        "POST",
        f"/stock-movements/{movement['id']}/ship",
        {"shipDate": "2024-01-15T08:30:00Z", "quantities": {product: 7}},
    )
    assert shipped.status_code == 200
    data = ob.get(sandbox.api(f"/generic/shipment/{movement['shipmentId']}")).json()["data"]
    assert data["status"] == "SHIPPED"
    assert data["actualShippingDate"] == "01/15/2024 08:30 Z"
    assert [item["quantity"] for item in data["shipmentItems"]] == [7]
    assert data["shipmentItems"][0]["inventoryItem"]["product"]["id"] == product
    assert "lastUpdated" not in data and "shipmentNumber" not in data
    last_updated = ob.get(sandbox.api(f"/stockMovements/{movement['id']}")).json()["data"]["lastUpdated"]
    assert last_updated > "2025-01-01"  # sent now, dated in the past


def test_receiving_changes_the_shipment_status_but_not_the_requests_last_updated(sandbox, ob, new_movement):
    movement = new_movement()
    sandbox.control("POST", f"/stock-movements/{movement['id']}/ship")
    before = ob.get(sandbox.api(f"/stockMovements/{movement['id']}")).json()["data"]
    sandbox.control("POST", "/clock", {"advance": 600})
    sandbox.control("POST", f"/stock-movements/{movement['id']}/receive")
    after = ob.get(sandbox.api(f"/stockMovements/{movement['id']}")).json()["data"]
    assert after["currentStatus"] == "RECEIVED"
    assert after["lastUpdated"] == before["lastUpdated"]
