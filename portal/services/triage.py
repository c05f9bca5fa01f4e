"""What a person does with activity rows: retry them now, or ignore them; each action audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.audit import record_event
from portal.engine import activity, drift
from portal.engine.ports import job_queue
from portal.engine.retry import retry_rows
from portal.extensions import db
from portal.models import SyncActivity
from portal.sync import advice
from portal.sync.entities import ActivityStatus

RETRY_REASON = "retry"  # jobs.queues.PushReason.RETRY


def retry_activities(activity_ids: list[int], tenant_id: int | None, requested_by: str) -> int:
    """Reset the retryable rows among ``activity_ids`` (of one tenant, or any for support), audit, queue them.

    Returns how many rows were queued for another try.
    """
    reset = retry_rows(activity_ids, tenant_id=tenant_id, requested_by=requested_by)
    owners = db.session.execute(select(SyncActivity.id, SyncActivity.tenant_id).where(SyncActivity.id.in_(reset)))
    for activity_id, owner in owners:
        record_event("activity.retried", tenant_id=owner, details={"activity_id": activity_id})
    db.session.commit()
    job_queue().pushes(reset, RETRY_REASON)
    return len(reset)


def repush_deleted(rows: list[SyncActivity], requested_by: str) -> int:
    """Push again the rows among ``rows`` whose QuickBooks document was deleted there; audit; how many."""
    reset = [row.id for row in rows if drift.reset_for_repush(row, requested_by)]
    for row in rows:
        if row.id in reset:
            record_event("activity.repushed", tenant_id=row.tenant_id, details={"activity_id": row.id})
    db.session.commit()
    job_queue().pushes(reset, RETRY_REASON)
    return len(reset)


def ignore_activities(rows: list[SyncActivity], ignored_by: str) -> int:
    """Mark the ignorable rows among ``rows`` skipped (they will not be pushed), audit each; how many."""
    ignored = [row for row in rows if activity.mark_ignored(row, ignored_by)]
    for row in ignored:
        record_event("activity.ignored", tenant_id=row.tenant_id, details={"activity_id": row.id})
    db.session.commit()
    return len(ignored)


@dataclass(frozen=True)
class Cause:
    """Sync Failed rows that share a cause: ``key`` (see ``advice.CAUSE_LABELS``), how many, one example reason."""

    key: str
    label: str
    count: int
    example: str


def failure_causes(tenant_id: int | None) -> list[Cause]:
    """The Sync Failed rows (of one tenant, or all) grouped by cause, the largest group first."""
    groups: dict[str, list[str]] = {}
    for _row_id, cause, message in _failed_rows(tenant_id):
        groups.setdefault(cause, []).append(message or "No reason recorded")
    causes = [Cause(key, advice.CAUSE_LABELS[key], len(texts), texts[0]) for key, texts in groups.items()]
    return sorted(causes, key=lambda cause: (-cause.count, cause.label))


def failed_ids_with_cause(tenant_id: int | None, cause: str) -> list[int]:
    """Ids of the Sync Failed rows (of one tenant, or all) whose cause is ``cause``."""
    return [row_id for row_id, key, _message in _failed_rows(tenant_id) if key == cause]


def _failed_rows(tenant_id: int | None):
    query = select(SyncActivity.id, SyncActivity.error_category, SyncActivity.qbo_error_code, SyncActivity.message)
    query = query.where(SyncActivity.status == ActivityStatus.SYNC_FAILED).order_by(SyncActivity.id)
    if tenant_id is not None:
        query = query.where(SyncActivity.tenant_id == tenant_id)
    for row_id, category, code, message in db.session.execute(query):
        yield row_id, advice.cause_of(category, code, message), message
