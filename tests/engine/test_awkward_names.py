"""Names OpenBoxes holds that QuickBooks or the database would refuse as they are: NULs, numbers, 600 characters."""

from tests.sync_fixtures import activities, sync


def test_names_with_nul_numbers_and_600_characters_sync_once(tenant, ob, qb, db, redis):
    nul = ob.product("Gauze\x00Works", "GZ\x00-1", "2.50")
    numbered = ob.product("Numbered", "NUM-1", "1.00")
    ob.control("PATCH", f"/records/product/{numbered['id']}", {"render": {"name": 700123, "productCode": 800123}})
    ob.supplier("Acme\x00Medical:\tSupplies " + "x" * 600)

    sync(tenant, redis)

    rows = activities(db)
    assert [(row.status, row.message) for row in rows] == [("synced", None)] * 3
    assert sorted(item["Name"] for item in qb.objects("Item")) == ["700123", "Gauze Works"]
    [vendor] = qb.objects("Vendor")
    assert vendor["DisplayName"].startswith("Acme Medical - Supplies xxx") and len(vendor["DisplayName"]) <= 500
    assert "\x00" not in next(row.label for row in rows if row.openboxes_id == nul["id"])
