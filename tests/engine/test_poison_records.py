"""A record OpenBoxes cannot serve gets its own activity row; the poll goes on with the rest (issue 11 part 1).

Through both sandboxes: the OpenBoxes sandbox fails one record's request (an injected HTML 500 on its path, or
a product deleted behind OpenBoxes' back), every other record syncs, the bad one follows the Sync Failed path
with a reason naming it, and once OpenBoxes serves it again the same row ends Synced with one document.
"""

from collections import Counter
from datetime import timedelta

import pytest
from freezegun import freeze_time

from jobs.maintenance import reconcile_activities
from jobs.sync import retry_activities
from portal.clients.openboxes import OpenBoxesUnexpectedPayload, OpenBoxesUnreachable
from portal.engine.fetch import Reading, RecordUnreadable
from portal.models import SyncRun
from tests.sync_fixtures import activities, sync, tick_scheduler, work

GOOD_ORDERS = 6


def _run_due_retry(redis, row) -> None:
    with freeze_time(row.next_attempt_at + timedelta(seconds=1)):
        tick_scheduler(redis)
    work(redis)


def _row(db, entity: str, openboxes_id: str):
    [row] = activities(db, entity_type=entity, openboxes_id=openboxes_id)
    return row


def _fail_until_removed(ob, path: str) -> None:
    ob.fault(route=path, kind="error", status=500)


def _repair(ob) -> None:
    ob.control("DELETE", "/faults")


def _doc_numbers(qb, entity: str) -> Counter:
    return Counter(document.get("DocNumber") for document in qb.objects(entity))


@pytest.fixture
def orders(ob):
    """One order (the bad one, approved first) among six later approved good ones; all of one supplier."""
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    tape = ob.product("Surgical tape", "TP-20", "4.00")
    bad = ob.purchase_order(supplier["id"], [(tape["id"], 3, "4.00")])
    ob.approve(bad["id"])
    good = []
    for quantity in range(1, GOOD_ORDERS + 1):
        order = ob.purchase_order(supplier["id"], [(gauze["id"], quantity, "2.50")])
        ob.approve(order["id"])
        good.append(order)
    return {"bad": bad, "good": good, "tape": tape}


def _assert_good_orders_synced(db, qb, orders) -> None:
    rows = [_row(db, "purchase_order", order["id"]) for order in orders["good"]]
    assert {row.status for row in rows} == {"synced"}, [(row.status, row.message) for row in rows]
    numbers = _doc_numbers(qb, "PurchaseOrder")
    assert all(numbers[order["orderNumber"]] == 1 for order in orders["good"]), numbers


@pytest.mark.parametrize(
    ("path", "what"),
    [("/openboxes/api/purchaseOrders/{id}", "the order"), ("/openboxes/order/getOrderItems/{id}", "its lines")],
    ids=["detail", "items"],
)
def test_order_openboxes_cannot_serve_fails_on_its_own_row_then_the_same_row_syncs(
    tenant, ob, qb, db, redis, orders, path, what
):
    bad = orders["bad"]
    _fail_until_removed(ob, path.format(id=bad["id"]))

    sync(tenant, redis)

    _assert_good_orders_synced(db, qb, orders)
    row = _row(db, "purchase_order", bad["id"])
    assert (row.status, row.attempts, row.error_category) == ("retrying", 1, "transient")
    expected = f"Purchase order {bad['orderNumber']}: OpenBoxes had a server error (500) when the bridge read {what}"
    assert row.message == f"{expected}; the sync will retry"
    for _ in range(3):  # backoff retries read the order again, and fail again
        _run_due_retry(redis, row)
        row = _row(db, "purchase_order", bad["id"])
    assert (row.status, row.attempts) == ("sync_failed", 4)
    assert row.message.startswith(expected) and "<" not in row.message

    _repair(ob)
    assert retry_activities([row.id]) == 1
    work(redis)
    sync(tenant, redis, slot="later")

    same = _row(db, "purchase_order", bad["id"])
    assert (same.id, same.status) == (row.id, "synced")
    assert _doc_numbers(qb, "PurchaseOrder")[bad["orderNumber"]] == 1
    assert len(qb.objects("PurchaseOrder")) == GOOD_ORDERS + 1
    assert len(activities(db, entity_type="purchase_order")) == GOOD_ORDERS + 1


