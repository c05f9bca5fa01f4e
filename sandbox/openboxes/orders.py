"""Purchase orders: changes, and the lagging ``order_summary_mv`` table the list endpoint reads."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sandbox.openboxes.catalog import require, supplier_location
from sandbox.openboxes.formats import decimal, iso_utc, parse_bound_date, plain_money
from sandbox.openboxes.http import DomainError
from sandbox.openboxes.receiving import record_receipt
from sandbox.openboxes.shapes import PAYMENT_TERMS, person_name
from sandbox.openboxes.state import State

APPROVED = ("PLACED", "PARTIALLY_RECEIVED", "RECEIVED", "COMPLETED")


def local_midnight(state: State, at: int) -> int:
    """dateOrdered comes from a date picker: midnight of that day in the server's zone."""
    day = datetime.fromtimestamp(at, state.tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(day.timestamp())


def _new_line(state: State, line: dict, at: int) -> dict:
    require(state, "product", line.get("productId"))
    quantity = int(line.get("quantity", 1))
    if quantity < 0:
        raise DomainError("quantity cannot be negative")
    return {
        "id": state.new_id(),
        "productId": line["productId"],
        "quantity": quantity,
        "unitPrice": _price(line.get("unitPrice", "0")),
        "quantityUom": line.get("quantityUom", "EA"),
        "quantityPerUom": int(line.get("quantityPerUom", 1)),
        "status": "PENDING",
        "quantityReceived": 0,
        "dateCreated": at,
        "lastUpdated": at,
    }


def create_order(state: State, fields: dict, at: int | None = None, username: str = "admin") -> dict:
    """A PENDING purchase order from ``supplierId`` (Organization id) to the main facility."""
    supplier = require(state, "organization", fields.get("supplierId"))
    origin = supplier_location(state, supplier["id"])
    if origin is None:
        raise DomainError("the supplier has no SUPPLIER location")
    at = state.clock.now_ts() if at is None else at
    config = state.meta("config")
    number = state.next_number("order-number")
    order = {
        "id": state.new_id(),
        "orderNumber": fields.get("orderNumber") or f"PO-{number:06d}",
        "name": fields.get("name") or f"Purchase order {number}",
        "description": fields.get("description"),
        "status": "PENDING",
        "originId": origin["id"],
        "originPartyId": supplier["id"],
        "destinationId": config["facilityId"],
        "destinationPartyId": config["organizationId"],
        "orderedBy": username,
        "createdBy": username,
        "approvedBy": None,
        "dateApproved": None,
        "dateOrdered": _date_ordered(state, fields.get("dateOrdered"), at),
        "currencyCode": fields.get("currencyCode") or state.options.currency,
        "exchangeRate": str(decimal(fields.get("exchangeRate", "1"))),
        "paymentTermId": fields.get("paymentTermId"),
        "dateCreated": at,
        "lastUpdated": at,
        "items": [_new_line(state, line, at) for line in fields.get("lines", [])],
        "adjustments": [],
    }
    state.store.put("order", order)
    for adjustment in fields.get("adjustments", []):
        add_adjustment(state, order["id"], adjustment, at)
    if fields.get("place"):
        return place_order(state, order["id"], at, username)
    schedule_refresh(state, order["id"])
    return order


def _date_ordered(state: State, value: str | None, at: int) -> int:
    if value is None:
        return local_midnight(state, at)
    try:
        return parse_bound_date(value, state.tz)
    except ValueError as error:
        raise DomainError(str(error)) from error


def _touch(state: State, order: dict, at: int | None = None) -> dict:
    order["lastUpdated"] = state.clock.now_ts() if at is None else at
    state.store.put("order", order)
    schedule_refresh(state, order["id"])
    return order


def edit_order(state: State, order_id: str, fields: dict, at: int | None = None) -> dict:
    """Edit header fields, change lines (``lines``: [{id, quantity?, unitPrice?}]) or add lines.

    Allowed after approval too: OpenBoxes lets users edit PLACED orders without rolling them back.
    """
    order = require(state, "order", order_id)
    if order["status"] == "CANCELED":
        raise DomainError("a canceled order cannot be edited")
    now = state.clock.now_ts() if at is None else at
    for key in ("name", "description", "currencyCode", "paymentTermId", "orderNumber"):
        if key in fields:
            order[key] = fields[key]
    if "exchangeRate" in fields:
        order["exchangeRate"] = str(decimal(fields["exchangeRate"]))
    if "dateOrdered" in fields:
        order["dateOrdered"] = _date_ordered(state, fields["dateOrdered"], now)
    for change in fields.get("lines", []):
        _edit_line(_line(order, change.get("id")), change, now)
    order["items"].extend(_new_line(state, line, now) for line in fields.get("addLines", []))
    return _touch(state, order, now)


def _line(order: dict, line_id: str | None) -> dict:
    for line in order["items"]:
        if line["id"] == line_id:
            return line
    raise DomainError(f"order {order['id']} has no line {line_id}")


def _edit_line(line: dict, change: dict, at: int) -> None:
    if "quantity" in change:
        line["quantity"] = int(change["quantity"])
    if "unitPrice" in change:
        line["unitPrice"] = _price(change["unitPrice"])
    if "productId" in change:  # OrderItem.product is nullable
        line["productId"] = change["productId"]
    line["lastUpdated"] = at


def _price(value: object) -> str | None:
    """OrderItem.unitPrice is nullable: an explicit null stays null."""
    return None if value is None else str(decimal(value))


def place_order(state: State, order_id: str, at: int | None = None, username: str = "admin") -> dict:
    """OrderService.placeOrder: the approval step (status PLACED, dateApproved, approvedBy)."""
    order = require(state, "order", order_id)
    if order["status"] != "PENDING":
        raise DomainError(f"only PENDING orders can be placed (this one is {order['status']})")
    now = state.clock.now_ts() if at is None else at
    order.update(status="PLACED", dateApproved=now, approvedBy=username)
    return _touch(state, order, now)


def rollback_order(state: State, order_id: str, at: int | None = None) -> dict:
    """Back to PENDING, clearing approvedBy/dateApproved (refused once anything was received)."""
    order = require(state, "order", order_id)
    if order["status"] != "PLACED":
        raise DomainError(f"only PLACED orders can be rolled back (this one is {order['status']})")
    order.update(status="PENDING", dateApproved=None, approvedBy=None)
    return _touch(state, order, at)


def cancel_order(state: State, order_id: str, at: int | None = None) -> dict:
    """Mark the whole order CANCELED (not possible once goods were received)."""
    order = require(state, "order", order_id)
    if order["status"] not in ("PENDING", "PLACED"):
        raise DomainError(f"a {order['status']} order cannot be canceled")
    order["status"] = "CANCELED"
    return _touch(state, order, at)


def cancel_line(state: State, order_id: str, line_id: str, at: int | None = None) -> dict:
    """Cancel one line (orderItemStatusCode CANCELED); it then drops out of the totals."""
    order = require(state, "order", order_id)
    now = state.clock.now_ts() if at is None else at
    _line(order, line_id).update(status="CANCELED", lastUpdated=now)
    return _touch(state, order, now)


def receive_order(state: State, order_id: str, quantities: dict | None, at: int | None = None) -> dict:
    """Record received quantities per line id (all open quantities when None)."""
    order = require(state, "order", order_id)
    if order["status"] not in ("PLACED", "PARTIALLY_RECEIVED"):
        raise DomainError("only placed orders can be received")
    now = state.clock.now_ts() if at is None else at
    received = {}
    for line in order["items"]:
        if line["status"] != "CANCELED":
            wanted = line["quantity"] if quantities is None else int(quantities.get(line["id"], 0))
            before = line["quantityReceived"]
            line["quantityReceived"] = min(line["quantity"], before + wanted)
            received[line["id"]] = line["quantityReceived"] - before
    record_receipt(state, order, received, now)
    order["status"] = receipt_status(order) or order["status"]
    return _touch(state, order, now)


def receipt_status(order: dict) -> str | None:
    """PARTIALLY_RECEIVED / RECEIVED from the open lines, or None when nothing was received."""
    lines = [line for line in order["items"] if line["status"] != "CANCELED"]
    if not any(line["quantityReceived"] for line in lines):
        return None
    done = all(line["quantityReceived"] >= line["quantity"] for line in lines)
    return "RECEIVED" if done else "PARTIALLY_RECEIVED"


def order_subtotal(order: dict) -> Decimal:
    """Sum of quantity × unitPrice over the lines that are not canceled (``Order.getSubtotal``)."""
    return sum((line_subtotal(line) for line in open_lines(order)), Decimal(0))


def open_lines(order: dict) -> list[dict]:
    return [line for line in order["items"] if line["status"] != "CANCELED"]


def line_subtotal(line: dict) -> Decimal:
    return line["quantity"] * decimal(line["unitPrice"])


def order_total(order: dict) -> Decimal:
    """``Order.getTotal``: subtotal + adjustments of open lines + order adjustments, none canceled, unrounded."""
    lines = {line["id"]: line for line in open_lines(order)}
    total = order_subtotal(order)
    for adjustment in order.get("adjustments", []):
        item_id = adjustment.get("orderItemId")
        if adjustment["canceled"] or (item_id and item_id not in lines):
            continue
        total += adjustment_value(order, adjustment)
    return total


def adjustment_value(order: dict, adjustment: dict) -> Decimal:
    """``OrderAdjustment.getTotalAdjustments``: amount ?: percentage/100 × (line or order subtotal)."""
    amount = decimal(adjustment.get("amount"))
    if amount:
        return amount
    percentage = decimal(adjustment.get("percentage"))
    if not percentage:
        return Decimal(0)
    item_id = adjustment.get("orderItemId")
    base = line_subtotal(_line(order, item_id)) if item_id else order_subtotal(order)
    return percentage / 100 * base


def add_adjustment(state: State, order_id: str, fields: dict, at: int | None = None) -> dict:
    """An OrderAdjustment: ``amount`` or ``percentage``, ``description``, ``orderItemId``?, ``typeCode``?."""
    order = require(state, "order", order_id)
    now = state.clock.now_ts() if at is None else at
    if fields.get("amount") is None and fields.get("percentage") is None:
        raise DomainError("an adjustment needs an amount or a percentage")
    if fields.get("orderItemId"):
        _line(order, fields["orderItemId"])
    adjustment = {
        "id": state.new_id(),
        "amount": None if fields.get("amount") is None else str(decimal(fields["amount"])),
        "percentage": None if fields.get("percentage") is None else str(decimal(fields["percentage"])),
        "description": fields.get("description") or "Adjustment",
        "orderItemId": fields.get("orderItemId"),
        "typeCode": fields.get("typeCode"),
        "canceled": bool(fields.get("canceled")),
        "dateCreated": now,
    }
    order.setdefault("adjustments", []).append(adjustment)
    _touch(state, order, now)
    return adjustment


def cancel_adjustment(state: State, order_id: str, adjustment_id: str, canceled: bool = True) -> dict:
    """``cancelOrderAdjustment`` / ``restoreOrderAdjustment``."""
    order = require(state, "order", order_id)
    for adjustment in order.get("adjustments", []):
        if adjustment["id"] == adjustment_id:
            adjustment["canceled"] = canceled
            _touch(state, order)
            return adjustment
    raise DomainError(f"order {order_id} has no adjustment {adjustment_id}")


# --- the order_summary_mv table ------------------------------------------------------------------


def schedule_refresh(state: State, order_id: str) -> None:
    """RefreshOrderSummaryEvent: the row is rebuilt ``po_lag`` seconds later (now when the lag is 0)."""
    if state.options.po_lag <= 0:
        refresh_summary(state, order_id)
        return
    queue = state.meta("summary_queue", {"due": {}})
    due = state.clock.now() + state.options.po_lag
    queue["due"][order_id] = min(queue["due"].get(order_id, due), due)
    state.store.put("meta", queue)


def apply_due_refreshes(state: State) -> None:
    """Rebuild the rows whose refresh time has come (called before the list is read)."""
    queue = state.meta("summary_queue", {"due": {}})
    now = state.clock.now()
    for order_id, due in list(queue["due"].items()):
        if due <= now:
            refresh_summary(state, order_id)
            del queue["due"][order_id]
    state.store.put("meta", queue)


def refresh_all(state: State) -> int:
    """The nightly full rebuild: every row, and nothing left pending."""
    orders = state.store.all("order")
    for order in orders:
        refresh_summary(state, order["id"])
    state.store.put("meta", {"id": "summary_queue", "due": {}})
    return len(orders)


def refresh_summary(state: State, order_id: str) -> None:
    """DELETE + INSERT of one row, so it moves to the end of the table's physical order."""
    order = state.store.get("order", order_id)
    state.store.delete("order_summary", order_id)
    if order is None:
        return
    row = {
        "id": order_id,
        "seq": state.next_number("summary-row"),
        "status": derived_status(order),
        "destinationId": order["destinationId"],
        "destinationPartyId": order["destinationPartyId"],
        "originId": order["originId"],
        "dateOrdered": order["dateOrdered"],
        "search": " ".join(filter(None, (order["name"], order["description"], order["orderNumber"]))),
        "totalNormalized": str(order_total(order) * decimal(order["exchangeRate"])),
        "row": summary_row(state, order),
    }
    state.store.put("order_summary", row)


def derived_status(order: dict) -> str:
    """The view's derivedStatus: receipt status first, else the order's own status."""
    if order["status"] == "CANCELED":
        return "CANCELED"
    return receipt_status(order) or order["status"]


def display_name(state: State, location_id: str) -> str:
    """ "name (orgCode)" as the summary view renders origin and destination."""
    location = state.store.get("location", location_id)
    organization = state.store.get("organization", location["organizationId"])
    return f"{location['name']} ({organization['code']})"


def summary_row(state: State, order: dict) -> dict:
    """The OrderSummary marshaller: display strings, string totals, no lastUpdated/dateApproved."""
    lines = order["items"]
    received = [line for line in lines if line["quantityReceived"]]
    total = order_total(order)
    normalized = total * decimal(order["exchangeRate"])
    return {
        "id": order["id"],
        "orderNumber": order["orderNumber"],
        "name": order["name"],
        "status": derived_status(order),
        "origin": display_name(state, order["originId"]),
        "destination": display_name(state, order["destinationId"]),
        "paymentTerm": PAYMENT_TERMS.get(order.get("paymentTermId") or ""),
        "dateOrdered": iso_utc(order["dateOrdered"]),
        "orderedBy": person_name(state.store, order["orderedBy"]),
        "createdBy": person_name(state.store, order["createdBy"]),
        "orderItemsCount": len(lines),
        "orderedOrderItemsCount": sum(1 for line in lines if line["status"] != "CANCELED"),
        "shippedItemsCount": len(received),
        "receivedItemsCount": len(received),
        "invoicedItemsCount": 0,
        "total": f"{plain_money(total)} {order['currencyCode'] or ''}".strip(),
        "totalNormalized": f"{plain_money(normalized)} {state.options.currency}",
        "shipmentsCount": 1 if received else 0,
    }
