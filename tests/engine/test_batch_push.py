"""A backlog of document creates goes through QuickBooks ``POST /batch``, still exactly once per record."""

from datetime import timedelta

import pytest
from freezegun import freeze_time

from jobs.queues import live_push_ids
from jobs.sync import poll_tenant
from portal.engine.batch import run_push_batch
from portal.engine.context import load_context
from portal.sync.identity import batch_request_id
from tests.engine.test_failures import _qbo_post
from tests.sync_fixtures import activities, sync, tick_scheduler, work


@pytest.fixture
def batching(qbo_app, tenant, db):
    """Batch from two rows up; the tenant's own suppliers and products are pushed alone (not batchable)."""
    qbo_app.config["SYNC_BATCH_MIN_ROWS"] = 2
    return tenant


def _orders(ob, count: int, **numbers) -> list[dict]:
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    orders = []
    for n in range(count):
        fields = {"orderNumber": numbers[f"n{n}"]} if f"n{n}" in numbers else {}
        order = ob.purchase_order(supplier["id"], [(gauze["id"], n + 1, "2.50")], **fields)
        ob.approve(order["id"])
        orders.append(order)
    return orders


def _posts(qb, path_end: str) -> list[dict]:
    return [e for e in qb.request_log() if e["method"] == "POST" and e["path"].endswith(path_end)]


def _due(redis, rows) -> None:
    with freeze_time(max(row.next_attempt_at for row in rows) + timedelta(seconds=1)):
        tick_scheduler(redis)
    work(redis)


def test_a_backlog_of_orders_is_one_batch_and_each_item_settles_on_its_own_row(batching, ob, qb, db, redis):
    _orders(ob, 1, n0="PO-FIRST")
    sync(batching, redis, slot="first")  # a vendor, an item and one order, pushed alone
    [first] = qb.objects("PurchaseOrder")
    taken = {k: v for k, v in first.items() if k not in ("Id", "SyncToken", "MetaData", "PrivateNote", "TotalAmt")}
    _qbo_post(qb, "purchaseorder", {**taken, "DocNumber": "PO-CLASH", "PrivateNote": "Keyed in by hand"})
    supplier = ob.supplier("Swabs Ltd")
    swab = ob.product("Swab", "SW-1", "1.00")
    for number in ("PO-GOOD", "PO-CLASH", "PO-GOOD2"):
        ob.approve(ob.purchase_order(supplier["id"], [(swab["id"], 2, "1.00")], orderNumber=number)["id"])

    sync(batching, redis, slot="second")

    rows = {row.openboxes_number: row for row in activities(db, entity_type="purchase_order")}
    [batch] = _posts(qb, "/batch")
    assert len([e for e in _posts(qb, "/purchaseorder") if e["args"].get("requestid")]) == 1  # the lone first
    assert (rows["PO-GOOD"].status, rows["PO-GOOD2"].status) == ("synced", "synced")
    clash = rows["PO-CLASH"]
    assert (clash.status, clash.error_category) == ("sync_failed", "permanent")
    assert "already has a PurchaseOrder numbered PO-CLASH" in clash.message
    assert "renumber or delete it in QuickBooks" in clash.message
    by_number = {po["DocNumber"]: po for po in qb.objects("PurchaseOrder")}
    assert rows["PO-GOOD"].qbo_id == by_number["PO-GOOD"]["Id"]
    assert rows["PO-GOOD2"].qbo_id == by_number["PO-GOOD2"]["Id"]
    assert by_number["PO-CLASH"]["PrivateNote"] == "Keyed in by hand"
    assert batch["status"] == 200 and len(batch["requestid"]) <= 36


def test_a_dropped_batch_answer_is_looked_up_row_by_row_and_nothing_is_sent_twice(batching, ob, qb, db, redis):
    _orders(ob, 3)
    qb.fault(kind="commit_then_drop", route="/batch$", method="POST", count=1)

    sync(batching, redis)

    rows = activities(db, entity_type="purchase_order")
    assert {(row.status, row.outcome_unknown, row.attempts) for row in rows} == {("retrying", True, 1)}
    assert len(qb.objects("PurchaseOrder")) == 3  # QuickBooks applied the batch; we never heard back
    _due(redis, rows)

    rows = activities(db, entity_type="purchase_order")
    documents = {po["Id"] for po in qb.objects("PurchaseOrder")}
    assert len(documents) == 3
    assert {row.status for row in rows} == {"synced"}
    assert {row.qbo_id for row in rows} == documents
    assert len(_posts(qb, "/batch")) == 1 and _posts(qb, "/purchaseorder") == []  # found by marker, not re-sent


