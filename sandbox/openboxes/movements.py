"""Outbound stock movements (requisition + shipment) and inventory adjustments (transactions)."""

from __future__ import annotations

from sandbox.openboxes.catalog import require
from sandbox.openboxes.formats import parse_bound_date
from sandbox.openboxes.http import DomainError
from sandbox.openboxes.state import State

ADJUSTMENT_TYPE = "3"
BASELINE_TYPE = "12"
ACTIONS = ("INVENTORY_ADJUSTMENT", "RECORD_STOCK", "CYCLE_COUNT", "INVENTORY_IMPORT")


def stock_level(state: State, facility_id: str, product_id: str) -> int:
    """Quantity on hand of one product at one facility."""
    record = state.store.get("stock", f"{facility_id}:{product_id}")
    return record["quantity"] if record else 0


def set_stock(state: State, facility_id: str, product_id: str, quantity: int) -> None:
    """Overwrite the quantity on hand."""
    state.store.put("stock", {"id": f"{facility_id}:{product_id}", "quantity": quantity})


def create_stock_movement(state: State, fields: dict, at: int | None = None) -> dict:
    """An outbound request from the main facility to ``destinationId``, picked and ready to ship.

    ``pendingApproval: true`` leaves it in PENDING_APPROVAL without a shipment (hidden from the list).
    """
    origin_id = fields.get("originId") or state.meta("config")["facilityId"]
    destination = require(state, "location", fields.get("destinationId"))
    if destination["id"] == origin_id:
        raise DomainError("origin and destination must differ")
    at = state.clock.now_ts() if at is None else at
    number = state.next_number("request-number")
    lines = [_request_line(state, line, index) for index, line in enumerate(fields.get("lines", []))]
    requisition = {
        "id": state.new_id(),
        "requestNumber": f"OUT-{number:05d}",
        "name": fields.get("name") or f"Stock movement {number}",
        "description": fields.get("description"),
        "status": "PICKED",
        "originId": origin_id,
        "destinationId": destination["id"],
        "requestedBy": fields.get("requestedBy", "admin"),
        "dateRequested": at,
        "dateCreated": at,
        "lastUpdated": at,
        "requestType": "DEFAULT",
        "sourceType": "ELECTRONIC",
        "shipmentId": None,
        "items": lines,
    }
    if fields.get("pendingApproval"):
        requisition["status"] = "PENDING_APPROVAL"
    else:
        requisition["shipmentId"] = _create_shipment(state, requisition, at)["id"]
    return state.store.put("requisition", requisition)


def _request_line(state: State, line: dict, index: int) -> dict:
    require(state, "product", line.get("productId"))
    return {
        "id": state.new_id(),
        "productId": line["productId"],
        "quantityRequested": int(line["quantity"]),
        "sortOrder": (index + 1) * 100,
    }


def _create_shipment(state: State, requisition: dict, at: int) -> dict:
    items = [
        {
            "id": state.new_id(),
            "productId": line["productId"],
            "quantity": line["quantityRequested"],
            "inventoryItemId": state.new_id(),
            "lotNumber": None,
            "expirationDate": None,
        }
        for line in requisition["items"]
    ]
    shipment = {
        "id": state.new_id(),
        "shipmentNumber": requisition["requestNumber"],
        "name": requisition["name"],
        "status": "PENDING",
        "originId": requisition["originId"],
        "destinationId": requisition["destinationId"],
        "expectedShippingDate": None,
        "actualShippingDate": None,
        "expectedDeliveryDate": None,
        "actualDeliveryDate": None,
        "dateCreated": at,
        "lastUpdated": at,
        "items": items,
    }
    return state.store.put("shipment", shipment)


def find_movement(state: State, movement_id: str) -> dict | None:
    """The requisition for a stock movement id, which may also be its shipment's id."""
    requisition = state.store.get("requisition", movement_id)
    if requisition is not None:
        return requisition
    for candidate in state.store.all("requisition"):
        if candidate["shipmentId"] == movement_id:
            return candidate
    return None


