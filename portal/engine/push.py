"""Push one Integration Activity row to QuickBooks and record what happened.

Each entity's pusher maps the row's snapshot (the record as polled) and writes it; dependencies
(vendor, customer, items) are ensured first. ``run_push`` owns the outcome: synced, skipped, retried
with backoff (transient), deferred (throttled), waiting (reconnect) or Sync Failed (permanent).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import update

from portal.engine import activity
from portal.engine.context import SyncContext, kept_across_commits, load_context
from portal.engine.diagnose import explain_failure
from portal.engine.documents import activity_request_id
from portal.engine.entities import HANDLERS
from portal.engine.reread import read_again
from portal.extensions import db
from portal.logs import log_context
from portal.models import SyncActivity
from portal.sync.backoff import retry_delay
from portal.sync.entities import ActivityStatus, Entity
from portal.sync.errors import AuthExpired, Conflict, NeedsReconnect, SkipRecord, SyncError, Throttled, Transient
from portal.sync.snapshots import UnfetchedSnapshot


@dataclass
class PushDecision:
    """What ``run_push`` decided: the row's status, and when to try again (seconds) if at all."""

    status: str
    retry_in: float | None = None


# --- name lists ---------------------------------------------------------------------------------


# --- transactions -------------------------------------------------------------------------------


# --- the outcome --------------------------------------------------------------------------------


def claim(activity_id: int) -> SyncActivity | None:
    """Atomically move a queued/retrying row to syncing (one worker wins a double delivery).

    The row comes back from the UPDATE itself (RETURNING) and the claim is left uncommitted: the caller
    commits it, with the realm and requestid, before any call leaves the process.
    """
    row = db.session.scalar(
        update(SyncActivity)
        .where(SyncActivity.id == activity_id, SyncActivity.status.in_(activity.PENDING))
        .values(status=ActivityStatus.SYNCING, attempts=SyncActivity.attempts + 1, next_attempt_at=None)
        .returning(SyncActivity)
        .execution_options(populate_existing=True)
    )
    if row is None:
        db.session.rollback()
    return row


def run_push(activity_id: int) -> PushDecision | None:
    """Push one row; None when the row was not pending (already done, or taken by another worker)."""
    row = claim(activity_id)
    if row is None:
        return None
    with log_context(tenant=row.tenant_id, activity=row.id, entity=row.entity_type), kept_across_commits():
        return push_claimed(row, activity_id)


def push_claimed(row: SyncActivity, activity_id: int) -> PushDecision:
    """Push a row this worker has claimed (``claim``) and settle it: committed, logged, decided."""
    try:
        if UnfetchedSnapshot.holds(row.snapshot):
            db.session.commit()  # the claim is durable before OpenBoxes is called
            read_again(row)  # OpenBoxes could not serve it when polled: read it now, on this row
        ctx = _claimed_context(row)
        row.realm_id = ctx.realm
        row.request_id = activity_request_id(ctx, row)
        db.session.commit()  # the claim with them; never hold a write transaction open across calls to QuickBooks
        written, amount = HANDLERS[Entity(row.entity_type)].push(ctx, row)
        activity.mark_synced(row, str(written["Id"]), "; ".join(ctx.notes) or None)
        if amount is not None:
            row.amount = amount
        outcome = PushDecision(ActivityStatus.SYNCED)
    except SkipRecord as skip:
        activity.mark_skipped(row, skip.reason)
        outcome = PushDecision(ActivityStatus.SKIPPED)
    except SyncError as error:
        db.session.rollback()
        row = db.session.get(SyncActivity, activity_id)
        outcome = handle_failure(row, error)
    activity.log_attempt(row)
    db.session.commit()
    return outcome


def _claimed_context(row: SyncActivity) -> SyncContext:
    """The tenant's context; when there is none (reconnect needed), the claim is committed first, so the
    attempt counts as it did before the claim and this commit were one."""
    try:
        return load_context(row.tenant_id)
    except SyncError:
        db.session.commit()
        raise


def handle_failure(row: SyncActivity, error: SyncError) -> PushDecision:
    """Settle a failed attempt: deferred, waiting, retried with backoff, or Sync Failed."""
    if isinstance(error, Throttled):
        activity.mark_deferred(row, error, activity.due_at(error.retry_after_seconds))
        return PushDecision(row.status, error.retry_after_seconds)
    if isinstance(error, NeedsReconnect):
        activity.mark_waiting_for_reconnect(row, error)
        return PushDecision(row.status)
    if isinstance(error, Transient | AuthExpired | Conflict):
        delay = retry_delay(row.attempts, current_app.config["SYNC_RETRY_DELAYS"])
        if delay is None:
            activity.mark_given_up(row, error)
            return PushDecision(ActivityStatus.SYNC_FAILED)
        activity.mark_retrying(row, error, activity.due_at(delay))
        return PushDecision(ActivityStatus.RETRYING, delay)
    activity.mark_failed(row, explain_failure(row, error))
    return PushDecision(ActivityStatus.SYNC_FAILED)