def test_order_whose_product_answers_500_waits_on_its_row_and_its_backoff_retry_syncs_it(
    tenant, ob, qb, db, redis, orders
):
    bad, tape = orders["bad"], orders["tape"]
    _fail_until_removed(ob, f"/openboxes/api/products/{tape['id']}")

    sync(tenant, redis)

    _assert_good_orders_synced(db, qb, orders)
    row = _row(db, "purchase_order", bad["id"])
    assert row.status == "retrying"
    assert row.message == (
        f"Purchase order {bad['orderNumber']}: OpenBoxes had a server error (500) when the bridge read its product "
        "TP-20; the sync will retry"
    )

    _repair(ob)
    _run_due_retry(redis, row)

    same = _row(db, "purchase_order", bad["id"])
    assert (same.id, same.status, same.attempts) == (row.id, "synced", 2)
    assert _doc_numbers(qb, "PurchaseOrder")[bad["orderNumber"]] == 1


def test_order_naming_a_deleted_product_is_sync_failed_at_once_and_syncs_once_it_is_back(
    tenant, ob, qb, db, redis, orders
):
    bad, tape = orders["bad"], orders["tape"]
    ob.control("POST", f"/products/{tape['id']}/delete")

    sync(tenant, redis)

    _assert_good_orders_synced(db, qb, orders)
    row = _row(db, "purchase_order", bad["id"])
    assert (row.status, row.attempts, row.error_category) == ("sync_failed", 1, "permanent")
    assert row.message == (
        f"Purchase order {bad['orderNumber']}: OpenBoxes did not find it (404) (No row with the given identifier "
        f"exists: [org.pih.warehouse.product.Product#{tape['id']}]) when the bridge read the order "
        "(it may have been deleted): fix the record in OpenBoxes, then retry"
    )
    sync(tenant, redis, slot="again")  # a later poll neither adds a row nor touches this one
    assert [r.id for r in activities(db, entity_type="purchase_order", openboxes_id=bad["id"])] == [row.id]

    ob.control("POST", f"/products/{tape['id']}/restore")
    retry_activities([row.id])
    work(redis)

    same = _row(db, "purchase_order", bad["id"])
    assert (same.id, same.status) == (row.id, "synced")
    assert _doc_numbers(qb, "PurchaseOrder")[bad["orderNumber"]] == 1


def test_shipment_whose_detail_answers_500_gets_its_own_row_and_later_syncs_on_it(tenant, ob, qb, db, redis):
    clinic = ob.customer("Riverside Clinic")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    bad = ob.shipment(clinic["id"], [(gauze["id"], 2)])
    good = [ob.shipment(clinic["id"], [(gauze["id"], n)]) for n in (3, 4)]
    _fail_until_removed(ob, f"/openboxes/api/stockMovements/{bad['id']}")

    sync(tenant, redis)

    assert {_row(db, "shipment", s["id"]).status for s in good} == {"synced"}
    row = _row(db, "shipment", bad["id"])
    assert row.status == "retrying"
    assert row.message.startswith("Shipment ") and row.message.endswith(
        "OpenBoxes had a server error (500) when the bridge read the stock movement; the sync will retry"
    )
    assert len(qb.objects("Invoice")) == 2

    _repair(ob)
    _run_due_retry(redis, row)
    sync(tenant, redis, slot="later")

    same = _row(db, "shipment", bad["id"])
    assert (same.id, same.status) == (row.id, "synced")
    assert len(qb.objects("Invoice")) == 3


def test_adjustment_whose_product_read_fails_gets_its_own_row_and_later_syncs_on_it(tenant, ob, qb, db, redis):
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    tape = ob.product("Surgical tape", "TP-20", "4.00")
    ob.adjust(gauze["id"], -3)
    ob.adjust(tape["id"], -2)
    _fail_until_removed(ob, f"/openboxes/api/products/{tape['id']}")

    sync(tenant, redis)

    rows = activities(db, entity_type="adjustment")
    assert sorted(row.status for row in rows) == ["retrying", "synced"], [(r.status, r.message) for r in rows]
    [row] = [row for row in rows if row.status == "retrying"]
    assert row.message.startswith("Adjustment ") and row.message.endswith(
        "OpenBoxes had a server error (500) when the bridge read its product TP-20; the sync will retry"
    )
    assert len(qb.objects("JournalEntry")) == 1

    _repair(ob)
    _run_due_retry(redis, row)
    sync(tenant, redis, slot="later")

    rows = activities(db, entity_type="adjustment")
    assert [(r.id, r.status) for r in rows if r.id == row.id] == [(row.id, "synced")]
    assert len(rows) == 2 and len(qb.objects("JournalEntry")) == 2


