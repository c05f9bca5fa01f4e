"""What a person does with activity rows: retry them now, or ignore them; each action audited."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import record_event
from portal.engine import activity
from portal.engine.ports import job_queue
from portal.engine.retry import retry_rows
from portal.extensions import db
from portal.models import SyncActivity

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


def ignore_activities(rows: list[SyncActivity], ignored_by: str) -> int:
    """Mark the ignorable rows among ``rows`` skipped (they will not be pushed), audit each; how many."""
    ignored = [row for row in rows if activity.mark_ignored(row, ignored_by)]
    for row in ignored:
        record_event("activity.ignored", tenant_id=row.tenant_id, details={"activity_id": row.id})
    db.session.commit()
    return len(ignored)
