"""Fair queueing across QuickBooks companies: a big import does not stand in front of a small tenant.

Real worker processes, real Redis, both sandboxes over HTTP, QuickBooks' per-second limit enforced (on a
clock ten times faster, as the benchmark runs it). The test checks the order rows were synced in, never
how long it took.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from sqlalchemy import func, select

from devtools.sandboxes import PLUS_REALM, OpenBoxesSandbox, QuickBooksSandbox
from devtools.seed import seed_connected_tenant
from jobs.sync import poll_tenant
from portal.models import SyncActivity
from portal.sync.entities import ActivityStatus
from tests.factories import make_tenant
from tests.workers import start_worker

WINDOW_SECONDS = 6  # QuickBooks' minute on a ×10 clock: 10 calls per 0.1 s at the sandbox, 8 ours
SIZES = {"big": 140, "small-1": 20, "small-2": 20}
REALMS = {"big": PLUS_REALM, "small-1": "9130000000000101", "small-2": "9130000000000102"}


@pytest.fixture(scope="module")
def two_more_openboxes():
    from sandbox.openboxes import make_app
    from sandbox.serving import serve_in_thread

    servers = [serve_in_thread(make_app(data="empty")) for _ in range(2)]
    yield [server.url for server in servers]
    for server in servers:
        server.stop()


def _tenants(ob, two_more_openboxes, qbo) -> dict[str, int]:
    """Three tenants, each with its own OpenBoxes and QuickBooks company, their products in OpenBoxes."""
    urls = {"big": ob.url, "small-1": two_more_openboxes[0], "small-2": two_more_openboxes[1]}
    tenants = {}
    for name, count in SIZES.items():
        openboxes = OpenBoxesSandbox(urls[name])
        openboxes.reset("empty")
        if REALMS[name] != PLUS_REALM:
            QuickBooksSandbox(qbo).add_company(REALMS[name], f"Clinic {name}", "Plus", "USD", multicurrency=False)
        tenant = make_tenant(f"Clinic {name}")
        seed_connected_tenant(tenant, openboxes, QuickBooksSandbox(qbo, REALMS[name]))
        for n in range(count):
            openboxes.product(f"Gauze {name} {n}", f"G-{name}-{n}", "2.50")
        tenants[name] = tenant.id
    return tenants


def _wait_until_all_final(db, total: int, workers: list[subprocess.Popen], timeout: float = 120) -> None:
    """Watch the database (bounded) until every row is final, or a worker died."""
    final = (ActivityStatus.SYNCED, ActivityStatus.SKIPPED, ActivityStatus.SYNC_FAILED)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and all(worker.poll() is None for worker in workers):
        db.session.rollback()  # see the workers' commits
        done = db.session.scalar(select(func.count()).where(SyncActivity.status.in_(final)))
        if done == total:
            return
        time.sleep(0.2)


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


@pytest.mark.slow  # real worker processes, 180 records: about 15 s
def test_a_small_tenant_is_synced_while_a_big_import_is_still_running(
    qbo_app, qb, ob, two_more_openboxes, db, redis, tmp_path
):
    qb.control("PUT", "/throttle", {"window_seconds": WINDOW_SECONDS})
    qbo_app.config["QBO_RATE_WINDOW_SECONDS"] = WINDOW_SECONDS
    tenants = _tenants(ob, two_more_openboxes, qb.url)
    for name in SIZES:  # the big import is polled, and its pushes queued, first
        poll_tenant(tenants[name], "manual")
    settings = {"QBO_RATE_WINDOW_SECONDS": str(WINDOW_SECONDS)}
    workers = [start_worker(qbo_app.config, tmp_path / f"worker-{n}.log", settings) for n in (1, 2)]
    try:
        _wait_until_all_final(db, sum(SIZES.values()), workers)
    finally:
        _stop(workers)

    rows = db.session.scalars(select(SyncActivity).order_by(SyncActivity.updated_at, SyncActivity.id)).all()
    logs = "".join((tmp_path / f"worker-{n}.log").read_text()[-3000:] for n in (1, 2))
    assert [row.status for row in rows] == ["synced"] * sum(SIZES.values()), logs
    order = [name for row in rows for name, tenant_id in tenants.items() if row.tenant_id == tenant_id]
    half_of_big = [i for i, name in enumerate(order) if name == "big"][SIZES["big"] // 2 - 1]
    assert order.index("small-1") < half_of_big and order.index("small-2") < half_of_big, order
    throttled = {realm: counts.get("throttled", 0) for realm, counts in qb.counters()["realms"].items()}
    assert throttled == dict.fromkeys(REALMS.values(), 0)