def test_the_same_batch_sent_again_is_replayed_not_applied_twice(batching, qbo_app, ob, qb, db):
    items = [{"bId": f"b{n}", "operation": "create", "Vendor": {"DisplayName": f"Replay {n}"}} for n in range(2)]
    request_id = batch_request_id(["a" * 32, "b" * 32])
    client = load_context(batching.id).client

    first = client.batch(items, request_id)
    again = client.batch(items, request_id)

    assert [answer["Vendor"]["Id"] for answer in again] == [answer["Vendor"]["Id"] for answer in first]
    assert len([v for v in qb.objects("Vendor") if v["DisplayName"].startswith("Replay")]) == 2
    assert qb.counters()["realms"][qb.realm]["replays"] == 1


def test_batch_request_ids_follow_the_rows_request_ids():
    rows = ["a" * 32, "b" * 32]
    assert batch_request_id(rows) == batch_request_id(list(rows))
    assert batch_request_id(rows) != batch_request_id(["a" * 32, "c" * 32])  # a row at a new generation
    assert len(batch_request_id(rows)) <= 36


def test_our_batch_budget_defers_the_next_batch_without_spending_attempts(batching, qbo_app, ob, qb, db, redis):
    qbo_app.config["QBO_BATCH_BUDGET"] = 1  # our share: one batch per window for this realm
    _orders(ob, 4)
    poll_tenant(batching.id, "manual")  # queues; the pushes are run by hand below
    ids = [row.id for row in activities(db, entity_type="purchase_order")]

    first = run_push_batch(ids[:2])
    second = run_push_batch(ids[2:])

    assert {outcome.status for outcome in first.values()} == {"synced"}
    assert {outcome.status for outcome in second.values()} == {"queued"}
    assert all(outcome.retry_in > 1 for outcome in second.values())  # until the batch window frees up
    deferred = [row for row in activities(db, entity_type="purchase_order") if row.id in ids[2:]]
    assert {(row.status, row.attempts, row.error_category) for row in deferred} == {("queued", 0, "throttled")}
    assert len(_posts(qb, "/batch")) == 1  # the second never left: QuickBooks did not have to refuse it
    assert qb.counters()["realms"][qb.realm]["throttled"] == 0


def test_a_batch_quickbooks_throttles_is_deferred_whole_and_comes_back_as_a_batch(batching, ob, qb, db, redis):
    _orders(ob, 3)
    qb.control("PUT", "/throttle", {"batch_budget": 0, "retry_after": True})

    sync(batching, redis)

    rows = activities(db, entity_type="purchase_order")
    assert {(row.status, row.attempts, row.error_category) for row in rows} == {("queued", 0, "throttled")}
    assert live_push_ids() >= {row.id for row in rows}  # the watchdog sees them queued again
    qb.control("PUT", "/throttle", {"batch_budget": 40})
    _due(redis, rows)

    rows = activities(db, entity_type="purchase_order")
    assert {(row.status, row.attempts) for row in rows} == {("synced", 1)}
    assert len(qb.objects("PurchaseOrder")) == 3
    assert [e["status"] for e in _posts(qb, "/batch")] == [429, 200]


def test_a_row_that_cannot_be_prepared_settles_alone_and_the_others_go_in_the_batch(batching, ob, qb, db, redis):
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    for number, quantity in (("PO-A", 1), ("PO-EMPTY", 0), ("PO-B", 2)):
        ob.approve(ob.purchase_order(supplier["id"], [(gauze["id"], quantity, "2.50")], orderNumber=number)["id"])

    sync(batching, redis)

    rows = {row.openboxes_number: row for row in activities(db, entity_type="purchase_order")}
    assert (rows["PO-EMPTY"].status, rows["PO-EMPTY"].attempts) == ("skipped", 1)
    assert "has no lines to push" in rows["PO-EMPTY"].message
    assert (rows["PO-A"].status, rows["PO-B"].status) == ("synced", "synced")
    assert sorted(po["DocNumber"] for po in qb.objects("PurchaseOrder")) == ["PO-A", "PO-B"]
    assert len(_posts(qb, "/batch")) == 1 and _posts(qb, "/purchaseorder") == []
