"""web → Redis → a real worker process → database, end to end."""

import pytest
from rq import Queue

from portal.models import AuditEvent
from tests.workers import run_burst_worker


@pytest.mark.slow
def test_ping_round_trips_through_a_real_worker(two_tenants, auth, redis, db, base_config):
    auth.login("help@bridge.test")
    response = auth.post("/admin/ping")
    assert response.status_code == 302
    queued = Queue("high", connection=redis).job_ids
    assert len(queued) == 1
    token = queued[0].removeprefix("ping-")

    finished = run_burst_worker(base_config, "high")

    assert finished.returncode == 0, finished.stdout
    db.session.rollback()
    rows = db.session.scalars(db.select(AuditEvent).filter_by(action="worker.ping")).all()
    assert [row.details["token"] for row in rows] == [token]
    assert Queue("high", connection=redis).is_empty()


@pytest.mark.slow
def test_cli_ping_waits_for_the_worker(app, redis, base_config):
    runner = app.test_cli_runner()
    nobody = runner.invoke(args=["jobs", "ping", "--wait", "1"])
    assert nobody.exit_code != 0
    assert "no worker answered" in nobody.output
    assert run_burst_worker(base_config, "high").returncode == 0
