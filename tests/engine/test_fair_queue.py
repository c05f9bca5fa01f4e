"""Push jobs take turns by QuickBooks company: at most SYNC_REALM_CONCURRENCY of one realm are queued or
running, the rest wait in Redis in the order they were queued, and the watchdog counts them as alive."""

from __future__ import annotations

from rq import Queue
from sqlalchemy import select

from jobs.queues import PushReason, enqueue_pushes, live_push_ids
from portal.models import QuickBooksConnection, SyncActivity
from tests.factories import make_tenant
from tests.sync_fixtures import work


def _rows(db, name: str, realm: str, ids: range, status: str = "connected") -> list[int]:
    """Queued rows with the given ids (far above the sequence) for a new tenant connected to ``realm``."""
    tenant = make_tenant(name)
    db.session.add(QuickBooksConnection(tenant=tenant, realm_id=realm, status=status))
    db.session.flush()
    db.session.add_all(
        SyncActivity(id=row_id, tenant_id=tenant.id, entity_type="product", openboxes_id=str(row_id), version="v1")
        for row_id in ids
    )
    db.session.commit()
    return list(ids)


def test_a_big_backlog_holds_two_places_in_the_queue_and_a_small_tenant_goes_next(app, db, redis):
    big = _rows(db, "Big", "111", range(1_000_000, 1_000_012))
    small = _rows(db, "Small", "222", range(2_000_000, 2_000_001))

    enqueue_pushes(big, PushReason.POLLED)
    enqueue_pushes(small, PushReason.POLLED)

    queued = Queue("default", connection=redis).get_job_ids()
    assert queued == [f"push-{big[0]}-0", f"push-{big[1]}-0", f"push-{small[0]}-0"]
    assert live_push_ids() == {*big, *small}  # the ten held back are alive, not orphans


def test_each_finished_push_lets_its_realm_s_next_row_in_in_the_order_they_were_queued(app, db, redis):
    # QuickBooks needs reconnecting: each push ends at once (the row waits), which is all this test needs.
    big = _rows(db, "Big", "111", range(995, 1007), "needs_reconnect")  # as text, row 1000 comes before 995
    small = _rows(db, "Small", "222", range(2_000_000, 2_000_001), "needs_reconnect")
    enqueue_pushes(big, PushReason.POLLED)
    enqueue_pushes(small, PushReason.POLLED)

    work(redis)

    db.session.expire_all()
    touched = db.session.scalars(select(SyncActivity).order_by(SyncActivity.updated_at)).all()
    assert {row.error_category for row in touched} == {"needs_reconnect"}
    ran = [row.id for row in touched]
    assert ran.index(small[0]) == 2
    assert [row for row in ran if row in big] == big
