"""``flask sync run --wait`` follows its own run to the end, through both sandboxes, in-process or beside a worker."""

import subprocess
import sys
import time

import pytest
from rq import Queue, Worker
from rq.job import Job

from tests.sync_fixtures import activities
from tests.workers import ROOT, worker_env


def _products(ob, count: int) -> None:
    for n in range(count):
        ob.product(f"Sterile gauze {n}", f"GZ-{n}", "2.50")


def _sync_run(app, tenant, *args: str):
    return app.test_cli_runner().invoke(args=["sync", "run", "--tenant", tenant.slug, "--wait", *args])


@pytest.mark.slow
def test_wait_outlasts_throttle_deferrals_and_prints_the_runs_counts(qbo_app, tenant, ob, qb, db, redis):
    # One QuickBooks call per 2 s: two of the three pushes are deferred (queued, scheduled for later).
    qbo_app.config.update(QBO_RATE_BUDGET=1, QBO_RATE_WINDOW_SECONDS=2)
    _products(ob, 3)

    result = _sync_run(qbo_app, tenant)

    assert result.exit_code == 0, result.output
    rows = activities(db)
    assert [row.status for row in rows] == ["synced"] * 3
    assert f"run {rows[0].run_id}: all 3 rows settled" in result.output
    assert "queued=0 syncing=0 retrying=0 synced=3 skipped=0 sync_failed=0" in result.output
    assert len(qb.objects("Item")) == 3


@pytest.mark.slow
def test_wait_times_out_non_zero_saying_what_is_left(qbo_app, tenant, ob, qb, db, redis):
    qbo_app.config.update(QBO_RATE_BUDGET=1, QBO_RATE_WINDOW_SECONDS=60)
    _products(ob, 3)

    started = time.monotonic()
    result = _sync_run(qbo_app, tenant, "--timeout", "2")

    assert result.exit_code == 1, result.output
    assert "timed out after 2 s: 2 rows still queued" in result.output
    assert "queued=2 syncing=0 retrying=0 synced=1" in result.output
    assert time.monotonic() - started < 15


def _start_worker(config) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "jobs.worker"],
        cwd=ROOT,
        env=worker_env(config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _idle_worker(redis) -> Worker:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        idle = [worker for worker in Worker.all(connection=redis) if worker.get_state() == "idle"]
        if idle:
            time.sleep(0.5)  # from idle to blocked on the queues
            return idle[0]
        time.sleep(0.1)
    raise AssertionError("the worker never became idle")


@pytest.mark.slow
def test_wait_follows_the_run_when_a_running_worker_takes_the_poll(qbo_app, tenant, ob, qb, db, redis):
    _products(ob, 3)
    process = _start_worker(qbo_app.config)
    try:
        worker = _idle_worker(redis)
        result = _sync_run(qbo_app, tenant)
    finally:
        process.terminate()
        process.wait(timeout=30)

    assert result.exit_code == 0, result.output
    [poll_id] = Queue("high", connection=redis).finished_job_registry.get_job_ids()
    assert Job.fetch(poll_id, connection=redis).worker_name == worker.name  # not this process
    rows = activities(db)
    assert [row.status for row in rows] == ["synced"] * 3
    assert f"run {rows[0].run_id}: all 3 rows settled" in result.output
    assert len(qb.objects("Item")) == 3
