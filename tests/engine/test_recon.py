"""The reconciliation report through both sandboxes: a clean run agrees, a run with failures names its rows."""

import csv
import io

import pytest

from portal.models import SyncActivity
from portal.services.recon import period_for, reconcile
from portal.services.triage import ignore_activities
from tests.factories import make_user
from tests.helpers import TEST_PASSWORD
from tests.sync_fixtures import activities, sync


@pytest.fixture
def two_orders(ob):
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    orders = [ob.purchase_order(supplier["id"], [(gauze["id"], qty, "2.50")]) for qty in (4, 10)]
    for order in orders:
        ob.approve(order["id"])
    return orders


def _line(report, entity="purchase_order"):
    return next(line for line in report.lines if line.entity == entity)


def test_clean_run_agrees_and_reads_quickbooks_once_per_entity(tenant, two_orders, qb, db, redis):
    sync(tenant, redis)
    assert [row.status for row in activities(db, entity_type="purchase_order")] == ["synced", "synced"]
    qb.reset_counters()

    report = reconcile(tenant, period_for(tenant, "week"))

    line = _line(report)
    assert (line.openboxes_count, line.quickbooks_count) == (2, 2)
    assert line.openboxes_amount == line.quickbooks_amount == 35
    assert report.differences == 0 and report.error is None
    assert report.quickbooks_queries == 4  # purchase orders, shipments, adjustments; inventory items
    assert qb.counters()["realms"][qb.realm]["reads"] == 4
    assert reconcile(tenant, period_for(tenant, "week")).quickbooks_queries == 0  # cached per realm
    assert qb.counters()["realms"][qb.realm]["reads"] == 4


def test_failed_and_ignored_rows_are_named(tenant, ob, two_orders, qb, db, redis):
    sync(tenant, redis)
    qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")  # the A/P account: new orders fail
    supplier = ob.supplier("Bandage Ltd")
    bandage = ob.product("Bandage", "BD-1", "1.00")
    failing, ignored = (ob.purchase_order(supplier["id"], [(bandage["id"], qty, "1.00")]) for qty in (3, 5))
    for order in (failing, ignored):
        ob.approve(order["id"])
    sync(tenant, redis)
    rows = {row.openboxes_id: row for row in activities(db, entity_type="purchase_order")}
    ignore_activities([rows[ignored["id"]]], "admin@acme.test")
    db.session.commit()

    report = reconcile(tenant, period_for(tenant, "day"))

    line = _line(report)
    assert (line.openboxes_count, line.quickbooks_count, line.count_difference) == (4, 2, 2)
    # the rows never pushed count at the total their document would carry (mapped as a push would)
    assert (line.openboxes_amount, line.amount_difference, line.unknown_amounts) == (43, 8, 0)
    reasons = {(item.reason, item.activity_id) for item in line.explanations}
    assert reasons == {("failed", rows[failing["id"]].id), ("ignored", rows[ignored["id"]].id)}


def test_document_deleted_in_quickbooks_is_named(tenant, two_orders, qb, db, redis):
    sync(tenant, redis)
    first = activities(db, entity_type="purchase_order")[0]
    qb.control("DELETE", f"/companies/{qb.realm}/purchaseorder/{first.qbo_id}")

    line = _line(reconcile(tenant, period_for(tenant, "month")))

    assert [(item.reason, item.activity_id) for item in line.explanations] == [("missing in QuickBooks", first.id)]
    assert line.amount_difference == first.amount


