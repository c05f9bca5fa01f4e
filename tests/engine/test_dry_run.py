"""A dry run shows what a push would send and writes nothing: the QuickBooks sandbox's write counter stays put."""

import pytest

from jobs.sync import poll_tenant, push_activity
from portal.models import EntityLink, ProductLink, SyncActivity
from portal.services.dryrun import preview_activity
from tests.factories import make_user
from tests.helpers import TEST_PASSWORD
from tests.sync_fixtures import activities


def _queued_order(tenant, ob, db, redis, *, qty=4):
    """An approved order polled but not pushed yet (its push job is dropped from the queue)."""
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], qty, "2.50")])
    ob.approve(order["id"])
    tenant.sync_suppliers = tenant.sync_products = False  # the order's push creates them: dependencies
    db.session.commit()
    poll_tenant(tenant.id, "manual")
    redis.flushdb()  # no worker runs its push
    [row] = activities(db, entity_type="purchase_order")
    return row


def _writes(qb) -> int:
    return qb.counters()["realms"].get(qb.realm, {}).get("writes", 0)


def _ledger(db):
    db.session.expire_all()
    rows = [(r.status, r.attempts, r.qbo_id, r.message) for r in db.session.scalars(db.select(SyncActivity))]
    return rows, db.session.query(EntityLink).count(), db.session.query(ProductLink).count()


def test_preview_shows_the_document_and_its_dependencies_and_writes_nothing(tenant, ob, qb, db, redis):
    row = _queued_order(tenant, ob, db, redis)
    before, writes = _ledger(db), _writes(qb)

    preview = preview_activity(row)

    assert preview.failure is None
    assert [(w.operation, w.entity) for w in preview.dependencies] == [("create", "Vendor"), ("create", "Item")]
    document = preview.document
    assert (document.operation, document.entity) == ("create", "PurchaseOrder")
    assert document.payload["VendorRef"]["value"] == "new-Vendor-1"
    assert document.payload["Line"][0]["Amount"] == 10 and document.payload["DocNumber"]
    assert _writes(qb) == writes
    assert _ledger(db) == before
    assert qb.objects("PurchaseOrder") == [] and qb.objects("Vendor") == []


def test_the_real_push_sends_what_the_preview_showed(tenant, ob, qb, db, redis):
    row = _queued_order(tenant, ob, db, redis)
    preview = preview_activity(row)
    push_activity(row.id)  # the real push of the same row
    [row] = activities(db, entity_type="purchase_order")
    [sent] = qb.objects("PurchaseOrder")
    assert row.status == "synced"
    assert sent["DocNumber"] == preview.document.payload["DocNumber"]
    assert sent["TxnDate"] == preview.document.payload["TxnDate"]
    assert sent["Line"][0]["Amount"] == preview.document.payload["Line"][0]["Amount"]


def test_preview_says_a_taken_doc_number_would_fail(tenant, ob, qb, db, redis):
    row = _queued_order(tenant, ob, db, redis)
    number = preview_activity(row).document.payload["DocNumber"]
    other = _create_foreign_po(qb, number)
    writes = _writes(qb)

    preview = preview_activity(row)

    assert any(w.startswith("Would fail") and number in w for w in preview.warnings), preview.warnings
    assert other["DocNumber"] == number
    assert _writes(qb) == writes


