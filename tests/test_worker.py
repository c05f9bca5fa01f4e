"""web → Redis → a real worker process → database, end to end."""

import os
import subprocess
import sys
from pathlib import Path

from rq import Queue

from portal.models import AuditEvent

ROOT = Path(__file__).resolve().parent.parent


def run_burst_worker(base_config, *queues):
    """Run ``python -m jobs.worker --burst`` as a separate process against the test DB and Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": base_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": base_config["REDIS_URL"],
        "ENCRYPTION_KEYS": base_config["ENCRYPTION_KEYS"][0],
        "SECRET_KEY": base_config["SECRET_KEY"],
    }
    return subprocess.run(
        [sys.executable, "-m", "jobs.worker", "--burst", *queues],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ping_round_trips_through_a_real_worker(two_tenants, auth, redis, db, base_config):
    auth.login("help@bridge.test")
    response = auth.post("/admin/ping")
    assert response.status_code == 302
    queued = Queue("high", connection=redis).job_ids
    assert len(queued) == 1
    token = queued[0].removeprefix("ping-")

    finished = run_burst_worker(base_config, "high")

    assert finished.returncode == 0, finished.stderr
    db.session.rollback()
    rows = db.session.scalars(db.select(AuditEvent).filter_by(action="worker.ping")).all()
    assert [row.details["token"] for row in rows] == [token]
    assert Queue("high", connection=redis).is_empty()


def test_cli_ping_waits_for_the_worker(app, redis, base_config):
    runner = app.test_cli_runner()
    nobody = runner.invoke(args=["jobs", "ping", "--wait", "1"])
    assert nobody.exit_code != 0
    assert "no worker answered" in nobody.output
    assert run_burst_worker(base_config, "high").returncode == 0
