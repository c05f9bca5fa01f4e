"""The receipt mapper (pure): received quantities, what is new since the last Bill, the linked Bill."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portal.sync.errors import Permanent
from portal.sync.identity import parse_marker
from portal.sync.receipts import (
    as_placed,
    newly_received,
    receipt_key,
    receipt_to_bill,
    receipt_version,
    shipment_received,
    total_received,
)

D = Decimal
PO = {
    "Id": "145",
    "DocNumber": "PO-000123",
    "VendorRef": {"value": "56", "name": "Acme"},
    "APAccountRef": {"value": "33"},
    "CurrencyRef": {"value": "USD"},
    "Line": [
        {
            "Id": "1",
            "DetailType": "ItemBasedExpenseLineDetail",
            "Description": "GZ-10 Gauze",
            "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "19"}, "Qty": 10, "UnitPrice": 2.5},
        },
        {
            "Id": "2",
            "DetailType": "ItemBasedExpenseLineDetail",
            "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "20"}, "Qty": 3, "UnitPrice": 1.2},
        },
        {
            "Id": "3",
            "DetailType": "ItemBasedExpenseLineDetail",
            "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "20"}, "Qty": 5, "UnitPrice": 1.0},
        },
        {
            "Id": "4",
            "DetailType": "AccountBasedExpenseLineDetail",
            "Amount": 7,
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "80"}},
        },
    ],
}
AT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def _partial(*items):
    return {"shipmentId": "s1", "containers": [{"container.id": None, "shipmentItems": list(items)}]}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], {}),
        ([{"product.id": "p1", "quantityReceived": 6}], {"p1": D(6)}),
        ([{"product.id": "p1", "quantityReceived": 2}, {"product.id": "p1", "quantityReceived": 3}], {"p1": D(5)}),
        (
            [{"product.id": "p1", "quantityReceived": 0}, {"product.id": "p2", "quantityReceived": "4"}],
            {"p1": D(0), "p2": D(4)},
        ),
    ],
)
def test_a_shipments_received_quantities_per_product(items, expected):
    assert shipment_received(_partial(*items)) == expected


@pytest.mark.parametrize("item", [{"quantityReceived": 1}, {"product.id": "p1", "quantityReceived": "lots"}])
def test_a_receipt_line_without_product_or_quantity_is_refused_by_name(item):
    with pytest.raises(Permanent, match="Inbound shipment s1 .* correct it in OpenBoxes"):
        shipment_received(_partial(item))


@pytest.mark.parametrize(
    ("received", "billed", "expected"),
    [
        ({"p1": D(6)}, {}, {"p1": D(6)}),
        ({"p1": D(10), "p2": D(4)}, {"p1": D(6)}, {"p1": D(4), "p2": D(4)}),
        ({"p1": D(6)}, {"p1": D(6)}, {}),
        ({"p1": D(4)}, {"p1": D(6)}, {}),  # a receipt rolled back bills nothing (no negative line)
    ],
)
def test_newly_received_is_the_positive_difference(received, billed, expected):
    assert newly_received(received, billed) == expected


def test_the_orders_total_sums_its_shipments_and_drops_zeros():
    assert total_received([{"p1": D(2), "p2": D(0)}, {"p1": D(3)}]) == {"p1": D(5)}


def test_the_version_and_key_depend_only_on_the_received_state():
    version = receipt_version({"p1": D("6"), "p2": D("1")})
    assert version == receipt_version({"p2": D("1.0"), "p1": D("6.00")})
    assert version != receipt_version({"p1": D("7"), "p2": D("1")})
    assert receipt_key("ord1", version) == f"ord1-{version[:12]}"


def test_the_bill_links_each_line_to_its_purchase_order_line():
    mapped = receipt_to_bill(
        PO,
        {"19": D(6)},
        key="ord1-abc",
        number="PO-000123-R1",
        received_at=AT,
        timezone="America/New_York",
        version="abc",
    )
    payload = mapped.payload
    assert (mapped.entity, mapped.amount, mapped.lookup) == ("Bill", D("15.00"), {"DocNumber": "PO-000123-R1"})
    assert payload["VendorRef"] == PO["VendorRef"] and payload["APAccountRef"] == {"value": "33"}
    assert payload["CurrencyRef"] == {"value": "USD"} and payload["TxnDate"] == "2026-03-01"
    assert payload["Line"] == [
        {
            "DetailType": "ItemBasedExpenseLineDetail",
            "Amount": 15,
            "Description": "GZ-10 Gauze",
            "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "19"}, "Qty": 6, "UnitPrice": 2.5},
            "LinkedTxn": [{"TxnId": "145", "TxnType": "PurchaseOrder", "TxnLineId": "1"}],
        }
    ]
    assert parse_marker(payload["PrivateNote"]).matches("receipt", "ord1-abc")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (D(2), [("2", 2)]),
        (D(3), [("2", 3)]),
        (D(6), [("2", 3), ("3", 3)]),
        (D(10), [("2", 3), ("3", 7)]),  # more than ordered: the last line takes the rest
    ],
)
def test_an_item_on_two_lines_fills_them_in_order(quantity, expected):
    mapped = receipt_to_bill(PO, {"20": quantity}, key="k", number="N-R1", received_at=AT, timezone="UTC")
    lines = [(x["LinkedTxn"][0]["TxnLineId"], x["ItemBasedExpenseLineDetail"]["Qty"]) for x in mapped.payload["Line"]]
    assert lines == expected


def test_an_item_not_on_the_purchase_order_is_refused_by_name():
    with pytest.raises(Permanent, match="Receipt N-R1 has items .*99.* not on QuickBooks purchase order PO-000123"):
        receipt_to_bill(PO, {"99": D(1)}, key="k", number="N-R1", received_at=AT, timezone="UTC")


def test_a_long_number_is_shortened_like_every_doc_number():
    mapped = receipt_to_bill(
        PO, {"19": D(1)}, key="k", number="PO-VERY-LONG-NUMBER-R12", received_at=AT, timezone="UTC"
    )
    assert len(mapped.payload["DocNumber"]) <= 21


@pytest.mark.parametrize("status", ["PARTIALLY_SHIPPED", "SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED", "COMPLETED"])
def test_receiving_leaves_the_order_as_placed(status):
    placed = {"id": "o1", "status": "PLACED"}, [{"id": "l1", "quantity": 4, "hasShipmentAssociated": False}]
    received = {"id": "o1", "status": status}, [{"id": "l1", "quantity": 4, "hasShipmentAssociated": True}]
    assert as_placed(*received) == placed
    assert as_placed(*placed) == placed  # an order never received hashes as before


@pytest.mark.parametrize("status", ["PENDING", "CANCELED", "REJECTED"])
def test_other_statuses_are_kept(status):
    assert as_placed({"status": status}, [{"id": "l1"}]) == ({"status": status}, [{"id": "l1"}])
