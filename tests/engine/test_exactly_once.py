"""QuickBooks sees each document exactly once: unknown outcomes, and concurrent workers."""

import time
from datetime import timedelta

import pytest
from freezegun import freeze_time

from jobs.sync import poll_tenant
from tests.sync_fixtures import activities, sync, tick_scheduler, work
from tests.workers import start_burst_worker


def test_commit_then_drop_then_retry_leaves_exactly_one_document(tenant, ob, qb, db, redis):
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])
    ob.approve(order["id"])
    qb.fault(kind="commit_then_drop", route="/purchaseorder", method="POST", count=1)

    sync(tenant, redis)
    [row] = activities(db, entity_type="purchase_order")
    assert (row.status, row.outcome_unknown) == ("retrying", True)
    assert len(qb.objects("PurchaseOrder")) == 1  # QuickBooks applied it; we never heard back

    with freeze_time(row.next_attempt_at + timedelta(seconds=1)):
        tick_scheduler(redis)
    work(redis)

    [row] = activities(db, entity_type="purchase_order")
    [document] = qb.objects("PurchaseOrder")
    assert (row.status, row.attempts, row.qbo_id) == ("synced", 2, document["Id"])


@pytest.mark.slow
def test_two_workers_pushing_orders_of_one_new_supplier_create_one_vendor(qbo_app, tenant, ob, qb, db, redis):
    tenant.sync_suppliers = False  # the vendor is created by the order pushes themselves, concurrently
    db.session.commit()
    supplier = ob.supplier("Brand New Supplier")
    products = [ob.product(f"Item {n}", f"IT-{n}", "1.00") for n in range(2)]
    for product in products:
        order = ob.purchase_order(supplier["id"], [(product["id"], 1, "1.00")])
        ob.approve(order["id"])
    tenant.sync_products = False
    db.session.commit()
    poll_tenant(tenant.id, "manual")  # queues the pushes; two worker processes take them at once

    for _round in range(20):  # a push the rate limiter deferred comes back a moment later: run those too
        workers = [start_burst_worker(qbo_app.config, "default") for _ in range(2)]
        outputs = [worker.communicate(timeout=180)[0] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0], outputs
        if all(row.status == "synced" for row in activities(db, entity_type="purchase_order")):
            break
        time.sleep(0.5)
        tick_scheduler(redis)
    rows = activities(db, entity_type="purchase_order")
    assert [row.status for row in rows] == ["synced", "synced"], [row.message for row in rows]
    assert [vendor["DisplayName"] for vendor in qb.objects("Vendor")] == ["Brand New Supplier"]
    assert len(qb.objects("PurchaseOrder")) == 2
