"""The clock dyno: ``python -m jobs.clock``. Once a minute it queues what is due; workers do the work.

Each tick:
- queues a poll for every tenant whose ``next_run_at`` has come (real-time every N minutes, scheduled
  once a day at HH:MM in the tenant's zone; manual never), then moves ``next_run_at`` on;
- queues the activity watchdog (every minute), token upkeep (every 10 minutes), failure digests (hourly) and
  the drift watch (daily: QuickBooks' change feed per realm);
- records ``clock:last_tick`` for ``/healthz``.

A loop of our own rather than RQ's ``CronScheduler``: that one is beta, reads cron strings in UTC, skips
runs missed while it was down and has no leader lock, and its schedule is fixed at start, while ours is
per tenant, edited in the console. Two clocks at once (a restart overlap on Heroku) are harmless: every
job id carries its slot (``unique=True``), and ``next_run_at`` moves only from the value the clock read.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from datetime import datetime

from sqlalchemy import or_, select, update

from jobs.queues import Maintenance, enqueue_maintenance, enqueue_poll, polling_tenant_ids
from portal import create_app
from portal.extensions import db
from portal.models import Tenant
from portal.models.base import utcnow
from portal.redis_conn import get_redis
from portal.sync.clock import Plan, Schedule, plan_run

log = logging.getLogger(__name__)

TICK_SECONDS = 60
HEARTBEAT_KEY = "clock:last_tick"
UPKEEP_EVERY_MINUTES = 10
DIGEST_EVERY_MINUTES = 60
DRIFT_EVERY_MINUTES = 24 * 60


def tick(now: datetime | None = None) -> list[str]:
    """One clock tick; returns the slots of the polls it queued."""
    now = now or utcnow()
    queue_maintenance(now)
    slots = dispatch_due_tenants(now)
    get_redis().set(HEARTBEAT_KEY, now.isoformat())
    return slots


def queue_maintenance(now: datetime) -> None:
    """The watchdog each minute, token upkeep each 10 minutes, digests hourly, whichever clock gets there first."""
    minute = int(now.timestamp() // 60)
    enqueue_maintenance(Maintenance.RECONCILE, minute)
    enqueue_maintenance(Maintenance.UPKEEP, minute // UPKEEP_EVERY_MINUTES)
    enqueue_maintenance(Maintenance.DIGEST, minute // DIGEST_EVERY_MINUTES)
    enqueue_maintenance(Maintenance.DRIFT, minute // DRIFT_EVERY_MINUTES)


def dispatch_due_tenants(now: datetime) -> list[str]:
    """Queue a poll for every tenant whose run is due and move each marker on; returns the queued slots."""
    tenants = db.session.scalars(
        select(Tenant).where(
            Tenant.sync_enabled_at.is_not(None),
            or_(Tenant.sync_mode != "manual", Tenant.next_run_at.is_not(None)),
        )
    ).all()
    busy = tenants_polling()
    slots = []
    for tenant in tenants:
        try:
            plan = plan_run(schedule_of(tenant), tenant.next_run_at, now)
        except ValueError as error:  # settings the console should have refused; the other tenants go on
            log.warning("clock: tenant=%s has an unusable schedule: %s", tenant.id, error)
            continue
        if plan.slot and tenant.id not in busy:
            enqueue_poll(tenant.id, plan.trigger, plan.slot)
            slots.append(plan.slot)
        _move_marker(tenant, plan)
    db.session.commit()
    return slots


def schedule_of(tenant: Tenant) -> Schedule:
    return Schedule(tenant.sync_mode, tenant.realtime_interval_minutes, tenant.daily_time, tenant.timezone)


def tenants_polling() -> set[int]:
    """Tenants with a poll queued or running: a due slot is skipped rather than piled behind it."""
    return polling_tenant_ids()


def _move_marker(tenant: Tenant, plan: Plan) -> None:
    """Compare-and-set: only from the value this clock read, so a second clock cannot move it twice."""
    if plan.next_run_at == tenant.next_run_at:
        return
    seen = Tenant.next_run_at.is_(None) if tenant.next_run_at is None else Tenant.next_run_at == tenant.next_run_at
    db.session.execute(
        update(Tenant)
        .where(Tenant.id == tenant.id, seen)
        .values(next_run_at=plan.next_run_at)
        .execution_options(synchronize_session=False)
    )


def seconds_to_next_minute(now: float) -> float:
    """Sleep until just after the next minute boundary, so ticks stay on the minute."""
    return TICK_SECONDS - (now % TICK_SECONDS) + 0.5


def main() -> None:
    app = create_app()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with app.app_context():
        while True:
            try:
                tick()
            except Exception:  # noqa: BLE001 - the clock must outlive a database or Redis outage
                log.exception("clock tick failed; trying again next minute")
            finally:
                db.session.remove()
            time.sleep(seconds_to_next_minute(time.time()))


if __name__ == "__main__":
    main()
