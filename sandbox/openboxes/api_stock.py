"""Outbound stock movements and generic shipments."""

from __future__ import annotations

from flask import Blueprint, Response, request

from sandbox.openboxes.api_receiving import list_inbound
from sandbox.openboxes.auth import current_state, session_location
from sandbox.openboxes.formats import iso_utc, local_date, local_datetime, parse_mdy
from sandbox.openboxes.http import json_response, ob_error, server_error
from sandbox.openboxes.listing import int_param, paginate, sort_rows
from sandbox.openboxes.movements import find_movement
from sandbox.openboxes.shapes import enum_object, location_base_json, person_json, product_stub, rendered
from sandbox.openboxes.state import State

bp = Blueprint("ob_stock", __name__)
STATUS_ORDER = (
    "CREATED",
    "EDITING",
    "PENDING_APPROVAL",
    "APPROVED",
    "VERIFYING",
    "PICKING",
    "PICKED",
    "PENDING",
    "CHECKING",
    "ISSUED",
    "RECEIVED",
    "REJECTED",
    "CANCELED",
)
HIDDEN_UNLESS_SOURCE_TYPE = ("PENDING_APPROVAL", "REJECTED")
REQUEST_TYPE = "org.pih.warehouse.requisition.RequisitionType"
SOURCE_TYPE = "org.pih.warehouse.requisition.RequisitionSourceType"
SHIPMENT_TYPE = {"id": "2", "name": "Land", "description": None}


def list_item_json(state: State, requisition: dict) -> dict:
    """OutboundStockMovementListItem.toJson(): no lastUpdated, no shipment id, no ship date, no value."""
    shipment = state.store.get("shipment", requisition["shipmentId"]) or {}
    return {
        "id": requisition["id"],
        "identifier": requisition["requestNumber"],
        "name": requisition["name"],
        "description": requisition["description"],
        "status": requisition["status"],
        "currentStatus": shipment.get("status"),
        "statusCode": requisition["status"],
        "displayStatus": requisition["status"].replace("_", " ").title(),
        "origin": location_base_json(state.store, state.store.get("location", requisition["originId"])),
        "destination": location_base_json(state.store, state.store.get("location", requisition["destinationId"])),
        "order": None,
        "dateRequested": local_date(requisition["dateRequested"], state.tz),
        "dateCreated": local_date(requisition["dateCreated"], state.tz),
        "requestedBy": person_json(state.store, requisition["requestedBy"]),
        "lineItemCount": len(requisition["items"]),
        "requestType": enum_object(REQUEST_TYPE, requisition["requestType"]),
        "sourceType": enum_object(SOURCE_TYPE, requisition["sourceType"]),
        "isPending": shipment.get("status") in (None, "PENDING"),
        "isReturn": False,
        "shipmentType": SHIPMENT_TYPE,
        "approvers": [],
    }


def _movement_filters(state: State, rows: list[dict], origin: str | None, destination: str | None) -> list[dict]:
    args = request.args
    if not args.get("sourceType"):
        rows = [row for row in rows if row["status"] not in HIDDEN_UNLESS_SOURCE_TYPE]
    else:
        rows = [row for row in rows if row["sourceType"] == args["sourceType"]]
    rows = [
        row
        for row in rows
        if (not origin or row["originId"] == origin) and (not destination or row["destinationId"] == destination)
    ]
    receipt_codes = args.getlist("receiptStatusCode")
    if receipt_codes:
        rows = [row for row in rows if _shipment_status(state, row) in receipt_codes]
    requisition_codes = args.getlist("requisitionStatusCode")
    if requisition_codes:
        rows = [row for row in rows if row["status"] in requisition_codes]
    if args.get("q"):
        needle = args["q"].casefold()
        rows = [
            row for row in rows if needle in f"{row['requestNumber']} {row['name']} {row['description']}".casefold()
        ]
    if args.get("createdAfter"):
        rows = [row for row in rows if row["dateCreated"] >= parse_mdy(args["createdAfter"], state.tz)]
    if args.get("createdBefore"):
        rows = [row for row in rows if row["dateCreated"] <= parse_mdy(args["createdBefore"], state.tz)]
    return rows


def _shipment_status(state: State, requisition: dict) -> str | None:
    return (state.store.get("shipment", requisition["shipmentId"]) or {}).get("status")


def _movement_sorts(state: State) -> dict:
    def location_name(field: str):
        return lambda row: state.store.get("location", row[field])["name"]

    keys = {
        name: (lambda row, name=name: row[name])
        for name in ("lastUpdated", "dateCreated", "dateRequested", "name", "status", "id")
    }
    keys.update(
        {
            "identifier": lambda row: row["requestNumber"],
            "origin.name": location_name("originId"),
            "destination.name": location_name("destinationId"),
            "requestedBy.name": lambda row: (person_json(state.store, row["requestedBy"]) or {}).get("name"),
        }
    )
    return keys


def _default_order(rows: list[dict]) -> list[dict]:
    """statusSortOrder asc, then dateCreated desc."""
    return sorted(rows, key=lambda row: (STATUS_ORDER.index(row["status"]), -row["dateCreated"]))


