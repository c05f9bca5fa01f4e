"""Integration Activity rows: one per OpenBoxes record version, and every status change they go through.

Each function changes one row and leaves committing to the caller, except where a network call follows
(the state must be durable before we talk to QuickBooks).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import SyncActivity
from portal.models.base import utcnow
from portal.sync.entities import ActivityStatus
from portal.sync.errors import SyncError, describe_given_up
from portal.sync.names import stored_text
from portal.sync.snapshots import UNFETCHED_VERSION

PENDING = (ActivityStatus.QUEUED, ActivityStatus.RETRYING)


def record_version(
    tenant_id: int,
    entity: str,
    openboxes_id: str,
    version: str,
    *,
    number: str | None = None,
    label: str | None = None,
    amount: Decimal | None = None,
    run_id: int | None = None,
    snapshot: dict | None = None,
) -> SyncActivity | None:
    """Add a queued row for this record version; None when the version already has one.

    A row still waiting for OpenBoxes to serve this record (fetch failed) is continued instead: it gets
    this version and snapshot, so a record never has two rows for one change. Older pending rows of the
    same record are skipped as superseded: only the newest version is pushed.
    """
    maybe_open = _may_be_open(tenant_id, entity, openboxes_id, run_id)
    open_rows = _open_rows(tenant_id, entity, openboxes_id) if maybe_open else []
    waiting = [found for found in open_rows if found.version.startswith(UNFETCHED_VERSION)]
    if waiting and not version.startswith(UNFETCHED_VERSION):
        if waiting[0].status == ActivityStatus.SYNCING:
            return None  # its push is reading the record right now
        row = db.session.get(SyncActivity, waiting[0].id)
        return row if fill_unfetched(row, version, snapshot, number=number, label=label, run_id=run_id) else None
    row = SyncActivity(
        tenant_id=tenant_id,
        entity_type=entity,
        openboxes_id=openboxes_id,
        version=version,
        openboxes_number=_fit(number),
        label=_fit(label),
        amount=amount,
        run_id=run_id,
        snapshot=snapshot,
        status=ActivityStatus.QUEUED,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return None
    if open_rows:
        _supersede_older(row)
    return row


def _open_condition():
    waiting = and_(
        SyncActivity.version.startswith(UNFETCHED_VERSION),
        SyncActivity.status.in_((ActivityStatus.SYNC_FAILED, ActivityStatus.SYNCING)),
    )
    return or_(SyncActivity.status.in_(PENDING), waiting)


def _may_be_open(tenant_id: int, entity: str, openboxes_id: str, run_id: int | None) -> bool:
    """Whether the record had open rows when this poll run began (one query per run and entity, not per record).

    Rows a run adds are for other records (a poll stores each record once), so the set stays true for the run.
    """
    if run_id is None:
        return True
    known = db.session.info.setdefault("open_record_ids", {})
    if (run_id, entity) not in known:
        query = select(SyncActivity.openboxes_id).where(
            SyncActivity.tenant_id == tenant_id, SyncActivity.entity_type == entity, _open_condition()
        )
        known[(run_id, entity)] = set(db.session.scalars(query))
    return openboxes_id in known[(run_id, entity)]


def _open_rows(tenant_id: int, entity: str, openboxes_id: str) -> list:
    """``(id, version, status)`` of the record's pending rows, and of its fetch-failed rows that are Sync
    Failed or being pushed (columns only: this runs for every record a poll stores)."""
    query = select(SyncActivity.id, SyncActivity.version, SyncActivity.status).where(
        SyncActivity.tenant_id == tenant_id,
        SyncActivity.entity_type == entity,
        SyncActivity.openboxes_id == openboxes_id,
        _open_condition(),
    )
    return list(db.session.execute(query.order_by(SyncActivity.id)))


def waiting_row(tenant_id: int, entity: str, openboxes_id: str) -> SyncActivity | None:
    """The record's open fetch-failed row (queued, retrying, being pushed or Sync Failed), if any."""
    rows = _open_rows(tenant_id, entity, openboxes_id)
    found = next((row for row in rows if row.version.startswith(UNFETCHED_VERSION)), None)
    return None if found is None else db.session.get(SyncActivity, found.id)


def fill_unfetched(
    row: SyncActivity,
    version: str,
    snapshot: dict | None,
    *,
    number: str | None = None,
    label: str | None = None,
    run_id: int | None = None,
) -> bool:
    """Give a fetch-failed row the record OpenBoxes now served; False (row skipped) if that version has a row."""
    taken = select(SyncActivity.id).filter_by(
        tenant_id=row.tenant_id, entity_type=row.entity_type, openboxes_id=row.openboxes_id, version=version
    )
    if db.session.scalar(taken.limit(1)) is not None:
        mark_skipped(row, "OpenBoxes served the record again; this version of it is already on another row.")
        log_attempt(row, ActivityStatus.SKIPPED, row.message)
        return False
    row.version, row.snapshot = version, snapshot
    row.openboxes_number = _fit(number) or row.openboxes_number
    row.label = _fit(label) or row.label
    row.run_id = run_id or row.run_id
    if row.status != ActivityStatus.SYNCING:
        row.status, row.attempts, row.next_attempt_at = ActivityStatus.QUEUED, 0, None
    row.message = row.error_category = row.qbo_error_code = None
    log_attempt(row, "fetched", "OpenBoxes served the record; it is queued for QuickBooks")
    return True