def test_console_page_and_csv_match_the_report(tenant, two_orders, qb, db, redis, client, auth):
    sync(tenant, redis)
    qb.control("DELETE", f"/companies/{qb.realm}/purchaseorder/{activities(db)[-1].qbo_id}")
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    auth.login("admin@acme.test")

    page = client.get("/admin/reconciliation/?period=week").get_data(as_text=True)
    exported = client.get("/admin/reconciliation/csv/?period=week")

    assert "1 difference(s)" in page and "<svg" in page and "missing in QuickBooks" in page
    row = db.session.scalar(db.select(SyncActivity).filter_by(qbo_id=activities(db)[-1].qbo_id))
    assert f"/admin/activity/details/?id={row.id}" in page
    assert exported.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    po = next(line for line in lines if line["entity"] == "Purchase order")
    assert (po["openboxes_count"], po["quickbooks_count"], po["count_difference"]) == ("2", "1", "1")
    assert po["tenant"] == tenant.name
    assert f"details/?id={row.id}" in po["explained_by"]
    assert page.count('<tr class="recon-explanation">') == 1


def test_weekly_digest_carries_last_weeks_reconciliation(tenant, ob, two_orders, qb, db, redis, app):
    from datetime import timedelta

    from portal.models.base import utcnow
    from portal.services.digest import send_all_digests
    from tests.engine.digest_servers import WebhookReceiver, start_webhook

    receiver = WebhookReceiver()
    url, stop = start_webhook(receiver)
    app.config.update(PUBLIC_URL="http://bridge.test")
    tenant.digest_webhook_url = url + "/hook"
    db.session.commit()
    try:
        sync(tenant, redis)
        qb.control("DELETE", f"/companies/{qb.realm}/purchaseorder/{activities(db)[-1].qbo_id}")
        qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")
        supplier, bandage = ob.supplier("Bandage Ltd"), ob.product("Bandage", "BD-1", "1.00")
        ob.approve(ob.purchase_order(supplier["id"], [(bandage["id"], 3, "1.00")])["id"])
        sync(tenant, redis)  # one failed row: a digest now, the weekly reminder next week
        send_all_digests(utcnow())
        send_all_digests(utcnow() + timedelta(days=7))
    finally:
        stop()

    [reminder] = receiver.of("weekly_reminder")
    po = next(x for x in reminder["reconciliation"]["entities"] if x["entity"] == "Purchase order")
    assert (po["openboxes"], po["quickbooks"], po["differences"]) == (3, 1, 2)
    assert reminder["reconciliation"]["items"] == {"differing": 0, "matching": 2}  # gauze and bandage: 0 on hand
    assert reminder["reconciliation"]["url"].startswith("http://bridge.test/admin/reconciliation/?period=week&day=")


def test_read_quickbooks_again_forgets_the_cached_answers(tenant, two_orders, qb, db, redis, client, auth):
    sync(tenant, redis)
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    auth.login("admin@acme.test")
    client.get("/admin/reconciliation/?period=day")
    qb.reset_counters()

    cached = client.get("/admin/reconciliation/?period=day").get_data(as_text=True)
    reads_cached = qb.counters()["realms"].get(qb.realm, {}).get("reads", 0)
    auth.post("/admin/reconciliation/refresh/", data={"period": "day"})
    fresh = client.get("/admin/reconciliation/?period=day").get_data(as_text=True)

    assert "0 QuickBooks read(s)" in cached and reads_cached == 0
    assert "4 QuickBooks read(s)" in fresh and qb.counters()["realms"][qb.realm]["reads"] == 4


@pytest.fixture
def received_order(ob):
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    tape = ob.product("Surgical tape", "TP-20", "1.20")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 10, "2.50"), (tape["id"], 4, "1.20")])
    ob.approve(order["id"])
    return order


def test_on_hand_agrees_after_receipts_and_items_are_read_once(tenant, ob, received_order, qb, db, redis):
    sync(tenant, redis)
    ob.receive(received_order["id"])
    sync(tenant, redis)
    qb.reset_counters()

    report = reconcile(tenant, period_for(tenant, "week"))

    assert report.on_hand_error is None
    assert sorted((item.product.label, item.openboxes, item.quickbooks) for item in report.on_hand.items) == [
        ("GZ-10", 10, 10),
        ("TP-20", 4, 4),
    ]
    assert (report.on_hand.differing, report.on_hand.matching) == ([], 2)
    assert report.quickbooks_queries == 4  # three entities, and one query of inventory items
    assert qb.counters()["realms"][qb.realm]["reads"] == 4
    assert reconcile(tenant, period_for(tenant, "week")).quickbooks_queries == 0
    assert qb.counters()["realms"][qb.realm]["reads"] == 4


