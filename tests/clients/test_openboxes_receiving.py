"""The client's receiving and on-hand reads, over HTTP against the OpenBoxes sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def sandbox(start_openboxes_sandbox):
    return start_openboxes_sandbox(data="empty")


def _received_order(sandbox):
    supplier = sandbox.supplier("Gauze & Co")
    gauze = sandbox.product("Sterile gauze", "GZ-10", "2.50")
    order = sandbox.purchase_order(supplier["id"], [(gauze["id"], 10, "2.50")])
    sandbox.approve(order["id"])
    sandbox.receive(order["id"], {order["items"][0]["id"]: 6})
    return order, gauze


def test_inbound_movements_name_their_order_and_partial_receipts_sum_what_was_received(sandbox, make_openboxes_client):
    order, gauze = _received_order(sandbox)
    client = make_openboxes_client(sandbox)

    [row] = client.inbound_stock_movements_page().records
    assert (row["order"]["id"], row["currentStatus"]) == (order["id"], "PARTIALLY_RECEIVED")
    partial = client.partial_receipt(row["id"])
    [item] = partial["containers"][0]["shipmentItems"]
    assert (item["product.id"], item["quantityShipped"], item["quantityReceived"]) == (gauze["id"], 10, 6)
    [entry] = sandbox.request_log("/openboxes/api/stockMovements")
    assert "direction=INBOUND" in entry["query"] and "receiptStatusCode=RECEIVED" in entry["query"]


def test_quantity_on_hand_follows_what_was_received(sandbox, make_openboxes_client):
    order, gauze = _received_order(sandbox)
    client = make_openboxes_client(sandbox)
    assert client.quantity_on_hand(gauze["id"]) == Decimal(6)
    sandbox.receive(order["id"])
    assert client.quantity_on_hand(gauze["id"]) == Decimal(10)
