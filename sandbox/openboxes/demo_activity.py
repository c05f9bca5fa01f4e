"""The demo data set's activity: purchase orders, shipments and adjustments, with their hard cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.openboxes import movements, orders
from sandbox.openboxes.formats import iso_utc

if TYPE_CHECKING:
    from sandbox.openboxes.demo_data import DemoBuilder

HOUR = 3600
DAY = 86400
FOREIGN = (("EUR", "1.08"), ("GBP", "1.27"), ("CAD", "0.73"))
COMMENTS = ("Broken bottles", "Expired stock found", "Cycle count correction", "Found behind shelf", None)


def _later(b: DemoBuilder, start: int, low: int, high: int) -> int:
    """A moment after ``start`` but never after the data set's anchor."""
    return min(start + b.rng.randint(low, high), b.anchor - 60)


def _line(b: DemoBuilder, product: dict) -> dict:
    price = product["pricePerUnit"]
    unit_price = b.rng.uniform(1, 50) if price is None else price * b.rng.uniform(0.8, 1.1)
    digits = 4 if b.rng.random() < 0.1 else 2
    return {
        "productId": product["id"],
        "quantity": b.rng.randint(1, 400),
        "unitPrice": round(unit_price, digits),
    }


def _order_fields(b: DemoBuilder, i: int) -> dict:
    active = [p for p in b.products if p["active"]]
    supplier = b.same_name_supplier if i % 50 == 10 else b.suppliers[i % len(b.suppliers)]
    lines = [_line(b, p) for p in b.rng.sample(active, b.rng.randint(1, 5))]
    if i < 8:  # lines whose products carry hard-case names, codes or prices
        lines.append(_line(b, active[i * 3]))
    if i % 15 == 3:
        lines.append({**_line(b, b.rng.choice(active)), "quantity": 0})
    fields = {
        "supplierId": supplier["id"],
        "lines": lines,
        "name": f"Restock {i + 1:03d}",
        "paymentTermId": b.rng.choice(("1", "2", "3", None)),
    }
    if i % 12 == 5:
        fields["currencyCode"], fields["exchangeRate"] = FOREIGN[i % len(FOREIGN)]
    return fields


def _add_adjustments(b: DemoBuilder, order: dict, i: int, cases: dict[str, list[str]]) -> None:
    """Freight, a percentage discount and a canceled charge on some orders; a line discount on others."""
    at = order["dateCreated"]
    if i % 16 == 9:
        orders.add_adjustment(
            b.state, order["id"], {"amount": "25.00", "description": "Freight", "typeCode": "FREIGHT"}, at
        )
        discount = {"percentage": "-5", "description": "Early payment discount", "typeCode": "DISCOUNT"}
        orders.add_adjustment(b.state, order["id"], discount, at)
        handling = {"amount": "10.00", "description": "Handling", "typeCode": "OTHER", "canceled": True}
        orders.add_adjustment(b.state, order["id"], handling, at)
        cases["po_adjustments"].append(order["id"])
    elif i % 16 == 13:
        line = {"percentage": "-2.5", "description": "Volume discount", "orderItemId": order["items"][0]["id"]}
        orders.add_adjustment(b.state, order["id"], line, at)
        cases["po_adjustments"].append(order["id"])


def _advance_order(b: DemoBuilder, order: dict, i: int, cases: dict[str, list[str]]) -> None:
    """Move one order through its planned life (pending, placed, received, edited, canceled...)."""
    state, created = b.state, order["dateCreated"]
    if i % 14 == 6 and len(order["items"]) > 1:
        orders.cancel_line(state, order["id"], order["items"][-1]["id"], at=_later(b, created, 60, HOUR))
        cases["po_canceled_lines"].append(order["id"])
    if i % 10 in (0, 1):
        return
    if i % 20 == 2:
        orders.cancel_order(state, order["id"], at=_later(b, created, HOUR, DAY))
        cases["po_canceled"].append(order["id"])
        return
    placed = _later(b, created, 600, 2 * DAY)
    orders.place_order(state, order["id"], at=placed)
    if i % 33 == 8:
        orders.rollback_order(state, order["id"], at=_later(b, placed, HOUR, DAY))
        cases["po_rolled_back"].append(order["id"])
        return
    if i % 25 == 7:
        first = order["items"][0]
        change = {
            "lines": [{"id": first["id"], "unitPrice": round(float(first["unitPrice"]) * 1.1 + 0.01, 2)}],
            "addLines": [_line(b, b.products[-1])],
        }
        orders.edit_order(state, order["id"], change, at=_later(b, placed, DAY, 5 * DAY))
        cases["po_edited_after_approval"].append(order["id"])
    if i % 10 in (3, 4):
        partial = None if i % 10 == 4 else {order["items"][0]["id"]: 1}
        orders.receive_order(state, order["id"], partial, at=_later(b, placed, DAY, 10 * DAY))


