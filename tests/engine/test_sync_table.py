"""Every row of the product's table syncs, through both sandboxes over HTTP with a real worker."""

from decimal import Decimal

import pytest

from tests.sync_fixtures import activities, sync


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


@pytest.mark.parametrize("target", ["Invoice", "SalesReceipt"])
def test_shipped_outbound_movement_syncs_with_its_customer(tenant, ob, qb, db, redis, target):
    tenant.shipment_target = target
    db.session.commit()
    gauze = ob.product("Sterile gauze 10cm", "GZ-10", "2.55")
    ward = ob.customer("Ward 5 - Pediatrics")
    ob.shipment(ward["id"], [(gauze["id"], 7)])

    sync(tenant, redis)

    [row] = activities(db, entity_type="shipment")
    assert (row.status, row.attempts) == ("synced", 1), row.message
    [document] = qb.objects(target)
    assert Decimal(str(document["TotalAmt"])) == Decimal("17.85")  # 7 × 2.55
    assert row.amount == Decimal("17.85")
    [customer] = qb.objects("Customer")
    assert customer["DisplayName"] == "Ward 5 - Pediatrics"
    assert document["CustomerRef"]["value"] == customer["Id"]


@pytest.mark.parametrize(("difference", "debited"), [(-3, "10"), (5, "4")])
def test_inventory_adjustment_syncs_as_a_balanced_journal_entry(tenant, ob, qb, db, redis, difference, debited):
    scalpel = ob.product("Scalpel blade", "SB-50", "4.10")
    ob.adjust(scalpel["id"], difference)

    sync(tenant, redis)

    [row] = activities(db, entity_type="adjustment")
    assert row.status == "synced", row.message
    [entry] = qb.objects("JournalEntry")
    lines = {line["JournalEntryLineDetail"]["PostingType"]: line for line in entry["Line"]}
    assert (
        Decimal(str(lines["Debit"]["Amount"]))
        == Decimal(str(lines["Credit"]["Amount"]))
        == abs(difference) * Decimal("4.10")
    )
    assert lines["Debit"]["JournalEntryLineDetail"]["AccountRef"]["value"] == debited


@pytest.mark.slow
def test_supplier_and_product_updates_update_the_same_vendor_and_item(tenant, ob, qb, db, redis):
    supplier = ob.supplier("Gauze & Co", code="GZ1")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    sync(tenant, redis, slot="first")
    ob.control("PATCH", f"/suppliers/{supplier['id']}", {"name": "Gauze and Company"})
    ob.control("PATCH", f"/products/{gauze['id']}", {"name": "Sterile gauze 10 cm", "pricePerUnit": "2.75"})

    sync(tenant, redis, slot="second")

    [vendor] = qb.objects("Vendor")
    [item] = qb.objects("Item")
    assert vendor["DisplayName"] == "Gauze and Company"
    assert (item["Name"], Decimal(str(item["UnitPrice"]))) == ("Sterile gauze 10 cm", Decimal("2.75"))
    assert [row.status for row in activities(db)] == ["synced"] * 4


def test_unchanged_records_are_not_pushed_again(tenant, ob, qb, db, redis):
    ob.supplier("Gauze & Co")
    ob.product("Sterile gauze", "GZ-10", "2.50")
    sync(tenant, redis, slot="first")
    writes = qb.counters()["realms"][qb.realm]["writes"]

    sync(tenant, redis, slot="second")

    assert qb.counters()["realms"][qb.realm]["writes"] == writes
    assert len(activities(db)) == 2


def test_po_approved_before_enabling_never_syncs_one_approved_after_does(qbo_app, ob, qb, db, redis, tenant):
    from portal.services.enable import enable_sync

    supplier = ob.supplier("Early Supplier")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    early = ob.purchase_order(supplier["id"], [(gauze["id"], 1, "2.50")])
    ob.approve(early["id"])
    enable_sync(tenant.id)  # the tenant turns syncing on now: the early order stays out
    late = ob.purchase_order(supplier["id"], [(gauze["id"], 2, "2.50")])
    ob.approve(late["id"])

    sync(tenant, redis)

    assert [row.openboxes_id for row in activities(db, entity_type="purchase_order")] == [late["id"]]
    [document] = qb.objects("PurchaseOrder")
    assert document["DocNumber"] == late["orderNumber"]