MESSAGE_MAX = 10_000  # reasons quote OpenBoxes names, which may be 600 characters long


def _fit(text: str | None, limit: int = 255) -> str | None:
    """Display fields are capped (PostgreSQL enforces the column size; OpenBoxes names can be longer)."""
    return None if text is None else stored_text(text, limit)


def _supersede_older(row: SyncActivity) -> None:
    db.session.execute(
        update(SyncActivity)
        .where(
            SyncActivity.tenant_id == row.tenant_id,
            SyncActivity.entity_type == row.entity_type,
            SyncActivity.openboxes_id == row.openboxes_id,
            SyncActivity.id != row.id,
            SyncActivity.status.in_(PENDING),
        )
        .values(
            status=ActivityStatus.SKIPPED, message="Superseded by a newer version of this record.", updated_at=utcnow()
        )
        # No in-memory sync: evaluating the identity map per row made large polls quadratic.
        .execution_options(synchronize_session=False)
    )


def mark_synced(row: SyncActivity, qbo_id: str, message: str | None = None) -> None:
    row.status = ActivityStatus.SYNCED
    row.qbo_id = qbo_id
    row.message = message
    row.error_category = row.qbo_error_code = None
    row.outcome_unknown = False


def mark_skipped(row: SyncActivity, reason: str) -> None:
    row.status = ActivityStatus.SKIPPED
    row.message = stored_text(reason, MESSAGE_MAX)
    row.error_category = row.qbo_error_code = None


def mark_failed(row: SyncActivity, error: SyncError) -> None:
    """Sync Failed: shown in the panel with the plain-language reason; retried only by a person."""
    row.status = ActivityStatus.SYNC_FAILED
    _note_error(row, error)


def mark_given_up(row: SyncActivity, error: SyncError) -> None:
    """Sync Failed after a passing problem outlasted every retry: the reason says so (no "will retry")."""
    mark_failed(row, error)
    row.message = describe_given_up(error.message, row.attempts)


def mark_retrying(row: SyncActivity, error: SyncError, at: datetime) -> None:
    row.status = ActivityStatus.RETRYING
    row.next_attempt_at = at
    _note_error(row, error)


def mark_deferred(row: SyncActivity, error: SyncError, at: datetime) -> None:
    """Throttled or waiting: back to the queue without spending an attempt."""
    row.status = ActivityStatus.QUEUED if row.attempts <= 1 else ActivityStatus.RETRYING
    row.attempts = max(0, row.attempts - 1)
    row.next_attempt_at = at
    _note_error(row, error)


def mark_waiting_for_reconnect(row: SyncActivity, error: SyncError) -> None:
    """QuickBooks needs reconnecting: keep the row queued (no attempt spent) until it is."""
    row.status = ActivityStatus.QUEUED
    row.attempts = max(0, row.attempts - 1)
    _note_error(row, error)


def _note_error(row: SyncActivity, error: SyncError) -> None:
    row.error_category = error.category
    row.qbo_error_code = error.code
    row.message = stored_text(error.message, MESSAGE_MAX)
    row.outcome_unknown = bool(getattr(error, "outcome_unknown", False)) or row.outcome_unknown


def mark_ignored(row: SyncActivity, ignored_by: str) -> bool:
    """A person chose not to push this row (failed or waiting); it ends skipped. False if not ignorable."""
    if row.status not in (ActivityStatus.SYNC_FAILED, ActivityStatus.QUEUED, ActivityStatus.RETRYING):
        return False
    row.status = ActivityStatus.SKIPPED
    row.next_attempt_at = None
    row.message = f"Ignored by {ignored_by} on {utcnow():%Y-%m-%d %H:%M} UTC"
    log_attempt(row, "ignored", row.message)
    return True


ATTEMPT_LOG_LIMIT = 25


def log_attempt(row: SyncActivity, status: str | None = None, message: str | None = None) -> None:
    """Append the row's current outcome (or a person's action) to its attempt history, newest last."""
    entry = {
        "at": utcnow().isoformat(timespec="seconds"),
        "attempt": row.attempts,
        "status": status or row.status,
        "category": None if status else row.error_category,
        "code": None if status else row.qbo_error_code,
        "message": message if status else row.message,
    }
    # A new list (not an in-place append) so the ORM sees the JSON column change.
    row.attempt_log = [*(row.attempt_log or []), entry][-ATTEMPT_LOG_LIMIT:]


def due_at(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


def pending_rows(tenant_id: int) -> list[SyncActivity]:
    """Rows of a tenant still waiting to be pushed (queued or retrying), oldest first."""
    query = select(SyncActivity).where(SyncActivity.tenant_id == tenant_id, SyncActivity.status.in_(PENDING))
    return list(db.session.scalars(query.order_by(SyncActivity.id)))
