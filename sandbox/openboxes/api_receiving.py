"""Inbound stock movements of purchase orders, their partial receipts (``/api/partialReceiving``), and on-hand."""

from __future__ import annotations

from flask import Blueprint, Response, request

from sandbox.openboxes.auth import current_state
from sandbox.openboxes.formats import iso_utc, local_date, local_datetime
from sandbox.openboxes.http import json_response, ob_error, server_error
from sandbox.openboxes.listing import int_param, paginate, sort_rows
from sandbox.openboxes.movements import stock_level
from sandbox.openboxes.receiving import INBOUND, quantity_received
from sandbox.openboxes.shapes import location_base_json
from sandbox.openboxes.state import State

bp = Blueprint("ob_receiving", __name__)


def inbound_list_item_json(state: State, shipment: dict) -> dict:
    """An inbound list row (a shipment-based ``StockMovement``): ``id`` is the shipment id, ``order`` names the PO."""
    order = state.store.get("order", shipment["orderId"]) or {}
    return {
        "id": shipment["id"],
        "identifier": shipment["shipmentNumber"],
        "name": shipment["name"],
        "description": None,
        "status": "ISSUED",
        "currentStatus": shipment["status"],
        "origin": location_base_json(state.store, state.store.get("location", shipment["originId"])),
        "destination": location_base_json(state.store, state.store.get("location", shipment["destinationId"])),
        "order": {"id": order.get("id"), "name": order.get("name"), "orderNumber": order.get("orderNumber")},
        "dateCreated": local_date(shipment["dateCreated"], state.tz),
        "dateShipped": local_datetime(shipment["actualShippingDate"], state.tz),
        "lastUpdated": iso_utc(shipment["lastUpdated"]),
        "lineItemCount": len(shipment["items"]),
        "isReturn": False,
    }


def list_inbound(state: State, destination: str | None) -> Response:
    """``direction=INBOUND``: shipments into ``destination`` filtered by ``receiptStatusCode``, default newest first."""
    rows = [row for row in state.store.all(INBOUND) if not destination or row["destinationId"] == destination]
    codes = request.args.getlist("receiptStatusCode")
    if codes:
        rows = [row for row in rows if row["status"] in codes]
    sorts = {name: (lambda row, name=name: row[name]) for name in ("lastUpdated", "dateCreated", "id")}
    rows = sort_rows(rows, request.args.get("sort") or "lastUpdated", request.args.get("order"), sorts, "desc")
    page = paginate(rows, int_param("max"), int_param("offset"))
    return json_response(
        {"data": [inbound_list_item_json(state, row) for row in page], "totalCount": len(rows) or None}
    )


def _receipt_item_json(state: State, shipment: dict, item: dict) -> dict:
    """``PartialReceiptItem.toJson()`` of one shipment item before anything is being received now."""
    product = state.store.get("product", item["productId"]) or {}
    received = quantity_received(shipment, item)
    return {
        "receiptItemId": None,
        "shipmentItemId": item["id"],
        "container.id": None,
        "container.name": None,
        "product.id": product.get("id"),
        "product.productCode": product.get("productCode"),
        "product.name": product.get("name"),
        "lotNumber": None,
        "expirationDate": None,
        "binLocation.id": None,
        "binLocation.name": None,
        "recipient.id": None,
        "recipient.name": None,
        "quantityShipped": item["quantity"],
        "quantityReceived": received,
        "quantityCanceled": 0,
        "quantityReceiving": None,
        "quantityRemaining": item["quantity"] - received,
        "cancelRemaining": False,
        "quantityOnHand": None,
        "comment": None,
        "uom": "1 EA",
    }


@bp.get("/openboxes/api/partialReceiving/<shipment_id>")
def read_partial_receipt(shipment_id: str) -> Response:
    """``PartialReceipt.toJson()``: the shipment's items with what RECEIVED receipts took in so far."""
    state = current_state()
    shipment = state.store.get(INBOUND, shipment_id)
    if shipment is None:
        return ob_error(
            404, f"No row with the given identifier exists: [org.pih.warehouse.shipping.Shipment#{shipment_id}]"
        )
    origin = state.store.get("location", shipment["originId"])
    destination = state.store.get("location", shipment["destinationId"])
    items = [_receipt_item_json(state, shipment, item) for item in shipment["items"]]
    return json_response(
        {
            "data": {
                "receiptId": None,
                "receiptStatus": "PENDING",
                "shipmentId": shipment["id"],
                "shipment.name": shipment["name"],
                "shipment.shipmentNumber": shipment["shipmentNumber"],
                "shipmentStatus": shipment["status"],
                "origin.id": origin["id"],
                "origin.name": origin["name"],
                "destination.id": destination["id"],
                "destination.name": destination["name"],
                "dateShipped": local_datetime(shipment["actualShippingDate"], state.tz),
                "dateDelivered": None,
                "containers": [{"container.id": None, "container.name": None, "shipmentItems": items}],
                "requisition": None,
                "description": None,
                "recipient": None,
                "isShipmentOrderBased": True,
            }
        }
    )


@bp.get("/openboxes/api/products/<product_id>/productAvailabilityAndDemand")
def product_availability_and_demand(product_id: str) -> Response:
    """``ProductApiController.productAvailabilityAndDemand``: no ``data`` envelope; needs ``locationId``."""
    state = current_state()
    product = state.store.get("product", product_id)
    location = state.store.get("location", request.args.get("locationId"))
    if product is None or location is None:
        return server_error("java.lang.NullPointerException", "Cannot get property 'id' on null object")
    on_hand = stock_level(state, location["id"], product["id"])
    return json_response({"monthlyDemand": 0, "quantityOnHand": on_hand, "quantityAvailable": on_hand})