@bp.get("/openboxes/api/stockMovements")
def list_stock_movements() -> Response:
    """Requires ``direction``; ``totalCount`` is null when nothing matches."""
    state = current_state()
    direction = request.args.get("direction")
    if direction not in ("INBOUND", "OUTBOUND"):
        return json_response({"errorMessages": ["Direction parameter is required. Use INBOUND or OUTBOUND."]}, 400)
    here = (session_location(state) or {}).get("id")
    origin = request.args.get("origin") or (here if direction == "OUTBOUND" else None)
    destination = request.args.get("destination") or (here if direction == "INBOUND" else None)
    if origin and origin == destination:
        return json_response({"errorMessages": ["Origin and destination cannot be the same."]}, 400)
    if direction == "INBOUND":
        return list_inbound(state, destination)
    try:
        rows = _movement_filters(state, state.store.all("requisition"), origin, destination)
    except ValueError as error:
        return server_error("java.text.ParseException", str(error))
    if request.args.get("sort"):
        rows = sort_rows(rows, request.args["sort"], request.args.get("order"), _movement_sorts(state), "desc")
    else:
        rows = _default_order(rows)
    page = paginate(rows, int_param("max"), int_param("offset"))
    return json_response({"data": [list_item_json(state, row) for row in page], "totalCount": len(rows) or None})


def _line_item_json(state: State, line: dict, shipment: dict | None) -> dict:
    product = state.store.get("product", line["productId"])
    shipped = next((item for item in (shipment or {}).get("items", []) if item["productId"] == line["productId"]), None)
    inventory_item = {"id": shipped["inventoryItemId"], "lotNumber": None, "expirationDate": None} if shipped else None
    return {
        "id": line["id"],
        "productCode": product["productCode"],
        "product": product_stub(product),
        "lotNumber": None,
        "expirationDate": None,
        "statusCode": "APPROVED",
        "quantityRequested": line["quantityRequested"],
        "quantityAllowed": line["quantityRequested"],
        "quantityPicked": shipped["quantity"] if shipped else None,
        "quantityRevised": None,
        "quantityCanceled": 0,
        "unitOfMeasure": "EA",
        "packsRequested": line["quantityRequested"],
        "inventoryItem": inventory_item,
        "reasonCode": None,
        "comments": None,
        "sortOrder": line["sortOrder"],
    }


def stock_movement_json(state: State, requisition: dict) -> dict:
    """StockMovement.toJson(): lastUpdated (ISO), associations.shipment.id, dates in the server's zone."""
    shipment = state.store.get("shipment", requisition["shipmentId"])
    status = shipment["status"] if shipment else None
    shipment_ref = (
        {"id": shipment["id"], "shipmentNumber": shipment["shipmentNumber"], "status": status} if shipment else None
    )
    return rendered(
        requisition,
        {
            **list_item_json(state, requisition),
            "statusCode": requisition["status"],
            "dateShipped": local_datetime((shipment or {}).get("expectedShippingDate"), state.tz),
            "expectedDeliveryDate": local_date((shipment or {}).get("expectedDeliveryDate"), state.tz),
            "lastUpdated": iso_utc(requisition["lastUpdated"]),
            "shipmentStatus": status,
            "trackingNumber": None,
            "driverName": None,
            "comments": None,
            "lineItems": [_line_item_json(state, line, shipment) for line in requisition["items"]],
            "associations": {
                "requisition": {
                    "id": requisition["id"],
                    "requestNumber": requisition["requestNumber"],
                    "status": requisition["status"],
                },
                "shipment": shipment_ref,
                "shipments": [shipment_ref] if shipment_ref else [],
                "documents": [],
            },
            "isShipped": status in ("SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED"),
            "isReceived": status == "RECEIVED",
            "isPartiallyReceived": status == "PARTIALLY_RECEIVED",
            "isFromOrder": False,
        },
    )


@bp.get("/openboxes/api/stockMovements/<movement_id>")
def read_stock_movement(movement_id: str) -> Response:
    """One stock movement by requisition id or shipment id; ``totalCount`` is the line count."""
    state = current_state()
    requisition = find_movement(state, movement_id)
    if requisition is None:
        return ob_error(404, f"Stock movement with id {movement_id} could not be found")
    return json_response({"data": stock_movement_json(state, requisition), "totalCount": len(requisition["items"])})


SHIPMENT_DATES = ("expectedShippingDate", "actualShippingDate", "expectedDeliveryDate", "actualDeliveryDate")


def _shipment_item_json(state: State, shipment: dict, item: dict) -> dict:
    product = product_stub(state.store.get("product", item["productId"]))
    del product["displayName"]
    inventory_item = {
        "id": item["inventoryItemId"],
        "product": product,
        "lotNumber": item["lotNumber"],
        "expirationDate": item["expirationDate"],
    }
    return rendered(
        item,
        {
            "id": item["id"],
            "inventoryItem": inventory_item,
            "quantity": item["quantity"],
            "recipient": None,
            "shipment": {"id": shipment["id"], "name": shipment["name"]},
            "container": None,
        },
    )


def shipment_json(state: State, shipment: dict) -> dict:
    """The BootStrap Shipment marshaller: shipped quantities, MM/dd/yyyy HH:mm XXX dates, no lastUpdated."""

    def place(location_id: str) -> dict:
        location = state.store.get("location", location_id)
        return {"id": location["id"], "name": location["name"], "type": location["typeCode"]}

    dates = {field: local_datetime(shipment[field], state.tz) for field in SHIPMENT_DATES}
    items = [_shipment_item_json(state, shipment, item) for item in shipment["items"]]
    return {
        "id": shipment["id"],
        "name": shipment["name"],
        "status": shipment["status"],
        "origin": place(shipment["originId"]),
        "destination": place(shipment["destinationId"]),
        **dates,
        "shipmentItems": items,
        "containers": [],
    }
