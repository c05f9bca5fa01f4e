"""``flask sync run --tenant SLUG [--wait]`` and ``flask sync enable --tenant SLUG``."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from jobs.queues import QUEUE_NAMES, enqueue_poll
from portal.extensions import db
from portal.models import SyncActivity, Tenant
from portal.redis_conn import get_redis
from portal.services.enable import enable_sync
from portal.sync.entities import ActivityStatus

sync_cli = AppGroup("sync", help="Run and watch syncs.")


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).filter_by(slug=slug))
    if tenant is None:
        raise click.UsageError(f"no tenant with slug {slug!r}")
    return tenant


def status_counts(tenant_id: int) -> dict[str, int]:
    query = select(SyncActivity.status, func.count()).filter_by(tenant_id=tenant_id).group_by(SyncActivity.status)
    db.session.rollback()  # see other processes' commits
    return dict(db.session.execute(query).all())


def _progress(counts: dict[str, int]) -> str:
    order = (
        ActivityStatus.QUEUED,
        ActivityStatus.SYNCING,
        ActivityStatus.RETRYING,
        ActivityStatus.SYNCED,
        ActivityStatus.SKIPPED,
        ActivityStatus.SYNC_FAILED,
    )
    return " ".join(f"{status}={counts.get(status, 0)}" for status in order)


@sync_cli.command("enable")
@click.option("--tenant", "slug", required=True)
def enable(slug: str) -> None:
    """Start syncing now: only records approved, shipped or changed from now on are pushed."""
    click.echo(enable_sync(_tenant(slug).id))


@sync_cli.command("run")
@click.option("--tenant", "slug", required=True)
@click.option("--wait", is_flag=True, help="work the queue in this process until it is drained")
def run(slug: str, wait: bool) -> None:
    """Poll the tenant's OpenBoxes once and queue the pushes; with --wait, also push them now."""
    tenant = _tenant(slug)
    enqueue_poll(tenant.id, "manual", slot=f"cli{time.time_ns()}")
    click.echo(f"poll queued for {tenant.slug}")
    if not wait:
        return
    redis = get_redis()
    queues = [Queue(name, connection=redis) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=redis).work(burst=True, logging_level="WARNING")
    click.echo(_progress(status_counts(tenant.id)))
    waiting = status_counts(tenant.id).get(ActivityStatus.RETRYING, 0)
    if waiting:
        click.echo(f"{waiting} row(s) wait for a scheduled retry; a running worker will pick them up")
