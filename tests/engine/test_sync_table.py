"""Every row of the product's table syncs, through both sandboxes over HTTP with a real worker."""

from decimal import Decimal

import pytest

from tests.engine.conftest import activities, sync


def _statuses(db):
    return {(row.entity_type, row.openboxes_number or row.label): (row.status, row.message) for row in activities(db)}


@pytest.mark.parametrize("target", ["PurchaseOrder", "Bill"])
def test_approved_purchase_order_syncs_with_its_vendor_and_items(tenant, ob, qb, db, redis, target):
    tenant.po_target = target
    db.session.commit()
    supplier = ob.supplier("Gauze & Co", code="GZ1", address={"address": "1 Main St", "city": "Boston"})
    gauze = ob.product("Sterile gauze 10cm", "GZ-10", "2.50")
    tape = ob.product("Surgical tape", "TP-1", "1.20")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 40, "2.35"), (tape["id"], 3, "1.333")])
    ob.approve(order["id"])

    sync(tenant, redis)

    rows = activities(db, entity_type="purchase_order")
    assert [(row.status, row.attempts) for row in rows] == [("synced", 1)], [row.message for row in rows]
    [document] = qb.objects(target)
    assert Decimal(str(document["TotalAmt"])) == Decimal("98.00")  # 40 × 2.35 + 3 × 1.333 = 94.00 + 4.00 (half-up)
    [vendor] = qb.objects("Vendor")
    assert vendor["DisplayName"] == "Gauze & Co"
    assert {item["Sku"] for item in qb.objects("Item")} == {"GZ-10", "TP-1"}
