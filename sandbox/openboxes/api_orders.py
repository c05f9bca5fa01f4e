"""Purchase-order read API: the summary-table list, the thin read, and the UI's getOrderItems."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, g, request

from sandbox.openboxes import catalog, orders
from sandbox.openboxes.auth import current_state, session_location
from sandbox.openboxes.formats import decimal, iso_utc, locale_number, parse_mdy
from sandbox.openboxes.http import (
    DomainError,
    json_response,
    ob_error,
    redirect_to,
    server_error,
    text_response,
)
from sandbox.openboxes.listing import int_param, paginate, sort_rows
from sandbox.openboxes.shapes import enum_object, location_json, product_json, rendered
from sandbox.openboxes.state import State

bp = Blueprint("ob_orders", __name__)
ORDER_STATUS = "org.pih.warehouse.order.OrderStatus"
ROW_SORTS = ("orderNumber", "name", "origin", "destination", "orderedBy", "status")


def _summary_sorts(state: State) -> dict:
    """Sortable columns: summary-row fields, plus Order properties read from the live order."""

    def live(name: str):
        return lambda summary: (state.store.get("order", summary["id"]) or {}).get(name)

    keys = {name: (lambda summary, name=name: summary["row"][name]) for name in ROW_SORTS}
    keys.update({name: live(name) for name in ("dateCreated", "lastUpdated", "dateApproved", "id")})
    keys["dateOrdered"] = lambda summary: summary["dateOrdered"]
    keys["paymentTerm"] = lambda summary: (summary["row"]["paymentTerm"] or {}).get("name")
    return keys


def _filter_summaries(state: State, rows: list[dict]) -> list[dict]:
    """status (repeatable, on derivedStatus), destination, origin, searchTerm, statusStart/EndDate."""
    statuses = request.args.getlist("status")
    if statuses:
        rows = [row for row in rows if row["status"] in statuses]
    for param, field in (
        ("destination", "destinationId"),
        ("destinationParty", "destinationPartyId"),
        ("origin", "originId"),
    ):
        if request.args.get(param):
            rows = [row for row in rows if row[field] == request.args[param]]
    if request.args.get("searchTerm"):
        needle = request.args["searchTerm"].casefold()
        rows = [row for row in rows if needle in row["search"].casefold()]
    # Despite their names these filter dateOrdered; both are midnight in the server's zone.
    if request.args.get("statusStartDate"):
        start = parse_mdy(request.args["statusStartDate"], state.tz)
        rows = [row for row in rows if row["dateOrdered"] >= start]
    if request.args.get("statusEndDate"):
        end = parse_mdy(request.args["statusEndDate"], state.tz)
        rows = [row for row in rows if row["dateOrdered"] <= end]
    return rows


@bp.get("/openboxes/api/purchaseOrders")
def list_purchase_orders() -> Response:
    """Rows of order_summary_mv (which lags), in table order unless ``sort`` is given."""
    state = current_state()
    orders.apply_due_refreshes(state)
    rows = sorted(state.store.all("order_summary"), key=lambda row: row["seq"])
    try:
        rows = _filter_summaries(state, rows)
    except ValueError as error:
        return server_error("java.text.ParseException", str(error))
    rows = sort_rows(rows, request.args.get("sort"), request.args.get("order"), _summary_sorts(state))
    page = paginate(rows, int_param("max"), int_param("offset"))
    total_price = sum((Decimal(row["totalNormalized"]) for row in page), Decimal(0))
    return json_response(
        {
            "data": [row["row"] for row in page],
            "totalPrice": float(round(total_price, 2)),
            "totalCount": len(rows),
        }
    )


def _missing_product(state: State, order: dict) -> Response | None:
    """Loading a line whose product row is gone: Hibernate's ObjectNotFoundException, which OpenBoxes maps to 404."""
    for line in order["items"]:
        if line["productId"] is None:
            continue  # a line without a product is rendered with "product": null, not loaded
        if catalog.is_deleted(state.store.get("product", line["productId"])):
            missing = f"org.pih.warehouse.product.Product#{line['productId']}"
            return ob_error(404, f"No row with the given identifier exists: [{missing}]")
    return None


def order_json(state: State, order: dict) -> dict:
    """``Order.toJson()``: thin, with status as a raw enum object and no dates, prices or currency."""
    items = [
        {
            "id": line["id"],
            "product": product_json(state.store.get("product", line["productId"])) if line["productId"] else None,
            "quantity": line["quantity"],
            "shipmentItems": [],
        }
        for line in order["items"]
    ]
    return rendered(
        order,
        {
            "id": order["id"],
            "orderNumber": order["orderNumber"],
            "name": order["name"],
            "status": enum_object(ORDER_STATUS, order["status"]),
            "origin": location_json(state.store, state.store.get("location", order["originId"])),
            "destination": location_json(state.store, state.store.get("location", order["destinationId"])),
            "paymentMethodType": None,
            "orderItems": items,
        },
    )


@bp.get("/openboxes/api/purchaseOrders/<order_id>")
def read_purchase_order(order_id: str) -> Response:
    """One order (any state, no lag); an unknown id gets a plain-text 404."""
    state = current_state()
    order = state.store.get("order", order_id)
    if order is None:
        return text_response(f"No order found with ID {order_id}", 404)
    return _missing_product(state, order) or json_response({"data": order_json(state, order)})


