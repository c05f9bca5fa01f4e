"""A US QuickBooks company refuses text beyond ISO-8859-1: the row names the characters and the fix, or, when
the tenant chose so, the bridge changes the name and says to what."""

from jobs.sync import retry_activities
from portal.sync.advice import OPENBOXES_RECORD, advise
from tests.sync_fixtures import activities, sync, work


def test_a_name_beyond_latin_1_fails_once_naming_the_characters_and_the_fix(tenant, ob, qb, db, redis):
    ob.product("Gauze Ω✓", "GZ-1", "2.50")

    sync(tenant, redis)

    [row] = activities(db, entity_type="product")
    assert (row.status, row.attempts, row.qbo_error_code) == ("sync_failed", 1, "500")
    assert "QuickBooks refused ‘Ω’ and ‘✓’ in the name Gauze Ω✓" in row.message
    assert "Rename it in OpenBoxes" in row.message and "Change names QuickBooks cannot store" in row.message
    assert "report this to support" not in row.message
    assert advise(row.error_category, row.qbo_error_code, row.message).fix == OPENBOXES_RECORD
    assert qb.objects("Item") == []


def test_once_the_tenant_lets_the_bridge_change_names_the_retry_syncs_and_says_what_changed(tenant, ob, qb, db, redis):
    ob.product("Gauze Ω✓ – ő", "GZ-1", "2.50")
    sync(tenant, redis)
    [row] = activities(db, entity_type="product")
    assert row.status == "sync_failed"

    tenant.transliterate_names = True
    db.session.commit()
    retry_activities([row.id])
    work(redis)

    [row] = activities(db, entity_type="product")
    [item] = qb.objects("Item")
    assert (row.status, row.qbo_id, item["Name"]) == ("synced", item["Id"], "Gauze ?? - o")
    assert "‘Gauze Ω✓ – ő’ → ‘Gauze ?? - o’" in row.message


def test_a_document_creating_its_item_and_vendor_changes_their_names_too(tenant, ob, qb, db, redis):
    tenant.transliterate_names = True
    tenant.sync_products = tenant.sync_suppliers = False
    db.session.commit()
    supplier = ob.supplier("Ωmega Médical")
    gauze = ob.product("Gauze ✓", "GZ-1", "2.50")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])
    ob.approve(order["id"])

    sync(tenant, redis)

    [row] = activities(db, entity_type="purchase_order")
    assert row.status == "synced", row.message
    assert [vendor["DisplayName"] for vendor in qb.objects("Vendor")] == ["?mega Médical"]
    assert [item["Name"] for item in qb.objects("Item")] == ["Gauze ?"]
    assert "‘Ωmega Médical’ → ‘?mega Médical’" in row.message and "‘Gauze ✓’ → ‘Gauze ?’" in row.message