def build_orders(b: DemoBuilder) -> None:
    """200 purchase orders over 90 days."""
    cases: dict[str, list[str]] = {name: [] for name in ORDER_NOTES}
    created_orders = []
    for i in range(200):
        fields = _order_fields(b, i)
        order = orders.create_order(
            b.state, fields, at=b.past(90, 3 * HOUR), username=b.rng.choice(("admin", "francoise"))
        )
        _add_adjustments(b, order, i, cases)
        _advance_order(b, order, i, cases)
        created_orders.append(order)
    shared = b.past(20)
    for order in created_orders[100:104]:
        order["lastUpdated"] = shared
        b.state.store.put("order", order)
    cases["po_same_last_updated"] = [o["id"] for o in created_orders[100:104]]
    _classify_orders(b, created_orders, cases)
    for name, ids in cases.items():
        b.case(name, "order", ids, ORDER_NOTES[name])


def _classify_orders(b: DemoBuilder, created_orders: list[dict], cases: dict[str, list[str]]) -> None:
    for i, order in enumerate(created_orders):
        by_status = {
            "PENDING": "po_pending",
            "PARTIALLY_RECEIVED": "po_partially_received",
            "RECEIVED": "po_received",
        }
        if order["status"] in by_status:
            cases[by_status[order["status"]]].append(order["id"])
        if any(line["quantity"] == 0 for line in order["items"]):
            cases["po_zero_quantity_lines"].append(order["id"])
        if order["currencyCode"] != b.state.options.currency:
            cases["po_foreign_currency"].append(order["id"])
        if order["originPartyId"] == b.same_name_supplier["id"]:
            cases["po_from_same_name_supplier"].append(order["id"])
        if i < 8:
            cases["po_hard_case_products"].append(order["id"])


ORDER_NOTES = {
    "po_pending": "status PENDING (not approved)",
    "po_canceled": "whole order CANCELED",
    "po_canceled_lines": "one line has orderItemStatusCode CANCELED (excluded from totals)",
    "po_zero_quantity_lines": "a line with quantity 0",
    "po_foreign_currency": "currencyCode EUR/GBP/CAD; total vs totalNormalized differ",
    "po_edited_after_approval": "PLACED, then a price changed and a line added (lastUpdated > dateApproved)",
    "po_rolled_back": "placed, then rolled back to PENDING (dateApproved cleared)",
    "po_partially_received": "derived status PARTIALLY_RECEIVED",
    "po_received": "derived status RECEIVED",
    "po_same_last_updated": "these orders share one lastUpdated second",
    "po_hard_case_products": "lines include products with unicode/long/special names, no code or no price",
    "po_from_same_name_supplier": "supplier named like a customer location",
    "po_adjustments": "order adjustments: freight 25.00, -5 % discount and a canceled charge; or -2.5 % on a line",
}


def _ship_one(b: DemoBuilder, movement: dict, i: int, cases: dict[str, list[str]]) -> None:
    ship_at = _later(b, movement["dateCreated"], 600, 3 * DAY)
    ship_date = None
    if i % 20 == 4:
        ship_date = iso_utc(ship_at - b.rng.randint(2 * DAY, 10 * DAY))
        cases["shipment_backdated"].append(movement["id"])
    quantities = None
    if i % 12 == 5:
        first = movement["items"][0]
        quantities = {first["productId"]: max(0, first["quantityRequested"] - b.rng.randint(1, 5))}
        cases["shipment_partial_quantity"].append(movement["id"])
    movements.ship(b.state, movement["id"], ship_date, quantities, at=ship_at)
    if i % 5 == 1:
        partial = i % 20 == 6
        movements.receive(b.state, movement["id"], partial, at=_later(b, ship_at, DAY, 4 * DAY))
        cases["shipment_partially_received" if partial else "shipment_received"].append(movement["id"])


def _create_movement(b: DemoBuilder, i: int, cases: dict[str, list[str]]) -> dict:
    """Movement number ``i``: every tenth goes to the customer named like a supplier; 3 await approval."""
    customer = b.customers[0] if i % 10 == 0 else b.customers[i % len(b.customers)]
    active = [p for p in b.products if p["active"]]
    picked = b.rng.sample(active, b.rng.randint(1, 4))
    lines = [{"productId": p["id"], "quantity": b.rng.randint(1, 60)} for p in picked]
    fields = {
        "destinationId": customer["id"],
        "lines": lines,
        "name": f"Delivery {i + 1:03d}",
        "pendingApproval": i in (7, 77, 147),
    }
    movement = movements.create_stock_movement(b.state, fields, at=b.past(90, 2 * HOUR))
    if customer is b.customers[0]:
        cases["shipment_to_same_name_customer"].append(movement["id"])
    return movement


