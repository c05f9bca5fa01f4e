"""An item or vendor a document created on demand is recognised by the record's own row later: no write."""

from tests.sync_fixtures import activities, sync


def _writes(qb, entity: str) -> list[dict]:
    return [e for e in qb.request_log() if e["method"] == "POST" and e["path"].endswith(f"/{entity}")]


def _order_before_its_product_and_supplier(tenant, ob, db, redis) -> dict:
    """The order is pushed while products and suppliers are switched off: it creates both on demand."""
    tenant.sync_products = tenant.sync_suppliers = False
    db.session.commit()
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])
    ob.approve(order["id"])
    sync(tenant, redis, "order")
    [row] = activities(db, entity_type="purchase_order")
    assert row.status == "synced", row.message
    tenant.sync_products = tenant.sync_suppliers = True
    db.session.commit()
    return gauze


def test_the_products_own_row_after_an_on_demand_item_writes_nothing(tenant, ob, qb, db, redis):
    _order_before_its_product_and_supplier(tenant, ob, db, redis)
    item_writes = len(_writes(qb, "item"))

    sync(tenant, redis, "product")

    [row] = activities(db, entity_type="product")
    [item] = qb.objects("Item")
    assert (row.status, row.qbo_id) == ("synced", item["Id"])
    assert len(_writes(qb, "item")) == item_writes == 1
    assert "already up to date" in (row.message or "").lower()
    assert item["SyncToken"] == "0"


def test_the_suppliers_own_row_after_an_on_demand_vendor_writes_nothing(tenant, ob, qb, db, redis):
    _order_before_its_product_and_supplier(tenant, ob, db, redis)
    vendor_writes = len(_writes(qb, "vendor"))

    sync(tenant, redis, "supplier")

    [row] = activities(db, entity_type="supplier")
    [vendor] = qb.objects("Vendor")
    assert (row.status, row.qbo_id) == ("synced", vendor["Id"])
    assert len(_writes(qb, "vendor")) == vendor_writes == 1
    assert "already up to date" in (row.message or "").lower()
    assert vendor["SyncToken"] == "0"


def test_a_product_changed_after_its_on_demand_item_is_still_updated(tenant, ob, qb, db, redis):
    gauze = _order_before_its_product_and_supplier(tenant, ob, db, redis)
    ob.control("PATCH", f"/products/{gauze['id']}", {"name": "Sterile gauze 10cm"})

    sync(tenant, redis, "product")

    [row] = activities(db, entity_type="product")
    [item] = qb.objects("Item")
    assert row.status == "synced" and not row.message
    assert (item["Name"], item["SyncToken"]) == ("Sterile gauze 10cm", "1")