def test_a_lost_retry_job_is_given_back_by_the_watchdog(tenant, ob, qb, db, redis, orders):
    """The row, not Redis, keeps the record: with its scheduled retry gone, the watchdog queues it again."""
    bad = orders["bad"]
    _fail_until_removed(ob, f"/openboxes/api/purchaseOrders/{bad['id']}")
    sync(tenant, redis)
    row = _row(db, "purchase_order", bad["id"])
    redis.flushdb()
    _repair(ob)

    with freeze_time(row.next_attempt_at + timedelta(minutes=5)):
        reconcile_activities()
    work(redis)

    same = _row(db, "purchase_order", bad["id"])
    assert (same.id, same.status) == (row.id, "synced")
    assert _doc_numbers(qb, "PurchaseOrder")[bad["orderNumber"]] == 1


def test_a_product_the_list_page_sends_damaged_gets_its_own_row_and_the_page_goes_on(tenant, ob, qb, db, redis):
    good = ob.product("Sterile gauze", "GZ-10", "2.50")
    damaged = ob.product("Surgical tape", "TP-20", "4.00")
    nameless = ob.product("Cotton", "CT-30", "1.00")
    later = ob.product("Saline", "SL-40", "3.00")
    ob.control("POST", f"/products/{damaged['id']}/corrupt", {"set": {"lastUpdated": "next Tuesday"}})
    ob.control("POST", f"/products/{nameless['id']}/corrupt", {"drop": ["id"]})

    sync(tenant, redis)

    assert {_row(db, "product", p["id"]).status for p in (good, later)} == {"synced"}
    row = _row(db, "product", damaged["id"])
    assert (row.status, row.attempts) == ("sync_failed", 1)
    assert row.message == (
        "Product TP-20: OpenBoxes sent the date 'next Tuesday' in a format the bridge does not understand: "
        "fix the record in OpenBoxes, then retry"
    )
    [run] = db.session.scalars(db.select(SyncRun)).all()
    assert "Product: 1 record(s) listed without an id" in run.error

    ob.control("POST", f"/products/{damaged['id']}/corrupt", {})
    retry_activities([row.id])
    work(redis)
    sync(tenant, redis, slot="later")

    same = _row(db, "product", damaged["id"])
    assert (same.id, same.status) == (row.id, "synced")
    assert sorted(item["Name"] for item in qb.objects("Item")) == ["Saline", "Sterile gauze", "Surgical tape"]


def test_a_supplier_the_list_sends_damaged_is_read_again_by_its_id_on_the_same_row(tenant, ob, qb, db, redis):
    good = ob.supplier("Gauze & Co", code="GZC")
    damaged = ob.supplier("Tape Ltd", code="TPL")
    ob.control("POST", f"/suppliers/{damaged['id']}/corrupt", {"set": {"lastUpdated": 12}})

    sync(tenant, redis)

    assert _row(db, "supplier", good["id"]).status == "synced"
    row = _row(db, "supplier", damaged["id"])
    assert row.status == "sync_failed" and row.message.startswith("Supplier TPL: OpenBoxes sent it without a date")

    ob.control("POST", f"/suppliers/{damaged['id']}/corrupt", {})
    retry_activities([row.id])
    work(redis)

    same = _row(db, "supplier", damaged["id"])
    assert (same.id, same.status) == (row.id, "synced")
    assert sorted(vendor["DisplayName"] for vendor in qb.objects("Vendor")) == ["Gauze & Co", "Tape Ltd"]


def _failure_of(step: str, error: Exception) -> str:
    with pytest.raises(RecordUnreadable) as caught, Reading("purchase_order", "PO-1", "id-1").step(step):
        raise error
    return caught.value.error.message


def test_reading_names_the_record_the_request_and_what_openboxes_sent():
    price = "the price '1,2,3', which is not a number"
    garbled = OpenBoxesUnexpectedPayload(f"OpenBoxes at ob.test sent {price}", detail=price)
    assert _failure_of("its lines", garbled) == (
        "Purchase order PO-1: OpenBoxes sent its lines in a form the bridge cannot read "
        "(the price '1,2,3', which is not a number): fix the record in OpenBoxes, then retry"
    )
    assert _failure_of("the order", KeyError("orderItems")) == (
        "Purchase order PO-1: OpenBoxes sent the order without the field 'orderItems' the bridge needs: "
        "fix the record in OpenBoxes, then retry"
    )
    down = OpenBoxesUnreachable("Could not reach OpenBoxes", outcome_unknown=False)
    with pytest.raises(OpenBoxesUnreachable), Reading("purchase_order", "PO-1", "id-1").step("the order"):
        raise down  # the connection, not the record: the entity's poll stops as before