def _create_foreign_po(qb, number):
    """A purchase order someone typed into QuickBooks with the number our order would take."""
    import requests

    token = qb.tokens()["access_token"]
    vendor = requests.post(
        f"{qb.url}/v3/company/{qb.realm}/vendor",
        json={"DisplayName": "Typed by hand"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=10,
    ).json()["Vendor"]
    body = {
        "VendorRef": {"value": vendor["Id"]},
        "DocNumber": number,
        "Line": [
            {
                "DetailType": "AccountBasedExpenseLineDetail",
                "Amount": 1,
                "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "1"}},
            }
        ],
    }
    answer = requests.post(
        f"{qb.url}/v3/company/{qb.realm}/purchaseorder",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=10,
    )
    return answer.json()["PurchaseOrder"]


def test_console_preview_page_shows_the_json(tenant, ob, qb, db, redis, client, auth):
    row = _queued_order(tenant, ob, db, redis)
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    auth.login("admin@acme.test")
    writes = _writes(qb)

    detail = client.get(f"/admin/activity/details/?id={row.id}").get_data(as_text=True)
    page = client.get(f"/admin/activity/preview/?id={row.id}").get_data(as_text=True)

    assert "Preview what would be sent" in detail
    assert "Create PurchaseOrder" in page and "Create Vendor" in page and "&#34;DocNumber&#34;" in page
    assert _writes(qb) == writes


def test_preview_of_a_row_failed_on_an_inactive_account_says_it_would_fail_again(tenant, ob, qb, db, redis):
    from tests.sync_fixtures import sync

    qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")
    supplier, gauze = ob.supplier("Gauze & Co"), ob.product("Sterile gauze", "GZ-10", "2.50")
    ob.approve(ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])["id"])
    sync(tenant, redis)
    [row] = activities(db, entity_type="purchase_order")
    assert row.status == "sync_failed"
    writes = _writes(qb)

    preview = preview_activity(row)

    assert preview.document.payload["APAccountRef"] == {"value": "5"}
    assert any(w.startswith("Would fail") and "accounts payable" in w for w in preview.warnings), preview.warnings
    assert _writes(qb) == writes


def test_preview_of_a_row_without_its_openboxes_copy_says_so_instead_of_crashing(tenant, ob, qb, db, redis):
    row = _queued_order(tenant, ob, db, redis)
    row.snapshot = None
    db.session.commit()
    preview = preview_activity(row)
    assert preview.writes == [] and "no copy of the OpenBoxes record" in preview.failure


def test_preview_of_a_queued_product_shows_its_item_and_writes_nothing(tenant, ob, qb, db, redis):
    """The product pusher reads back the link it just saved, which a dry run never flushes (it crashed, a 500)."""
    ob.product("Sterile gauze", "GZ-10", "2.50")
    tenant.sync_products, tenant.product_link_mode = True, "auto_create"
    db.session.commit()
    poll_tenant(tenant.id, "manual")
    redis.flushdb()  # no worker runs its push
    [row] = activities(db, entity_type="product")
    before, writes = _ledger(db), _writes(qb)

    preview = preview_activity(row)

    assert preview.failure is None
    assert [(w.operation, w.entity, w.payload["Sku"]) for w in preview.writes] == [("create", "Item", "GZ-10")]
    assert _writes(qb) == writes and _ledger(db) == before


def test_preview_neither_waits_for_nor_takes_a_workers_lock(tenant, ob, qb, db, redis, monkeypatch):
    """A worker creating the order's vendor holds its lock: the preview (a web request) does not wait for it."""
    from portal.engine import named

    row = _queued_order(tenant, ob, db, redis)
    monkeypatch.setattr(named, "LOCK_SECONDS", 1)  # without the fix, the preview gives up after 1 s, not 120
    held = redis.lock(f"ensure:{qb.realm}:supplier:{row.snapshot['organization']['id']}", timeout=30)
    assert held.acquire(blocking=False)
    try:
        preview = preview_activity(row)
        assert held.owned()
    finally:
        held.release()
    assert preview.failure is None and preview.document.entity == "PurchaseOrder"


def test_the_recording_client_passes_reads_only():
    """Only create and update are recorded; any other QuickBooksClient method that is not a read (``batch``, or a
    write added later) is refused instead of reaching QuickBooks."""
    import inspect
    from types import SimpleNamespace

    from portal.clients.quickbooks import QuickBooksClient
    from portal.engine import dryrun
    from portal.engine.dryrun import RecordingClient

    sent = []
    real = SimpleNamespace(realm_id="1", batch=lambda *args: sent.append(args), read=lambda *args: {"Id": "1"})
    recorder = RecordingClient(real, SimpleNamespace(entity_type="purchase_order", openboxes_id="1"))
    assert recorder.read("Vendor", "1") == {"Id": "1"}
    with pytest.raises(AttributeError):
        recorder.batch([{"bId": "b0"}], "rid")
    assert sent == []
    public = {name for name, _ in inspect.getmembers(QuickBooksClient, inspect.isfunction) if not name.startswith("_")}
    assert public - dryrun.READS - {"create", "update", "batch"} == set(), "a new client method: is it a read?"
