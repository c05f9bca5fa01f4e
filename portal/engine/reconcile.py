"""The watchdog: the database says what work is pending; make sure every pending row has a job.

Redis only carries job ids, so a killed worker, a flushed or restarted Redis, or a lost scheduled retry
can leave a row with no job. Every minute (``jobs.maintenance.reconcile_activities``):

- rows stuck in ``syncing`` longer than ``SYNC_STUCK_SECONDS`` (longer than a push job may run) go back
  to ``retrying`` with ``outcome_unknown`` set, so the next attempt looks the document up in QuickBooks
  before creating it; when their attempts are used up they end Sync Failed instead;
- ``queued`` and ``retrying`` rows that are due and have no live job are handed back to be enqueued.

Only rows of tenants whose QuickBooks connection is ``connected`` are enqueued; the others wait for a
reconnect. A second delivery of the same row is harmless: ``push.claim`` lets one worker win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from portal.engine import activity
from portal.extensions import db
from portal.models import QuickBooksConnection, SyncActivity
from portal.models.base import utcnow
from portal.sync.entities import ActivityStatus

DEFAULT_STUCK_SECONDS = 600  # a push job times out after 180 s
DEFAULT_ORPHAN_GRACE_SECONDS = 120  # a poll commits its rows before it enqueues their pushes
INTERRUPTED = "The push was interrupted (the worker stopped or lost its queue); it will be checked in QuickBooks"


@dataclass
class ReconcileResult:
    """Rows put back from ``syncing``, rows that ended Sync Failed, and ``(id, attempts)`` to enqueue."""

    unstuck: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    to_enqueue: list[tuple[int, int]] = field(default_factory=list)


def reconcile(
    live_ids: set[int],
    now: datetime | None = None,
    *,
    stuck_after: timedelta | None = None,
    grace: timedelta | None = None,
) -> ReconcileResult:
    """Repair rows stuck in ``syncing`` and list the pending rows (not in ``live_ids``) that need a job."""
    now = now or utcnow()
    stuck_after = _setting("SYNC_STUCK_SECONDS", DEFAULT_STUCK_SECONDS) if stuck_after is None else stuck_after
    grace = _setting("SYNC_ORPHAN_GRACE_SECONDS", DEFAULT_ORPHAN_GRACE_SECONDS) if grace is None else grace
    result = ReconcileResult()
    max_attempts = len(current_app.config["SYNC_RETRY_DELAYS"]) + 1
    for row_id, attempts in _stuck_rows(now - stuck_after):
        if _release(row_id, now - stuck_after, exhausted=attempts >= max_attempts):
            (result.failed if attempts >= max_attempts else result.unstuck).append(row_id)
    db.session.commit()
    # A released row's own job died with its worker, whatever Redis still says about it.
    wanted = [row for row in _orphans(now, grace, result.unstuck) if row[0] not in live_ids or row[0] in result.unstuck]
    result.to_enqueue = wanted
    return result


def _orphans(now: datetime, grace: timedelta, unstuck: list[int]) -> list[tuple[int, int]]:
    """Pending rows of connected tenants that are due, and old enough that their job should exist."""
    connected = select(QuickBooksConnection.tenant_id).where(QuickBooksConnection.status == "connected")
    query = (
        select(SyncActivity.id, SyncActivity.attempts)
        .where(
            SyncActivity.status.in_(activity.PENDING),
            SyncActivity.tenant_id.in_(connected),
            or_(SyncActivity.next_attempt_at.is_(None), SyncActivity.next_attempt_at <= now),
            or_(SyncActivity.id.in_(unstuck), SyncActivity.updated_at <= now - grace),
        )
        .order_by(SyncActivity.id)
    )
    return [(row_id, attempts) for row_id, attempts in db.session.execute(query)]


def _setting(name: str, default: int) -> timedelta:
    return timedelta(seconds=float(current_app.config.get(name, default)))


def _stuck_rows(cutoff: datetime) -> list[tuple[int, int]]:
    query = select(SyncActivity.id, SyncActivity.attempts).where(
        SyncActivity.status == ActivityStatus.SYNCING, SyncActivity.updated_at < cutoff
    )
    return list(db.session.execute(query))


def _release(row_id: int, cutoff: datetime, *, exhausted: bool) -> bool:
    """Move one stuck row out of ``syncing``, unless its worker finished it meanwhile."""
    status = ActivityStatus.SYNC_FAILED if exhausted else ActivityStatus.RETRYING
    message = f"{INTERRUPTED}." if not exhausted else f"{INTERRUPTED}, but it has no attempts left: retry it."
    released = db.session.execute(
        update(SyncActivity)
        .where(
            and_(
                SyncActivity.id == row_id,
                SyncActivity.status == ActivityStatus.SYNCING,
                SyncActivity.updated_at < cutoff,
            )
        )
        .values(
            status=status,
            outcome_unknown=True,
            next_attempt_at=None,
            error_category="transient",
            qbo_error_code=None,
            message=message,
        )
        .execution_options(synchronize_session=False)
    )
    if released.rowcount != 1:
        return False
    row = db.session.get(SyncActivity, row_id)
    db.session.refresh(row)
    activity.log_attempt(row)
    return True
