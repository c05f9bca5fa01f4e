"""The panel shows rows of records OpenBoxes could not serve like any other, with retry and ignore (issue 11)."""

from collections import Counter

from tests.conftest import TEST_PASSWORD
from tests.factories import make_user
from tests.sync_fixtures import activities, sync, work


def _body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _row(db, order):
    [row] = activities(db, entity_type="purchase_order", openboxes_id=order["id"])
    return row


def test_fetch_failed_rows_are_listed_explained_retried_and_ignored(tenant, ob, qb, db, redis, auth, client):
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    supplier = ob.supplier("Gauze & Co")
    gauze, tape = ob.product("Sterile gauze", "GZ-10", "2.50"), ob.product("Surgical tape", "TP-20", "4.00")
    deleted, broken, good = (ob.purchase_order(supplier["id"], [(p["id"], 2, "2.50")]) for p in (tape, gauze, gauze))
    for order in (deleted, broken, good):
        ob.approve(order["id"])
    ob.control("POST", f"/products/{tape['id']}/delete")
    ob.fault(route=f"/openboxes/order/getOrderItems/{broken['id']}", kind="error", status=502)

    sync(tenant, redis)
    auth.login("admin@acme.test")

    listing = _body(client.get("/admin/activity/"))
    assert all(f">{order['orderNumber']}</a>" in listing for order in (deleted, broken, good))
    assert "when the bridge read the order" in listing and "when the bridge read its lines" in listing
    failed, waiting = _row(db, deleted), _row(db, broken)
    assert (failed.status, waiting.status) == ("sync_failed", "retrying")

    detail = _body(client.get(f"/admin/activity/details/?id={failed.id}"))
    assert failed.message in detail and 'id="attempt-history"' in detail
    assert f'href="{ob.url}/openboxes/order/show/{deleted["id"]}"' in detail  # the fix: edit it in OpenBoxes
    assert 'value="retry"' in detail and 'value="ignore"' in detail
    assert "Ignore (do not push)" in _body(client.get(f"/admin/activity/details/?id={waiting.id}"))

    auth.post("/admin/activity/action/", data={"action": "ignore", "rowid": [waiting.id]})
    ob.control("POST", f"/products/{tape['id']}/restore")
    auth.post("/admin/activity/action/", data={"action": "retry", "rowid": [failed.id]})
    work(redis)
    sync(tenant, redis, slot="later")

    assert (_row(db, deleted).id, _row(db, deleted).status) == (failed.id, "synced")
    assert (_row(db, broken).id, _row(db, broken).status) == (waiting.id, "skipped")
    numbers = Counter(document["DocNumber"] for document in qb.objects("PurchaseOrder"))
    assert numbers == Counter({deleted["orderNumber"]: 1, good["orderNumber"]: 1})
    _body(client.get(f"/admin/activity/details/?id={waiting.id}"))