def build_shipments(b: DemoBuilder) -> None:
    """150 outbound stock movements: shipped, received, not yet shipped, awaiting approval."""
    cases: dict[str, list[str]] = {name: [] for name in SHIPMENT_NOTES}
    created = []
    for i in range(150):
        movement = _create_movement(b, i, cases)
        created.append(movement)
        if movement["status"] == "PENDING_APPROVAL":
            cases["shipment_pending_approval"].append(movement["id"])
        elif i % 10 == 9:
            cases["shipment_not_shipped"].append(movement["id"])
        else:
            _ship_one(b, movement, i, cases)
    _share_second(b, [m for m in created[60:70] if m["status"] == "ISSUED"][:4], cases)
    for name, ids in cases.items():
        b.case(name, "stockMovement", ids, SHIPMENT_NOTES[name])


def _share_second(b: DemoBuilder, shared: list[dict], cases: dict[str, list[str]]) -> None:
    moment = b.past(15)
    for movement in shared:
        movement["lastUpdated"] = moment
        b.state.store.put("requisition", movement)
    cases["shipment_same_last_updated"] = [m["id"] for m in shared]


SHIPMENT_NOTES = {
    "shipment_backdated": "ship date set days before the moment it was sent",
    "shipment_partial_quantity": "shipped less than requested on the first line",
    "shipment_received": "shipment RECEIVED",
    "shipment_partially_received": "shipment PARTIALLY_RECEIVED",
    "shipment_not_shipped": "picked but not shipped (shipment PENDING)",
    "shipment_pending_approval": "PENDING_APPROVAL: hidden from the list unless sourceType is given",
    "shipment_same_last_updated": "these stock movements share one lastUpdated second",
    "shipment_to_same_name_customer": "destination named like a supplier",
}


def _adjustment_plan(b: DemoBuilder) -> list[tuple[int, dict, str | None]]:
    active = [p for p in b.products if p["active"]]
    second = b.state.meta("config")["secondFacilityId"]
    shared = b.past(45)
    plan = []
    for i in range(105):
        at = shared if i in (40, 41, 42) else b.past(90, HOUR)
        lines = [
            {"productId": p["id"], "quantityDifference": b.rng.choice((-1, 1)) * b.rng.randint(1, 25)}
            for p in b.rng.sample(active, b.rng.randint(1, 3))
        ]
        if i % 20 == 7:
            lines.append({"productId": b.rng.choice(active)["id"], "quantityDifference": 0})
        fields = {
            "lines": lines,
            "transactionDate": iso_utc(at - (10 * DAY if i == 55 else 0)),
            "comment": b.rng.choice(COMMENTS),
            "action": "RECORD_STOCK" if i % 10 == 3 else None,
            "facilityId": second if i >= 100 else None,
        }
        plan.append((at, {k: v for k, v in fields.items() if v is not None}, _adjustment_case(i, lines)))
    return sorted(plan, key=lambda item: item[0])


def _adjustment_case(i: int, lines: list[dict]) -> str | None:
    if i in (40, 41, 42):
        return "adjustment_same_second"
    if i == 55:
        return "adjustment_backdated"
    if i >= 100:
        return "adjustment_other_facility"
    if i % 20 == 7:
        return "adjustment_zero_difference"
    if i % 10 == 3:
        return "adjustment_record_stock"
    return "adjustment_multi_product" if len(lines) > 1 else None


def build_adjustments(b: DemoBuilder) -> None:
    """100 adjustments at the main facility and 5 at the second one (ids are transactionNumbers)."""
    cases: dict[str, list[str]] = {name: [] for name in ADJUSTMENT_NOTES}
    for at, fields, case in _adjustment_plan(b):
        transactions = movements.record_adjustment(b.state, fields, at=at)
        if case:
            cases[case].append(transactions[-1]["transactionNumber"])
    for name, ids in cases.items():
        b.case(name, "transactionNumber", ids, ADJUSTMENT_NOTES[name])


ADJUSTMENT_NOTES = {
    "adjustment_same_second": "three transactions with the same transactionDate second",
    "adjustment_backdated": "transactionDate 10 days before it was recorded",
    "adjustment_other_facility": "at North Depot, not the main facility",
    "adjustment_zero_difference": "one row has quantityDifference 0 (varianceTypeCode EQUAL)",
    "adjustment_record_stock": "RECORD_STOCK: an Inventory Baseline (type 12, not reported) 1 s before",
    "adjustment_multi_product": "several products in one transaction (several report rows)",
}
