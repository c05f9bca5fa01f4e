"""``flask sync run --tenant SLUG [--wait [--timeout S]]`` and ``flask sync enable --tenant SLUG``."""

from __future__ import annotations

import signal
import time

import click
from flask.cli import AppGroup
from rq import Queue, SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from jobs.queues import QUEUE_NAMES, enqueue_poll
from portal.extensions import db
from portal.models import SyncRun, Tenant
from portal.redis_conn import get_redis
from portal.services.enable import enable_sync
from portal.services.preferences import run_status_counts
from portal.sync.entities import ActivityStatus

sync_cli = AppGroup("sync", help="Run and watch syncs.")

# A row is settled when nothing more will happen to it without a person: synced, failed or skipped (ignored).
UNSETTLED = (ActivityStatus.QUEUED, ActivityStatus.SYNCING, ActivityStatus.RETRYING)
SHOWN = (*UNSETTLED, ActivityStatus.SYNCED, ActivityStatus.SKIPPED, ActivityStatus.SYNC_FAILED)
CHECK_EVERY_SECONDS = 0.5
JOBS_PER_ROUND = 20  # the in-process worker hands back often enough to notice the timeout


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).filter_by(slug=slug))
    if tenant is None:
        raise click.UsageError(f"no tenant with slug {slug!r}")
    return tenant


def _progress(counts: dict[str, int]) -> str:
    return " ".join(f"{status}={counts.get(status, 0)}" for status in SHOWN)


def _left(counts: dict[str, int]) -> str:
    """``12 rows still queued, 3 retrying``."""
    parts = [(counts[status], status) for status in UNSETTLED if counts.get(status)]
    (first, status), rest = parts[0], parts[1:]
    head = f"{first} row{'s' if first != 1 else ''} still {status}"
    return ", ".join([head, *(f"{count} {status}" for count, status in rest)])


@sync_cli.command("enable")
@click.option("--tenant", "slug", required=True)
def enable(slug: str) -> None:
    """Start syncing now: only records approved, shipped or changed from now on are pushed."""
    click.echo(enable_sync(_tenant(slug).id))


@sync_cli.command("run")
@click.option("--tenant", "slug", required=True)
@click.option("--wait", is_flag=True, help="wait until every row of this run is synced, failed or skipped")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=900.0,
    show_default=True,
    help="with --wait: give up after this many seconds and exit 1, saying what is left",
)
def run(slug: str, wait: bool, timeout: float) -> None:
    """Poll the tenant's OpenBoxes once and queue the pushes; with --wait, follow the run until it settles.

    While waiting, this process also works the queues (so it needs no worker); a running worker may take
    any of the jobs, the poll included: the run is followed through its SyncRun either way.
    """
    tenant = _tenant(slug)
    job_id = enqueue_poll(tenant.id, "manual", slot=f"cli{time.time_ns()}")
    click.echo(f"poll queued for {tenant.slug}")
    if wait:
        _follow(tenant.id, job_id, timeout)


def _follow(tenant_id: int, job_id: str, timeout: float) -> None:
    """Work and watch until the run's rows are settled; raise ClickException (exit 1) on timeout or failure."""
    redis = get_redis()
    deadline = time.monotonic() + timeout
    run_id = None
    while True:
        _work_a_round(redis)
        run_id = run_id or _run_of_poll(job_id, redis)
        counts = _counts(tenant_id, run_id)
        if run_id is not None and not any(counts.get(status) for status in UNSETTLED):
            return _finish(run_id, counts)
        if time.monotonic() >= deadline:
            left = _left(counts) if run_id is not None else "the poll has not run yet (is a worker running?)"
            click.echo(_progress(counts))
            raise click.ClickException(f"timed out after {timeout:g} s: {left}")
        time.sleep(CHECK_EVERY_SECONDS)


def _work_a_round(redis) -> None:
    """Run what is queued (and due retries) here; jobs another worker already took are not touched."""
    queues = [Queue(name, connection=redis) for name in QUEUE_NAMES]
    worker = SimpleWorker(queues, connection=redis)
    # The worker takes over Ctrl-C; between rounds it must stop this command, not a finished worker.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.work(burst=True, with_scheduler=True, max_jobs=JOBS_PER_ROUND, logging_level="WARNING")
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _run_of_poll(job_id: str, redis) -> int | None:
    """The SyncRun id the poll job returned; None while it is queued or running."""
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError as missing:
        raise click.ClickException("the poll job is gone from Redis (expired or flushed): run it again") from missing
    status = job.get_status()
    if status == JobStatus.FINISHED:
        return int(job.return_value())
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        reason = (job.exc_info or "").strip().splitlines()[-1:] or [str(status)]
        raise click.ClickException(f"the poll failed: {reason[0]}")
    return None


def _counts(tenant_id: int, run_id: int | None) -> dict[str, int]:
    db.session.rollback()  # see what workers committed since
    return run_status_counts(tenant_id, run_id) if run_id is not None else {}


def _finish(run_id: int, counts: dict[str, int]) -> None:
    total = sum(counts.values())
    click.echo(f"run {run_id}: all {total} row{'s' if total != 1 else ''} settled")
    click.echo(_progress(counts))
    error = db.session.get(SyncRun, run_id).error
    if error:
        raise click.ClickException(f"the poll could not read everything: {error}")
