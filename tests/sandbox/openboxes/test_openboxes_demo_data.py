"""The seeded "demo" data set and its hard cases, checked through the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

ISSUE_CASES = {
    "product_unicode_names",
    "product_name_over_100",
    "product_name_over_500",
    "product_name_special_characters",
    "supplier_unicode_names",
    "supplier_name_over_100",
    "supplier_name_over_500",
    "supplier_name_special_characters",
    "supplier_customer_same_name",
    "product_without_code",
    "product_without_price",
    "po_zero_quantity_lines",
    "po_canceled_lines",
    "po_foreign_currency",
    "po_edited_after_approval",
    "product_same_last_updated",
    "po_same_last_updated",
    "shipment_same_last_updated",
    "adjustment_same_second",
    "shipment_backdated",
    "product_without_code_and_price",
}


def _product(sandbox, ob, product_id):
    return ob.get(sandbox.api(f"/products/{product_id}")).json()["data"]


def test_demo_data_has_the_documented_sizes(sandbox, ob):
    facility = sandbox.info()["facilityId"]
    assert ob.get(sandbox.api("/products?includeInactive=true&max=1")).json()["totalCount"] == 300
    assert len(ob.get(sandbox.api("/organizations?roleType=ROLE_SUPPLIER")).json()["data"]) == 40
    assert ob.get(sandbox.api("/purchaseOrders?max=1")).json()["totalCount"] == 200
    movements = ob.get(sandbox.api(f"/stockMovements?direction=OUTBOUND&origin={facility}&sourceType=ELECTRONIC"))
    assert movements.json()["totalCount"] == 150
    numbers = set()
    for offset in range(0, 400, 100):
        params = {
            "facility": facility,
            "startDate": "01/01/2000",
            "endDate": "01/01/2100",
            "max": 100,
            "offset": offset,
        }
        rows = ob.get(sandbox.api("/reports/inventory-transactions-summary"), params=params).json()["data"]
        numbers |= {row["transaction"]["transactionNumber"] for row in rows}
    assert len(numbers) == 100


def test_demo_data_spans_the_last_ninety_days(sandbox, ob):
    stamps = [p["dateCreated"] for p in ob.get(sandbox.api("/products?includeInactive=true")).json()["data"]]
    oldest = datetime.fromisoformat(min(stamps).replace("Z", "+00:00"))
    assert 85 <= (datetime.now(UTC) - oldest).days <= 91


def test_demo_data_is_deterministic_for_a_seed(start_sandbox):
    first, second = start_sandbox(seed=7), start_sandbox(seed=7)

    def listing(sb):
        return [(p["id"], p["name"], p["productCode"]) for p in sb.control("GET", "/records/product").json()["records"]]

    assert listing(first) == listing(second)
    assert first.control("GET", "/hard-cases").json() == second.control("GET", "/hard-cases").json()
    assert listing(start_sandbox(seed=8)) != listing(first)


def test_hard_cases_cover_every_case_named_in_the_issue(sandbox):
    cases = sandbox.control("GET", "/hard-cases").json()["cases"]
    assert ISSUE_CASES <= set(cases)
    assert all(cases[name]["ids"] for name in ISSUE_CASES)


@pytest.mark.slow
def test_hard_case_product_names_are_unicode_long_and_full_of_separators(sandbox, ob):
    unicode_names = [_product(sandbox, ob, i)["name"] for i in sandbox.hard_case("product_unicode_names")]
    assert all(not name.isascii() for name in unicode_names)
    assert len(_product(sandbox, ob, sandbox.hard_case("product_name_over_100")[0])["name"]) > 100
    assert len(_product(sandbox, ob, sandbox.hard_case("product_name_over_500")[0])["name"]) > 500
    special = "".join(_product(sandbox, ob, i)["name"] for i in sandbox.hard_case("product_name_special_characters"))
    assert {":", "\t", "\n", "'"} <= set(special)


def test_hard_case_supplier_names_are_unicode_long_and_full_of_separators(sandbox, ob):
    def name(case, index=0):
        return ob.get(sandbox.api(f"/organizations/{sandbox.hard_case(case)[index]}")).json()["data"]["name"]

    assert not name("supplier_unicode_names").isascii()
    assert len(name("supplier_name_over_100")) > 100 and len(name("supplier_name_over_500")) > 500
    special = name("supplier_name_special_characters", 0) + name("supplier_name_special_characters", 1)
    assert {":", "\t", "\n", "'"} <= set(special)


def test_a_supplier_and_a_customer_destination_share_one_name(sandbox, ob):
    supplier_id, supplier_location_id, customer_id = sandbox.hard_case("supplier_customer_same_name")
    supplier = ob.get(sandbox.api(f"/organizations/{supplier_id}")).json()["data"]
    customer = ob.get(sandbox.api(f"/locations/{customer_id}")).json()["data"]
    assert supplier["name"] == customer["name"]
    assert supplier_location_id != customer_id
    assert customer["locationType"]["locationTypeCode"] != "SUPPLIER"


def test_records_share_one_last_updated_second(sandbox, ob):
    stamps = {_product(sandbox, ob, i)["lastUpdated"] for i in sandbox.hard_case("product_same_last_updated")}
    assert len(stamps) == 1
    orders = {sandbox.record("order", i)["lastUpdated"] for i in sandbox.hard_case("po_same_last_updated")}
    assert len(orders) == 1
    movements = {
        ob.get(sandbox.api(f"/stockMovements/{i}")).json()["data"]["lastUpdated"]
        for i in sandbox.hard_case("shipment_same_last_updated")
    }
    assert len(movements) == 1


def test_adjustments_share_one_transaction_date_second(sandbox, ob):
    numbers = set(sandbox.hard_case("adjustment_same_second"))
    params = {"facility": sandbox.info()["facilityId"], "startDate": "01/01/2000", "endDate": "01/01/2100"}
    stamps = set()
    for offset in range(0, 400, 100):
        page = ob.get(
            sandbox.api("/reports/inventory-transactions-summary"), params={**params, "max": 100, "offset": offset}
        )
        rows = page.json()["data"]
        stamps |= {row["dateRecorded"] for row in rows if row["transaction"]["transactionNumber"] in numbers}
    assert len(numbers) >= 2 and len(stamps) == 1


def test_zero_quantity_and_canceled_lines_show_in_order_items(sandbox, ob):
    def items(order_id):
        return ob.get(f"{sandbox.url}/openboxes/order/getOrderItems/{order_id}").json()

    assert any(i["quantity"] == 0 for i in items(sandbox.hard_case("po_zero_quantity_lines")[0]))
    assert any(i["orderItemStatusCode"] == "CANCELED" for i in items(sandbox.hard_case("po_canceled_lines")[0]))


def test_foreign_currency_orders_show_their_currency_in_the_total(sandbox, ob):
    foreign = set(sandbox.hard_case("po_foreign_currency"))
    rows = [row for row in ob.get(sandbox.api("/purchaseOrders")).json()["data"] if row["id"] in foreign]
    assert rows and all(not row["total"].endswith(" USD") for row in rows)
    assert all(row["totalNormalized"].endswith(" USD") for row in rows)


def test_orders_edited_after_approval_were_updated_after_their_approval(sandbox):
    for order_id in sandbox.hard_case("po_edited_after_approval"):
        record = sandbox.record("order", order_id)
        assert record["status"] in ("PLACED", "PARTIALLY_RECEIVED", "RECEIVED")
        assert record["lastUpdated"] > record["dateApproved"]


def test_backdated_shipments_were_shipped_days_before_they_were_sent(sandbox):
    for movement_id in sandbox.hard_case("shipment_backdated"):
        shipment = sandbox.record("shipment", sandbox.record("requisition", movement_id)["shipmentId"])
        assert shipment["lastUpdated"] - shipment["actualShippingDate"] >= 2 * 86400


def test_empty_data_set_has_users_and_facilities_only(start_sandbox):
    sandbox = start_sandbox(data="empty")
    ob = sandbox.login()
    assert ob.get(sandbox.api("/products")).json() == {"data": [], "totalCount": 0}
    assert ob.get(sandbox.api("/organizations?roleType=ROLE_SUPPLIER")).json() == {"data": []}
    assert sandbox.control("GET", "/hard-cases").json() == {"cases": {}}
