"""Inbound receiving of purchase orders: the order's inbound shipment and its receipts.

In OpenBoxes 0.9 a placed purchase order is shipped into the facility (one inbound Shipment whose
``orders`` include it) and then received, possibly in parts, through the partial-receiving screens:
each completed step is a Receipt whose ReceiptItems add stock at the destination.
"""

from __future__ import annotations

from sandbox.openboxes.movements import set_stock, stock_level
from sandbox.openboxes.state import State

INBOUND = "inbound_shipment"


def inbound_shipment(state: State, order: dict, at: int) -> dict:
    """The order's inbound shipment, created when it is first received (shipped = ordered quantity)."""
    found = next((s for s in state.store.all(INBOUND) if s["orderId"] == order["id"]), None)
    if found is not None:
        return found
    number = state.next_number("inbound-shipment")
    items = [
        {"id": state.new_id(), "productId": line["productId"], "orderItemId": line["id"], "quantity": line["quantity"]}
        for line in order["items"]
        if line["status"] != "CANCELED"
    ]
    return state.store.put(
        INBOUND,
        {
            "id": state.new_id(),
            "shipmentNumber": f"IN-{number:05d}",
            "name": f"{order['name']} inbound",
            "orderId": order["id"],
            "originId": order["originId"],
            "destinationId": order["destinationId"],
            "status": "SHIPPED",
            "actualShippingDate": at,
            "dateCreated": at,
            "lastUpdated": at,
            "items": items,
            "receipts": [],
        },
    )


def record_receipt(state: State, order: dict, received: dict[str, int], at: int) -> dict | None:
    """One completed Receipt of ``{orderItemId: quantity}``; stock rises at the destination."""
    received = {line_id: qty for line_id, qty in received.items() if qty > 0}
    if not received:
        return None
    shipment = inbound_shipment(state, order, at)
    receipt_items = []
    for item in shipment["items"]:
        quantity = received.get(item["orderItemId"], 0)
        if quantity:
            receipt_items.append({"id": state.new_id(), "shipmentItemId": item["id"], "quantityReceived": quantity})
            level = stock_level(state, shipment["destinationId"], item["productId"])
            set_stock(state, shipment["destinationId"], item["productId"], level + quantity)
    receipt = {"id": state.new_id(), "receiptStatusCode": "RECEIVED", "actualDeliveryDate": at, "items": receipt_items}
    shipment["receipts"].append(receipt)
    done = all(quantity_received(shipment, item) >= item["quantity"] for item in shipment["items"])
    shipment.update(status="RECEIVED" if done else "PARTIALLY_RECEIVED", lastUpdated=at)
    state.store.put(INBOUND, shipment)
    return receipt


def quantity_received(shipment: dict, item: dict) -> int:
    """``PartialReceiptItem.getQuantityReceived``: the sum over RECEIVED receipts of this shipment item."""
    return sum(
        entry["quantityReceived"]
        for receipt in shipment["receipts"]
        if receipt["receiptStatusCode"] == "RECEIVED"
        for entry in receipt["items"]
        if entry["shipmentItemId"] == item["id"]
    )