def test_on_hand_difference_on_page_and_in_csv(tenant, ob, received_order, qb, db, redis, client, auth):
    sync(tenant, redis)
    gauze_line = received_order["items"][0]["id"]
    ob.receive(received_order["id"], {gauze_line: 6})  # received in OpenBoxes, not synced yet
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    auth.login("admin@acme.test")

    page = client.get("/admin/reconciliation/?period=week").get_data(as_text=True)
    everything = client.get("/admin/reconciliation/?period=week&items=all").get_data(as_text=True)
    exported = client.get("/admin/reconciliation/csv/items/?period=week")

    assert "1 item(s) differ, 1 match." in page
    assert page.count('<tr class="onhand-differs">') == 1 and 'class="onhand-matches"' not in page
    assert everything.count('<tr class="onhand-differs">') == 1 and everything.count('class="onhand-matches"') == 1
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    columns = ("openboxes_on_hand", "quickbooks_qty_on_hand", "difference")
    found = {row["product"]: tuple(row[name] for name in columns) for row in rows}
    assert found == {"GZ-10": ("6", "0", "6"), "TP-20": ("0", "0", "0")}
    assert {row["tenant"] for row in rows} == {tenant.name}


def test_on_hand_lists_only_the_tenants_own_links(tenant, received_order, qb, db, redis, client, auth):
    """Another tenant's link to the same company's item (same realm) is never read nor shown."""
    from portal.models import ProductLink
    from tests.factories import make_tenant

    sync(tenant, redis)
    own = db.session.scalar(db.select(ProductLink).filter_by(tenant_id=tenant.id, product_code="GZ-10"))
    other = make_tenant("Bolt")
    db.session.flush()
    db.session.add(
        ProductLink(
            tenant_id=other.id,
            realm_id=own.realm_id,
            openboxes_product_id="boltmark-product",
            product_code="BOLTMARK-1",
            qbo_item_id=own.qbo_item_id,
            link_method="manual",
        )
    )
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    auth.login("admin@acme.test")

    page = client.get(f"/admin/reconciliation/?period=week&items=all&tenant={other.id}").get_data(as_text=True)
    exported = client.get(f"/admin/reconciliation/csv/items/?tenant={other.id}").get_data(as_text=True)

    assert "GZ-10" in page and "GZ-10" in exported
    assert "BOLTMARK" not in page and "BOLTMARK" not in exported


def test_on_hand_reads_openboxes_at_most_the_cap_per_report(tenant, received_order, qb, db, redis, monkeypatch):
    from portal.services import recon

    sync(tenant, redis)
    monkeypatch.setattr(recon, "MAX_ON_HAND_READS", 1)

    report = reconcile(tenant, period_for(tenant, "week"))

    assert report.on_hand_capped == 1
    assert sorted((item.product.label, item.openboxes) for item in report.on_hand.items) == [
        ("GZ-10", 0),
        ("TP-20", None),  # past the cap: not read, so not said to agree
    ]
    assert [item.product.label for item in report.on_hand.differing] == ["TP-20"]


def test_on_hand_says_when_openboxes_cannot_be_read(tenant, ob, received_order, qb, db, redis):
    from portal.models import ProductLink

    sync(tenant, redis)
    tape = db.session.scalar(db.select(ProductLink.openboxes_product_id).filter_by(product_code="TP-20"))
    ob.fault(route=f"/openboxes/api/products/{tape}/productAvailabilityAndDemand", kind="error", status=500)

    report = reconcile(tenant, period_for(tenant, "week"))

    assert report.on_hand_error and report.on_hand_error.startswith("OpenBoxes on hand could not be read")
    assert report.differences == 0 and report.error is None  # the documents are compared all the same
    assert [item.product.label for item in report.on_hand.differing] == ["TP-20"]
