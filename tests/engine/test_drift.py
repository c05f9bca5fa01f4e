"""Drift watch: edits and deletes made in QuickBooks show up on the rows the next day; re-push on request."""

from datetime import timedelta

import requests
from freezegun import freeze_time

from jobs.clock import tick
from portal.models import QuickBooksConnection
from portal.models.base import utcnow
from portal.services.triage import repush_deleted
from tests.factories import make_user
from tests.helpers import TEST_PASSWORD
from tests.sync_fixtures import activities, sync, work


def _api(qb, method, path, body=None, params=None):
    """QuickBooks' API as another app or a person in QuickBooks would use it."""
    token = qb.tokens()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    url = f"{qb.url}/v3/company/{qb.realm}/{path}"
    answer = requests.request(method, url, json=body, params=params, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _synced_orders(tenant, ob, redis, db, count=3):
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    for qty in range(1, count + 1):
        ob.approve(ob.purchase_order(supplier["id"], [(gauze["id"], qty, "2.50")])["id"])
    sync(tenant, redis)
    rows = activities(db, entity_type="purchase_order")
    assert [row.status for row in rows] == ["synced"] * count
    return rows


def _next_day_look(redis):
    with freeze_time(utcnow() + timedelta(days=1, minutes=1)):
        tick()
        work(redis)


def test_edit_and_delete_in_quickbooks_show_up_as_drift_the_next_day(tenant, ob, qb, db, redis):
    edited, deleted, untouched = _synced_orders(tenant, ob, redis, db)
    tick()
    work(redis)  # today's look: our own writes are no drift
    assert [row.drift for row in activities(db, entity_type="purchase_order")] == [None, None, None]

    po = _api(qb, "GET", f"purchaseorder/{edited.qbo_id}")["PurchaseOrder"]
    detail = {**po["Line"][0]["ItemBasedExpenseLineDetail"], "Qty": 4}
    line = {**po["Line"][0], "Amount": 10, "ItemBasedExpenseLineDetail": detail}  # 1 gauze became 4
    _api(qb, "POST", "purchaseorder", {"Id": po["Id"], "SyncToken": po["SyncToken"], "sparse": True, "Line": [line]})
    gone = _api(qb, "GET", f"purchaseorder/{deleted.qbo_id}")["PurchaseOrder"]
    _api(qb, "POST", "purchaseorder", {"Id": gone["Id"], "SyncToken": gone["SyncToken"]}, {"operation": "delete"})
    _next_day_look(redis)

    rows = {row.id: row for row in activities(db, entity_type="purchase_order")}
    assert rows[edited.id].drift == "edited" and "total 2.50 → 10" in rows[edited.id].drift_detail
    # number, date and lines are what we sent (mapped again from the row's snapshot): not reported as changed
    assert not any(word in rows[edited.id].drift_detail for word in ("number", "date", "line(s)", "reference"))
    assert rows[deleted.id].drift == "deleted" and "was deleted in QuickBooks" in rows[deleted.id].drift_detail
    assert rows[untouched.id].drift is None
    assert all(row.status == "synced" for row in rows.values())  # never pushed again by itself
    assert len(qb.objects("PurchaseOrder")) == 2


def test_the_look_is_once_a_day_and_starts_where_the_last_one_ended(tenant, ob, qb, db, redis):
    _synced_orders(tenant, ob, redis, db, count=1)
    tick()
    work(redis)
    tick()
    work(redis)  # same day: no second read
    looks = [entry for entry in qb.request_log() if entry["path"].endswith("/cdc")]
    assert len(looks) == 1 and looks[0]["status"] == 200
    checked = db.session.scalar(db.select(QuickBooksConnection.cdc_checked_at))
    _next_day_look(redis)
    looks = [entry for entry in qb.request_log() if entry["path"].endswith("/cdc")]
    assert len(looks) == 2
    assert looks[1]["args"]["changedSince"] == checked.isoformat(timespec="seconds")
    assert looks[1]["args"]["entities"] == "Invoice,JournalEntry,PurchaseOrder"


def test_a_deleted_document_is_pushed_again_on_request(tenant, ob, qb, db, redis, client, auth):
    [row] = _synced_orders(tenant, ob, redis, db, count=1)
    doc = _api(qb, "GET", f"purchaseorder/{row.qbo_id}")["PurchaseOrder"]
    _api(qb, "POST", "purchaseorder", {"Id": doc["Id"], "SyncToken": doc["SyncToken"]}, {"operation": "delete"})
    _next_day_look(redis)
    assert activities(db, entity_type="purchase_order")[0].drift == "deleted"
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    auth.login("admin@acme.test")

    page = client.get(f"/admin/activity/details/?id={row.id}").get_data(as_text=True)
    assert "Deleted in QuickBooks" in page and "Push again to QuickBooks" in page
    auth.post("/admin/activity/action/", data={"action": "repush", "rowid": [row.id]})
    work(redis)

    [row] = activities(db, entity_type="purchase_order")
    [again] = qb.objects("PurchaseOrder")
    assert (row.status, row.qbo_id, row.drift) == ("synced", again["Id"], None)
    assert again["Id"] != doc["Id"] and again["DocNumber"] == doc["DocNumber"]
    assert repush_deleted([row], "someone") == 0  # not deleted any more: nothing to do
