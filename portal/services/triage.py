"""What a person does with activity rows: retry them now, or ignore them; each action audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.audit import record_event, rows_by_entity
from portal.engine import activity, drift
from portal.engine.ports import job_queue
from portal.engine.retry import retry_rows
from portal.extensions import db
from portal.models import SyncActivity
from portal.redis_conn import get_redis
from portal.sync import advice
from portal.sync.entities import ActivityStatus

RETRY_REASON = "retry"  # jobs.queues.PushReason.RETRY
BULK_PROGRESS = "obqb:bulk-retry:"  # + the user's id: their last background retry (a Redis hash), for a day
PROGRESS_CHUNK = 2000  # rows queued between two progress updates


def retry_activities(activity_ids: list[int], tenant_id: int | None, requested_by: str) -> int:
    """Reset the retryable rows among ``activity_ids`` (of one tenant, or any for support), audit, queue them.

    One UPDATE resets them; one audit event per tenant (its audit log is what the tenant admin sees) lists
    the ids; the pushes are queued in pipelines. Returns how many rows were queued for another try.
    """
    reset = retry_rows(activity_ids, tenant_id=tenant_id, requested_by=requested_by)
    _audit_rows("activity.retried", reset)
    db.session.commit()
    job_queue().pushes([activity_id for activity_id, _owner, _entity in reset], RETRY_REASON)
    return len(reset)


def retry_in_background(activity_ids: list[int], tenant_id: int | None, requested_by: str, user_id: int) -> None:
    """Queue one job retrying ``activity_ids`` (too many to finish within a request); the user's progress key
    says it waits for a worker until the job writes its own progress."""
    key = f"{BULK_PROGRESS}{user_id}"
    _set_progress(key, total=len(activity_ids), queued=0, state="waiting")
    job_queue().bulk_retry(activity_ids, tenant_id, requested_by, key)


def retry_with_progress(activity_ids: list[int], tenant_id: int | None, requested_by: str, key: str) -> int:
    """What the background retry does: one UPDATE and one audit event per tenant, as a retry in a request
    does, then the pushes queued ``PROGRESS_CHUNK`` rows at a time, the progress written after each."""
    reset = retry_rows(activity_ids, tenant_id=tenant_id, requested_by=requested_by)
    _audit_rows("activity.retried", reset)
    db.session.commit()
    ids = [activity_id for activity_id, _owner, _entity in reset]
    for start in range(0, len(ids), PROGRESS_CHUNK):
        _set_progress(key, total=len(ids), queued=start, state="queueing")
        job_queue().pushes(ids[start : start + PROGRESS_CHUNK], RETRY_REASON)
    _set_progress(key, total=len(ids), queued=len(ids), state="done")
    return len(ids)


def bulk_retry_progress(user_id: int) -> str | None:
    """The user's last background retry in words, or None."""
    raw = get_redis().hgetall(f"{BULK_PROGRESS}{user_id}")
    values = {_text(key): _text(value) for key, value in raw.items()}
    if not values:
        return None
    total, queued, state = int(values["total"]), int(values["queued"]), values["state"]
    if state == "waiting":
        return f"Your retry of {total:,} row(s) is waiting for a worker."
    if state == "done":
        return f"Your retry is done: {total:,} row(s) queued for another try; their status changes as they are pushed."
    return f"Your retry: {queued:,} of {total:,} row(s) queued for another try so far."


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _set_progress(key: str, **fields) -> None:
    get_redis().hset(key, mapping=fields)
    get_redis().expire(key, 86400)


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
    _audit_rows("activity.ignored", [(row.id, row.tenant_id, row.entity_type) for row in ignored])
    db.session.commit()
    return len(ignored)


def _audit_rows(action: str, rows) -> None:
    """One audit event per tenant for a bulk action: how many rows, of which entities, and their ids."""
    by_tenant: dict[int, list[tuple[int, str]]] = {}
    for row_id, owner, entity in rows:
        by_tenant.setdefault(owner, []).append((row_id, entity))
    for owner, owned in by_tenant.items():
        ids = sorted(row_id for row_id, _ in owned)
        details = {"count": len(ids), "by_entity": rows_by_entity([e for _, e in owned]), "activity_ids": ids}
        record_event(action, tenant_id=owner, details=details)


@dataclass(frozen=True)
class Cause:
    """Sync Failed rows that share a cause: ``key`` (see ``advice.CAUSE_LABELS``), how many, one example reason."""

    key: str
    label: str
    count: int
    example: str


def failure_causes(tenant_id: int | None) -> list[Cause]:
    """The Sync Failed rows (of one tenant, or all) grouped by cause, the largest group first.

    Rows are grouped in SQL by what the cause is read from (category, code, message), so the dashboard
    classifies each distinct failure once, not every failed row.
    """
    counts: dict[str, int] = {}
    examples: dict[str, tuple[int, str]] = {}  # cause → (lowest row id, its message): the oldest example
    for first_id, category, code, message, number in _failed_groups(tenant_id):
        cause = advice.cause_of(category, code, message)
        counts[cause] = counts.get(cause, 0) + number
        if cause not in examples or first_id < examples[cause][0]:
            examples[cause] = (first_id, message or "No reason recorded")
    causes = [Cause(key, advice.CAUSE_LABELS[key], count, examples[key][1]) for key, count in counts.items()]
    return sorted(causes, key=lambda cause: (-cause.count, cause.label))


def _failed_groups(tenant_id: int | None):
    """(lowest id, category, code, message, rows) per distinct failure among the Sync Failed rows."""
    columns = (SyncActivity.error_category, SyncActivity.qbo_error_code, SyncActivity.message)
    query = select(func.min(SyncActivity.id), *columns, func.count()).where(
        SyncActivity.status == ActivityStatus.SYNC_FAILED
    )
    if tenant_id is not None:
        query = query.where(SyncActivity.tenant_id == tenant_id)
    return db.session.execute(query.group_by(*columns)).all()


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