def ship(
    state: State,
    movement_id: str,
    ship_date: str | None = None,
    quantities: dict | None = None,
    at: int | None = None,
) -> dict:
    """Send the shipment: SHIPPED / ISSUED, stock leaves the origin; ``ship_date`` may be backdated."""
    requisition = find_movement(state, movement_id)
    if requisition is None or requisition["shipmentId"] is None:
        raise DomainError(f"no shippable stock movement {movement_id}")
    shipment = state.store.get("shipment", requisition["shipmentId"])
    if shipment["status"] != "PENDING":
        raise DomainError(f"shipment is already {shipment['status']}")
    now = state.clock.now_ts() if at is None else at
    shipped_at = _parse_date(state, ship_date) if ship_date else now
    for item in shipment["items"]:
        item["quantity"] = int((quantities or {}).get(item["productId"], item["quantity"]))
        origin_stock = stock_level(state, shipment["originId"], item["productId"])
        set_stock(state, shipment["originId"], item["productId"], origin_stock - item["quantity"])
    shipment.update(
        status="SHIPPED",
        expectedShippingDate=shipped_at,
        actualShippingDate=shipped_at,
        expectedDeliveryDate=shipped_at + 3 * 86400,
        lastUpdated=now,
    )
    requisition.update(status="ISSUED", lastUpdated=now)
    state.store.put("shipment", shipment)
    return state.store.put("requisition", requisition)


def receive(state: State, movement_id: str, partial: bool = False, at: int | None = None) -> dict:
    """The destination receives the shipment (shipment status and lastUpdated change, the request's don't)."""
    requisition = find_movement(state, movement_id)
    shipment = state.store.get("shipment", (requisition or {}).get("shipmentId"))
    if shipment is None or shipment["status"] not in ("SHIPPED", "PARTIALLY_RECEIVED"):
        raise DomainError("only shipped movements can be received")
    now = state.clock.now_ts() if at is None else at
    shipment.update(status="PARTIALLY_RECEIVED" if partial else "RECEIVED", actualDeliveryDate=now, lastUpdated=now)
    state.store.put("shipment", shipment)
    return requisition


def _parse_date(state: State, text: str) -> int:
    try:
        return parse_bound_date(text, state.tz)
    except ValueError as error:
        raise DomainError(str(error)) from error


def record_adjustment(state: State, fields: dict, at: int | None = None) -> list[dict]:
    """An Adjustment transaction (type 3) with signed per-product deltas; RECORD_STOCK adds a baseline.

    Lines give ``quantityDifference`` or the counted ``quantity``; ``transactionDate`` cannot be future.
    """
    now = state.clock.now_ts() if at is None else at
    when = _parse_date(state, fields["transactionDate"]) if fields.get("transactionDate") else now
    if when > now:
        raise DomainError("transactionDate cannot be in the future")
    action = fields.get("action", "INVENTORY_ADJUSTMENT")
    if action not in ACTIONS:
        raise DomainError(f"action must be one of {ACTIONS}")
    facility_id = fields.get("facilityId") or state.meta("config")["facilityId"]
    require(state, "location", facility_id)
    if not fields.get("lines"):
        raise DomainError("lines are required")
    created = []
    if action == "RECORD_STOCK":
        created.append(_transaction(state, fields, facility_id, BASELINE_TYPE, when - 1, now, apply=False))
    created.append(_transaction(state, fields, facility_id, ADJUSTMENT_TYPE, when, now, apply=True))
    return created


def _transaction(state: State, fields: dict, facility_id: str, type_id: str, when: int, now: int, apply: bool) -> dict:
    entries = [_entry(state, facility_id, line, apply) for line in fields["lines"]]
    number = state.next_number("transaction-number")
    transaction = {
        "id": state.new_id(),
        "transactionNumber": f"T-{number:05d}",
        "typeId": type_id,
        "action": fields.get("action", "INVENTORY_ADJUSTMENT"),
        "facilityId": facility_id,
        "transactionDate": when,
        "comment": fields.get("comment"),
        "recordedBy": fields.get("recordedBy", "admin"),
        "dateCreated": now,
        "lastUpdated": now,
        "entries": entries,
    }
    return state.store.put("transaction", transaction)


def _entry(state: State, facility_id: str, line: dict, apply: bool) -> dict:
    require(state, "product", line.get("productId"))
    before = stock_level(state, facility_id, line["productId"])
    after = int(line["quantity"]) if "quantity" in line else before + int(line.get("quantityDifference", 0))
    if apply:
        set_stock(state, facility_id, line["productId"], after)
    return {
        "id": state.new_id(),
        "productId": line["productId"],
        "quantityBefore": before,
        "quantityAfter": after,
        "quantityDifference": after - before,
        "comments": line.get("comments"),
    }
