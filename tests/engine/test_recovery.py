"""The watchdog: a worker SIGKILLed mid-push, or Redis flushed mid-run, still puts each record in QuickBooks once."""

import os
import signal
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from rq import Queue, SimpleWorker

from jobs.maintenance import live_push_ids, reconcile_activities
from jobs.queues import QUEUE_NAMES, PushReason, enqueue_push
from jobs.sync import poll_tenant
from portal.models import QuickBooksConnection, SyncActivity
from portal.models.base import utcnow
from tests.factories import make_tenant
from tests.sync_fixtures import activities, work
from tests.workers import start_burst_worker

SANDBOX_THREADS = ["sandbox", "werkzeug", "redis"]


def wait_until(condition, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def three_approved_orders(ob) -> list[dict]:
    supplier = ob.supplier("Recovery Supplies")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    orders = []
    for quantity in (1, 2, 3):
        order = ob.purchase_order(supplier["id"], [(gauze["id"], quantity, "2.50")])
        ob.approve(order["id"])
        orders.append(order)
    return orders


def assert_each_record_once_in_quickbooks(db, qb, orders: int) -> None:
    rows = activities(db)
    assert [row.status for row in rows if row.status != "synced"] == [], [(r.status, r.message) for r in rows]
    documents = Counter(document["DocNumber"] for document in qb.objects("PurchaseOrder"))
    assert len(documents) == orders and set(documents.values()) == {1}, documents
    assert [vendor["DisplayName"] for vendor in qb.objects("Vendor")] == ["Recovery Supplies"]
    assert [item["Name"] for item in qb.objects("Item") if item.get("Sku") == "GZ-10"] == ["Sterile gauze"]
    assert {row.qbo_id for row in rows if row.entity_type == "purchase_order"} == {
        document["Id"] for document in qb.objects("PurchaseOrder")
    }


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def kill_worker_and_horse(process) -> None:
    """SIGKILL the work horse (mid-job) and then the worker we started: nothing gets to clean up."""
    for horse in children_of(process.pid):
        os.kill(horse, signal.SIGKILL)
    process.kill()
    process.communicate(timeout=30)


def slow_write_in_flight(qb) -> bool:
    return any(rule["kind"] == "slow" and rule["hits"] == 1 for rule in qb.control("GET", "/faults")["faults"])


@pytest.mark.slow
def test_sigkilled_worker_mid_push_every_record_reaches_quickbooks_once(qbo_app, tenant, ob, qb, db, redis):
    three_approved_orders(ob)
    poll_tenant(tenant.id, "manual")  # rows committed, pushes queued
    qb.fault(kind="slow", route="/purchaseorder", method="POST", delay=5, count=1)

    worker = start_burst_worker(qbo_app.config, "default")
    wait_until(lambda: slow_write_in_flight(qb), what="a purchase order write in flight")
    kill_worker_and_horse(worker)
    [stuck] = activities(db, status="syncing")
    # QuickBooks finishes the write nobody is waiting for any more.
    wait_until(lambda: qb.objects("PurchaseOrder"), timeout=15, what="the orphaned write to land")

    assert reconcile_activities()["unstuck"] == []  # not stuck yet: it may still be running
    result = reconcile_activities(stuck_after_seconds=0.001)
    assert result["unstuck"] == [stuck.id] and stuck.id in result["enqueued"]
    work(redis)

    assert_each_record_once_in_quickbooks(db, qb, orders=3)
    db.session.refresh(stuck)
    assert (stuck.attempts, stuck.outcome_unknown) == (2, False)


def test_redis_flushed_mid_run_every_record_reaches_quickbooks_once(tenant, ob, qb, db, redis):
    three_approved_orders(ob)
    qb.fault(kind="5xx", route="/purchaseorder", method="POST", count=1)
    poll_tenant(tenant.id, "manual")
    queues = [Queue(name, connection=redis) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=redis).work(burst=True, max_jobs=4)  # supplier, product, 2 orders
    [retrying] = activities(db, status="retrying")  # its retry was scheduled in Redis
    assert len(activities(db, status="queued")) == 1

    redis.flushdb()  # queued pushes and the scheduled retry are gone; the rows remember
    assert live_push_ids() == set()
    assert reconcile_activities()["enqueued"] == []  # a poll may still be about to enqueue them
    result = reconcile_activities(grace_seconds=0)
    assert len(result["enqueued"]) == 1 and retrying.id not in result["enqueued"]  # the retry is not due yet
    assert reconcile_activities(grace_seconds=0)["enqueued"] == []  # same minute, job already there
    with freeze_time(retrying.next_attempt_at + timedelta(seconds=1), ignore=SANDBOX_THREADS):
        assert reconcile_activities(grace_seconds=0)["enqueued"] == [retrying.id]
    work(redis)

    assert_each_record_once_in_quickbooks(db, qb, orders=3)


def test_duplicate_deliveries_are_harmless(tenant, ob, qb, db, redis):
    three_approved_orders(ob)
    poll_tenant(tenant.id, "manual")
    for row in activities(db):
        enqueue_push(row.id, PushReason.WATCHDOG)  # as if the watchdog re-enqueued a live row
    work(redis)
    assert_each_record_once_in_quickbooks(db, qb, orders=3)


def _row(tenant, name: str, status: str, *, minutes_ago: float = 30, attempts: int = 1, **fields) -> SyncActivity:
    return SyncActivity(
        tenant=tenant,
        entity_type="supplier",
        openboxes_id=name,
        version="v1",
        status=status,
        attempts=attempts,
        updated_at=utcnow() - timedelta(minutes=minutes_ago),
        **fields,
    )


def _connect(db, tenant, status: str) -> None:
    db.session.add(QuickBooksConnection(tenant=tenant, realm_id=f"realm-{tenant.slug}", status=status))


def test_watchdog_rules(app, db, redis):
    app.config["SYNC_RETRY_DELAYS"] = (60.0, 120.0, 240.0)
    live, waiting = make_tenant("Live"), make_tenant("Waiting")
    _connect(db, live, "connected")
    _connect(db, waiting, "needs_reconnect")
    rows = {
        "stuck": _row(live, "stuck", "syncing", minutes_ago=11, attempts=2),
        "busy": _row(live, "busy", "syncing", minutes_ago=2),
        "worn_out": _row(live, "worn_out", "syncing", minutes_ago=11, attempts=4),
        "orphan": _row(live, "orphan", "queued", attempts=0),
        "not_due": _row(live, "not_due", "retrying", next_attempt_at=utcnow() + timedelta(minutes=3)),
        "due": _row(live, "due", "retrying", next_attempt_at=utcnow() - timedelta(minutes=1)),
        "has_job": _row(live, "has_job", "queued", minutes_ago=40, attempts=0),
        "done": _row(live, "done", "synced", minutes_ago=50),
        "waiting_stuck": _row(waiting, "waiting_stuck", "syncing", minutes_ago=11),
        "waiting_queued": _row(waiting, "waiting_queued", "queued", attempts=0),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    enqueue_push(rows["has_job"].id)

    result = reconcile_activities()

    ids = {row.id: name for name, row in rows.items()}
    assert sorted(ids[i] for i in result["unstuck"]) == ["stuck", "waiting_stuck"]
    assert [ids[i] for i in result["failed"]] == ["worn_out"]
    assert sorted(ids[i] for i in result["enqueued"]) == ["due", "orphan", "stuck"]
    db.session.expire_all()
    status = {name: (row.status, row.outcome_unknown) for name, row in rows.items()}
    assert status["stuck"] == status["waiting_stuck"] == ("retrying", True)  # look before creating again
    assert status["worn_out"] == ("sync_failed", True)
    assert status["busy"] == ("syncing", False)
    assert "no attempts left" in rows["worn_out"].message
    assert f"push-{rows['stuck'].id}-2-rc" in " ".join(Queue("default", connection=redis).get_job_ids())
