"""End-to-end engine fixtures: both sandboxes over HTTP (driven by ``devtools.sandboxes``), a fully set-up
tenant (``devtools.seed``), and the helpers that run queued jobs in the test's process."""

from __future__ import annotations

import pytest
from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler

from devtools.sandboxes import PLUS_REALM, OpenBoxesSandbox, QuickBooksSandbox
from devtools.seed import seed_connected_tenant
from jobs.queues import QUEUE_NAMES, enqueue_poll
from portal.models import SyncActivity
from portal.models.base import utcnow
from tests.factories import make_tenant


@pytest.fixture(scope="session")
def ob_server():
    from sandbox.openboxes import make_app
    from sandbox.serving import serve_in_thread

    server = serve_in_thread(make_app(data="empty"))
    yield server
    server.stop()


@pytest.fixture
def ob(ob_server) -> OpenBoxesSandbox:
    sandbox = OpenBoxesSandbox(ob_server.url)
    sandbox.reset("empty")
    return sandbox


@pytest.fixture
def qb(qbo) -> QuickBooksSandbox:
    return QuickBooksSandbox(qbo, PLUS_REALM)


@pytest.fixture
def tenant(qbo_app, qb, ob, db, redis):
    """A tenant connected to both sandboxes, accounts mapped, syncing just enabled."""
    tenant = make_tenant("Acme Medical", timezone="America/New_York")
    seed_connected_tenant(tenant, ob, qb)
    qbo_app.config["SYNC_RETRY_DELAYS"] = (60.0, 120.0, 240.0)
    return tenant


def work(redis) -> None:
    """Run every queued job in this process until the queues are empty (scheduled jobs stay put)."""
    queues = [Queue(name, connection=redis) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=redis).work(burst=True)


def tick_scheduler(redis) -> None:
    """Move due scheduled jobs (retries) onto their queues, as the worker's scheduler would."""
    scheduler = RQScheduler([Queue(name, connection=redis) for name in QUEUE_NAMES], connection=redis)
    scheduler.acquire_locks()
    scheduler.enqueue_scheduled_jobs()
    scheduler.release_locks()


def sync(tenant, redis, slot: str = "t") -> None:
    """One poll of the tenant and every push it queues, through Redis and a burst worker."""
    enqueue_poll(tenant.id, "manual", slot=f"{slot}{utcnow().timestamp()}")
    work(redis)


def activities(db, **filters) -> list[SyncActivity]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(SyncActivity).filter_by(**filters).order_by(SyncActivity.id)))
