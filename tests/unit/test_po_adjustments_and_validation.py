"""Purchase orders: values the books cannot take fail with the line and the fix; order adjustments become lines.

Totals follow OpenBoxes' ``Order.getTotal`` (subtotal of open lines + non-canceled adjustments, a
percentage taken of the line's subtotal when it belongs to a line, else of the order subtotal).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portal.sync.documents import check_purchase_order, purchase_order_to_qbo
from portal.sync.errors import MissingReference, Permanent
from portal.sync.refs import CHARGES_ROLE, Account
from tests.unit.records import ACCOUNTS, PRODUCT2_ID, order, order_item, product, refs

APPROVED = datetime(2025, 3, 5, 3, 30, tzinfo=UTC)
CHARGES = Account("12", "6100 - Shipping and Delivery Expense")


def charged_refs(**overrides):
    return refs(accounts={**ACCOUNTS, CHARGES_ROLE: CHARGES}, **overrides)


def po(items, adjustments=(), refs_=None, order_=None, **kw):
    return purchase_order_to_qbo(
        order_ or order(),
        items,
        refs_ or charged_refs(),
        approved_at=APPROVED,
        adjustments=adjustments,
        version="ab12",
        **kw,
    )


def adj(**fields):
    return {"id": "a", "description": "Freight", "isCanceled": False, "orderItem": None, **fields}


def gauze(**overrides):
    return order_item(id="line-2", product=product(id=PRODUCT2_ID, productCode="ABC-1", name="Gauze"), **overrides)


# --- values the books cannot take ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            gauze(unitPrice=None),
            "Purchase order PO-000123: line 2 (ABC-1 Gauze) has no unit price: "
            "set a unit price on line 2 (ABC-1 Gauze) in OpenBoxes, then retry",
        ),
        (
            gauze(quantity=-5),
            "Purchase order PO-000123: line 2 (ABC-1 Gauze) has a negative quantity (-5): "
            "correct the quantity on line 2 (ABC-1 Gauze) in OpenBoxes, then retry",
        ),
        (gauze(unitPrice="-2.10"), "line 2 (ABC-1 Gauze) has a negative unit price (-2.10)"),
        (gauze(unitPrice="n/a"), "line 2 (ABC-1 Gauze) has an unreadable unit price ('n/a')"),
        (gauze(quantity="ten"), "line 2 (ABC-1 Gauze) has an unreadable quantity ('ten')"),
        (gauze(unitPrice=""), "line 2 (ABC-1 Gauze) has no unit price"),
        (
            order_item(id="line-2", product=None),
            "line 2 has no product: choose the product on line 2 or cancel it in OpenBoxes, then retry",
        ),
        (order_item(id="line-2", product={"name": "Ghost"}), "line 2 (Ghost) has no product"),
    ],
)
def test_a_line_the_books_cannot_take_names_the_line_and_the_fix(line, reason):
    with pytest.raises(Permanent) as raised:
        po([order_item(), line])
    assert reason in raised.value.message
    assert raised.value.category == "permanent"


@pytest.mark.parametrize(
    ("order_", "items", "reason"),
    [
        (
            order(orderNumber=None),
            [order_item()],
            "Purchase order ff80818155df9de40155df9e31000401 has no order number: "
            "give the order a number in OpenBoxes, then retry",
        ),
        (order(orderNumber="  "), [order_item()], "has no order number"),
        (
            order(),
            [order_item(currencyCode=None)],
            "Purchase order PO-000123 has no currency: set the order's currency in OpenBoxes, then retry",
        ),
    ],
)
def test_an_order_without_number_or_currency_fails(order_, items, reason):
    with pytest.raises(Permanent) as raised:
        po(items, order_=order_)
    assert reason in raised.value.message


def test_currency_on_the_order_is_used_when_the_lines_have_none():
    mapped = po([order_item(currencyCode=None)], order_=order(currencyCode="USD"))
    assert mapped.amount == Decimal("21.00")


@pytest.mark.parametrize(
    "dropped",
    [gauze(quantity=0, unitPrice=None), gauze(orderItemStatusCode="CANCELED", unitPrice=None, quantity=-5)],
)
def test_zero_quantity_and_canceled_lines_are_dropped_before_checking(dropped):
    assert po([order_item(), dropped]).amount == Decimal("21.00")


@pytest.mark.parametrize(("price", "amount"), [("1,234.50", 2469), ("1,234.5678", 2469.14), ("0.00", 0)])
def test_locale_formatted_prices_still_parse(price, amount):
    assert po([order_item(quantity=2, unitPrice=price)]).payload["Line"][0]["Amount"] == amount


def test_the_check_runs_without_links():
    """The pusher checks before creating vendors or items, so the check needs no links."""
    with pytest.raises(Permanent, match="line 1"):
        check_purchase_order(order(), [order_item(unitPrice=None)], [], refs(vendors={}, items={}))


# --- order adjustments ------------------------------------------------------------------------------


def charge_lines(mapped):
    return [line for line in mapped.payload["Line"] if line["DetailType"] == "AccountBasedExpenseLineDetail"]


@pytest.mark.parametrize("target", ["PurchaseOrder", "Bill"])
def test_freight_discount_and_canceled_adjustment(target):
    """786.20 of lines + 148.08 freight − 2.5 % (19.655) + a canceled 99 = 914.625, shown 914.62 (half-even)."""
    items = [order_item(quantity=100, unitPrice="7.862")]  # 786.20
    adjustments = [
        adj(id="f", amount="148.08"),
        adj(id="d", description="Discount", percentage="-2.5", amount="-19.655"),
        adj(id="c", description="Handling", amount="99", isCanceled=True),
    ]
    mapped = po(items, adjustments, refs_=charged_refs(po_target=target))
    assert mapped.entity == target
    assert mapped.amount == Decimal("914.62")
    assert sum(Decimal(str(line["Amount"])) for line in mapped.payload["Line"]) == Decimal("914.62")
    lines = charge_lines(mapped)
    assert [line["Amount"] for line in lines] == [148.08, -19.66]
    assert lines[0]["AccountBasedExpenseLineDetail"] == {"AccountRef": {"value": "12"}}
    assert lines[0]["Description"] == "Freight"
    assert lines[1]["Description"].startswith("Discount: -2.5% of 786.20")
    assert mapped.payload["Line"][0]["Amount"] == 786.2


@pytest.mark.parametrize(
    ("items", "adjustments", "charges", "total"),
    [
        # amount wins over percentage when there is no percentage; a zero adjustment adds no line
        ([order_item()], [adj(amount="5.5")], [5.5], "26.50"),
        ([order_item()], [adj(amount="0")], [], "21.00"),
        ([order_item()], [adj(amount=None, percentage=None)], [], "21.00"),
        # order percentage: of the open lines' subtotal (canceled line excluded)
        ([order_item(), gauze(orderItemStatusCode="CANCELED")], [adj(percentage="10")], [2.1], "23.10"),
        # line percentage: of that line's subtotal only; OpenBoxes' reported amount is ignored
        (
            [order_item(), gauze(quantity=3, unitPrice="2.00")],
            [adj(percentage="-50", amount="-3", orderItem={"id": "line-2"})],
            [-3],
            "24.00",
        ),
        # an adjustment of a canceled line drops out with the line
        (
            [order_item(), gauze(orderItemStatusCode="CANCELED")],
            [adj(amount="7", orderItem={"id": "line-2"})],
            [],
            "21.00",
        ),
        # an amount adjustment of a zero-quantity line still counts (OpenBoxes keeps it)
        ([order_item(), gauze(quantity=0)], [adj(amount="4", orderItem="line-2")], [4], "25.00"),
        # 7.30 − 5 % = 6.935, which OpenBoxes shows as 6.94 (half-even: 3 is odd)
        ([order_item(quantity=1, unitPrice="7.30")], [adj(percentage="-5")], [-0.36], "6.94"),
        # 0.10 + 5 % + 5 % = 0.11 exactly, though each 0.005 rounds to 0.01: the last line takes the difference
        ([order_item(quantity=1, unitPrice="0.10")], [adj(percentage="5"), adj(percentage="5")], [0.01, 0], "0.11"),
    ],
)
def test_adjustment_table(items, adjustments, charges, total):
    mapped = po(items, adjustments)
    assert [line["Amount"] for line in charge_lines(mapped)] == charges
    assert mapped.amount == Decimal(total)


def test_a_canceled_adjustment_needs_no_account():
    mapped = po([order_item()], [adj(amount="9", isCanceled=True)], refs_=refs())
    assert charge_lines(mapped) == [] and mapped.amount == Decimal("21.00")


def test_an_adjustment_without_a_mapped_account_fails_with_the_fix():
    with pytest.raises(MissingReference) as raised:
        po([order_item()], [adj(amount="12")], refs_=refs())
    assert raised.value.message == (
        "Purchase order PO-000123 has an adjustment (Freight) but no QuickBooks account is mapped for "
        "Freight and other charges on purchase orders: map it under Settings → Account mappings, then retry"
    )


def test_an_unreadable_adjustment_fails_naming_it():
    with pytest.raises(Permanent) as raised:
        po([order_item()], [adj(amount="lots")])
    assert "adjustment 1 'Freight' has an unreadable amount" in raised.value.message


def test_a_rounding_cent_taken_by_the_last_charge_is_stated_on_the_line():
    mapped = po([order_item(quantity=1, unitPrice="0.10")], [adj(percentage="5"), adj(percentage="5")])
    last = charge_lines(mapped)[-1]
    assert last["Description"] == "Freight: 5% of 0.10 (incl. -0.01 rounding to match the OpenBoxes total)"
