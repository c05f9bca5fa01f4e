"""Purchase orders end to end: order adjustments land in the books to OpenBoxes' total, and a value the
books cannot take fails with the line and the fix while nothing is written (both sandboxes over HTTP)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.extensions import db as _db
from portal.models import AccountMapping
from tests.sync_fixtures import activities, sync

TARGETS = ["PurchaseOrder", "Bill"]


def _target(tenant, db, target: str) -> None:
    tenant.po_target = target
    db.session.commit()


def _openboxes_total(ob, order_id: str) -> Decimal:
    """The total OpenBoxes shows in its purchase-order list (``"914.62 USD"``)."""
    return Decimal(ob.record("order_summary", order_id)["row"]["total"].split()[0])


def _adjust(ob, order_id: str, **fields) -> dict:
    return ob.control("POST", f"/purchase-orders/{order_id}/adjustments", fields)


def _synced_document(tenant, ob, qb, db, redis, target: str, order_id: str) -> dict:
    ob.approve(order_id)
    sync(tenant, redis)
    rows = activities(db, entity_type="purchase_order")
    assert [row.status for row in rows] == ["synced"], [row.message for row in rows]
    [document] = qb.objects(target)
    return document


@pytest.mark.parametrize("target", TARGETS)
def test_freight_discount_and_canceled_adjustment_land_at_the_openboxes_total(tenant, ob, qb, db, redis, target):
    _target(tenant, db, target)
    supplier = ob.supplier("Gauze & Co", code="GZ1")
    gauze = ob.product("Sterile gauze 10cm", "GZ-10", "7.80")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 100, "7.862")])  # 786.20
    _adjust(ob, order["id"], amount="148.08", description="Freight", typeCode="FREIGHT")
    _adjust(ob, order["id"], percentage="-2.5", description="Early payment discount", typeCode="DISCOUNT")
    handling = _adjust(ob, order["id"], amount="99", description="Handling")
    ob.control("POST", f"/purchase-orders/{order['id']}/adjustments/{handling['id']}/cancel")
    assert _openboxes_total(ob, order["id"]) == Decimal("914.62")  # 914.625 shown half-even

    document = _synced_document(tenant, ob, qb, db, redis, target, order["id"])

    assert Decimal(str(document["TotalAmt"])) == Decimal("914.62")
    charges = [line for line in document["Line"] if line["DetailType"] == "AccountBasedExpenseLineDetail"]
    assert [(line["Description"], Decimal(str(line["Amount"]))) for line in charges] == [
        ("Freight", Decimal("148.08")),
        ("Early payment discount: -2.5% of 786.20", Decimal("-19.66")),
    ]
    assert {line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] for line in charges} == {"12"}
    assert activities(db, entity_type="purchase_order")[0].amount == Decimal("914.62")


@pytest.mark.parametrize("target", TARGETS)
def test_a_line_percentage_on_a_thousands_price_rounds_like_openboxes(tenant, ob, qb, db, redis, target):
    _target(tenant, db, target)
    supplier = ob.supplier("Tape Ltd", code="TP")
    tape = ob.product("Surgical tape", "TP-1", "1200.00")
    gauze = ob.product("Sterile gauze 10cm", "GZ-10", "2.00")
    order = ob.purchase_order(supplier["id"], [(tape["id"], 2, "1234.50"), (gauze["id"], 1, "0.73")])
    line_id = ob.record("order", order["id"])["items"][0]["id"]
    _adjust(ob, order["id"], percentage="-2.5", description="Volume discount", orderItemId=line_id)
    assert _openboxes_total(ob, order["id"]) == Decimal("2408.00")  # 2469.00 + 0.73 − 61.725 = 2408.005

    document = _synced_document(tenant, ob, qb, db, redis, target, order["id"])

    assert Decimal(str(document["TotalAmt"])) == Decimal("2408.00")
    [discount] = [line for line in document["Line"] if line["DetailType"] == "AccountBasedExpenseLineDetail"]
    assert Decimal(str(discount["Amount"])) == Decimal("-61.73")
    assert discount["Description"].startswith("Volume discount on line 1 (TP-1 Surgical tape): -2.5% of 2469.00")


@pytest.mark.parametrize("target", TARGETS)
def test_an_adjustment_without_a_charges_account_fails_and_writes_nothing(tenant, ob, qb, db, redis, target):
    _target(tenant, db, target)
    _db.session.execute(_db.delete(AccountMapping).filter_by(tenant_id=tenant.id, role="purchase_charges"))
    _db.session.commit()
    supplier = ob.supplier("Gauze & Co", code="GZ1")
    gauze = ob.product("Sterile gauze 10cm", "GZ-10", "7.80")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 2, "7.80")])
    _adjust(ob, order["id"], amount="12.50", description="Freight")
    ob.approve(order["id"])

    sync(tenant, redis)

    [row] = activities(db, entity_type="purchase_order")
    assert row.status == "sync_failed"
    assert "has an adjustment (Freight) but no QuickBooks account is mapped for Freight and other" in row.message
    assert "map it under Settings → Account mappings, then retry" in row.message
    assert qb.objects(target) == []


def _negative_quantity(ob, order, lines):
    ob.control("PATCH", f"/purchase-orders/{order['id']}", {"lines": [{"id": lines[1]["id"], "quantity": -5}]})


def _null_price(ob, order, lines):
    ob.control("PATCH", f"/purchase-orders/{order['id']}", {"lines": [{"id": lines[1]["id"], "unitPrice": None}]})


def _no_product(ob, order, lines):
    ob.control("PATCH", f"/purchase-orders/{order['id']}", {"lines": [{"id": lines[1]["id"], "productId": None}]})


def _no_currency(ob, order, lines):
    ob.control("PATCH", f"/purchase-orders/{order['id']}", {"currencyCode": None})


def _no_number(ob, order, lines):
    ob.control("PATCH", f"/purchase-orders/{order['id']}", {"orderNumber": None})


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (_negative_quantity, "line 2 (ABC-1 Gauze) has a negative quantity (-5): correct the quantity on line 2"),
        (_null_price, "line 2 (ABC-1 Gauze) has no unit price: set a unit price on line 2 (ABC-1 Gauze) in OpenBoxes"),
        (_no_product, "line 2 has no product: choose the product on line 2 or cancel it in OpenBoxes, then retry"),
        (_no_currency, "has no currency: set the order's currency in OpenBoxes, then retry"),
        (_no_number, "has no order number: give the order a number in OpenBoxes, then retry"),
    ],
)
def test_a_value_the_books_cannot_take_fails_naming_the_line_and_writes_nothing(
    tenant, ob, qb, db, redis, target, spoil, reason
):
    _target(tenant, db, target)
    supplier = ob.supplier("Gauze & Co", code="GZ1")
    tape = ob.product("Surgical tape", "TP-1", "1.20")
    gauze = ob.product("Gauze", "ABC-1", "2.00")
    order = ob.purchase_order(supplier["id"], [(tape["id"], 3, "1.20"), (gauze["id"], 2, "2.00")])
    spoil(ob, order, ob.record("order", order["id"])["items"])
    ob.approve(order["id"])

    sync(tenant, redis)

    [row] = activities(db, entity_type="purchase_order")
    assert row.status == "sync_failed", row.message
    assert reason in row.message
    assert qb.objects(target) == []


@pytest.mark.parametrize("target", TARGETS)
def test_a_changed_adjustment_is_a_new_version_of_the_order(tenant, ob, qb, db, redis, target):
    _target(tenant, db, target)
    supplier = ob.supplier("Gauze & Co", code="GZ1")
    gauze = ob.product("Sterile gauze 10cm", "GZ-10", "7.80")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 10, "7.30")])  # 73.00
    freight = _adjust(ob, order["id"], amount="20", description="Freight")
    first = _synced_document(tenant, ob, qb, db, redis, target, order["id"])
    assert Decimal(str(first["TotalAmt"])) == Decimal("93.00")

    ob.control("POST", f"/purchase-orders/{order['id']}/adjustments/{freight['id']}/cancel")
    _adjust(ob, order["id"], percentage="-5", description="Discount")  # 73.00 − 3.65
    sync(tenant, redis, slot="second")

    rows = activities(db, entity_type="purchase_order")
    assert [row.status for row in rows] == ["synced", "synced"], [row.message for row in rows]
    assert rows[0].version != rows[1].version
    [document] = qb.objects(target)
    assert Decimal(str(document["TotalAmt"])) == Decimal("69.35") == _openboxes_total(ob, order["id"])