@bp.post("/openboxes/api/purchaseOrders/<order_id>/rollback")
def rollback_purchase_order(order_id: str) -> Response:
    """Return a placed order to PENDING."""
    state = current_state()
    if state.store.get("order", order_id) is None:
        return text_response(f"No order found with ID {order_id}", 404)
    try:
        order = orders.rollback_order(state, order_id)
    except DomainError as error:
        return ob_error(400, str(error))
    return json_response({"data": order_json(state, order)})


def order_item_json(state: State, order: dict, line: dict, index: int, locale: str) -> dict:
    """One element of getOrderItems: prices as locale-formatted strings without a currency symbol."""
    product = state.store.get("product", line["productId"]) if line["productId"] else None
    unit_price = None if line["unitPrice"] is None else decimal(line["unitPrice"])
    return rendered(
        line,
        {
            "id": line["id"],
            "product": product_json(product) if product else None,
            "quantity": line["quantity"],
            "quantityUom": line["quantityUom"],
            "quantityPerUom": line["quantityPerUom"],
            "unitOfMeasure": f"{line['quantityUom']}/{line['quantityPerUom']}",
            "totalQuantity": line["quantity"] * line["quantityPerUom"],
            "productPackage": None,
            "currencyCode": order["currencyCode"],
            "unitPrice": None if unit_price is None else locale_number(unit_price, locale, 4),
            "totalPrice": None if unit_price is None else locale_number(unit_price * line["quantity"], locale, 2),
            "estimatedReadyDate": None,
            "actualReadyDate": None,
            "productSupplier": None,
            "recipient": None,
            "isOrderPending": order["status"] == "PENDING",
            "dateCreated": iso_utc(line["dateCreated"]),
            "canEdit": order["status"] == "PENDING",
            "manufacturerName": None,
            "text": f"{product['productCode'] or ''} {product['name']}".strip() if product else "",
            "orderItemStatusCode": line["status"],
            "hasShipmentAssociated": line["quantityReceived"] > 0,
            "budgetCode": None,
            "orderIndex": index,
        },
    )


@bp.route("/openboxes/order/getOrderItems/<order_id>", methods=["GET", "POST"])
def get_order_items(order_id: str) -> Response:
    """OrderController.getOrderItems: a bare array; non-API, so it needs a session location."""
    state = current_state()
    if session_location(state) is None:
        return redirect_to("/openboxes/dashboard/chooseLocation")
    order = state.store.get("order", order_id)
    if order is None:
        return server_error("java.lang.NullPointerException", "Cannot get property 'orderItems' on null object")
    if missing := _missing_product(state, order):
        return missing
    locale = g.ob_user["locale"]
    return json_response([order_item_json(state, order, line, i, locale) for i, line in enumerate(order["items"])])


ADJUSTMENT_TYPES = {
    "FREIGHT": {"id": "1", "name": "Freight", "code": "FREIGHT"},
    "DISCOUNT": {"id": "2", "name": "Discount", "code": "DISCOUNT"},
    "OTHER": {"id": "3", "name": "Other", "code": "OTHER"},
}


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def order_adjustment_json(order: dict, adjustment: dict) -> dict:
    """One element of getOrderAdjustments, its ``amount`` computed as OpenBoxes computes it.

    ``amount: it.amount ?: it.percentage ? (it.orderItem ? it.orderItem.totalAdjustments :
    it.totalAdjustments) : 0``: for a percentage on a line, that is the sum of *all* that line's
    adjustments, not this one's value.
    """
    item_id = adjustment.get("orderItemId")
    amount = decimal(adjustment.get("amount"))
    if not amount and adjustment.get("percentage") is not None:
        if item_id:
            same_line = [a for a in order["adjustments"] if a.get("orderItemId") == item_id and not a["canceled"]]
            amount = sum((orders.adjustment_value(order, a) for a in same_line), Decimal(0))
        else:
            amount = orders.adjustment_value(order, adjustment)
    return {
        "id": adjustment["id"],
        "type": ADJUSTMENT_TYPES.get(adjustment.get("typeCode") or ""),
        "description": adjustment["description"],
        "orderItem": {"id": item_id} if item_id else None,
        "percentage": _number(None if adjustment.get("percentage") is None else decimal(adjustment["percentage"])),
        "comments": None,
        "budgetCode": None,
        "amount": _number(amount),
        "isCanceled": adjustment["canceled"],
        "order": {"id": order["id"]},
    }


@bp.route("/openboxes/order/getOrderAdjustments/<order_id>", methods=["GET", "POST"])
def get_order_adjustments(order_id: str) -> Response:
    """OrderController.getOrderAdjustments: a bare array sorted by dateCreated, canceled ones included."""
    state = current_state()
    if session_location(state) is None:
        return redirect_to("/openboxes/dashboard/chooseLocation")
    order = state.store.get("order", order_id)
    if order is None:
        return server_error("java.lang.NullPointerException", "Cannot get property 'orderAdjustments' on null object")
    rows = sorted(order.get("adjustments", []), key=lambda a: a["dateCreated"])
    return json_response([order_adjustment_json(order, adjustment) for adjustment in rows])
