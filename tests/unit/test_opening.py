"""Opening stock, pure: the start quantity rule, its value, and the Item body it gives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from portal.sync.mappers import product_to_item
from portal.sync.opening import OpeningStock, opening_quantities, opening_value
from portal.sync.refs import Opening
from tests.unit.records import PRODUCT_ID, product, refs

D = Decimal
START = datetime(2026, 10, 7, 4, tzinfo=UTC)


def test_on_hand_at_the_start_is_now_less_received_plus_shipped_since():
    found = opening_quantities({"a": D(20), "b": D(3), "c": D(0)}, {"a": D(30), "b": D(5)}, {"a": D(25), "b": D(12)})
    assert found == {"a": D(15), "b": D(10)}  # c had none: left out


def test_a_negative_opening_is_kept_but_never_sent_below_zero():
    stock = OpeningStock(START, START, {"a": D(-4), "b": D("2.5")})
    assert (stock.quantity("a"), stock.quantity("b"), stock.quantity("new")) == (0, D("2.5"), 0)
    assert OpeningStock.from_json(stock.to_json()) == stock


def test_value_is_quantity_times_price_and_unpriced_products_are_named():
    stock = OpeningStock(START, START, {"a": D(15), "b": D(10), "c": D(2)})
    products = [
        {"id": "a", "pricePerUnit": 2.5},
        {"id": "b", "pricePerUnit": "1.20"},
        {"id": "c", "pricePerUnit": None, "productCode": "SY-3"},
        {"id": "d", "pricePerUnit": 9},
    ]
    value = opening_value(stock, products)
    assert (value.items, value.total, value.unpriced) == (3, D("49.50"), ("SY-3",))


def test_item_starts_with_the_opening_quantity_early_enough_for_older_orders():
    opening = Opening(date(2026, 10, 7), {PRODUCT_ID: D(15)})
    early = refs(opening=opening, inventory_start_date=date(2023, 10, 7))
    payload = product_to_item(product(), early).payload
    assert (payload["QtyOnHand"], payload["InvStartDate"]) == (15, "2023-10-07")
    assert product_to_item(product(id="other"), early).payload["QtyOnHand"] == 0


def test_without_opening_stock_items_start_at_zero():
    assert product_to_item(product(), refs()).payload["QtyOnHand"] == 0
