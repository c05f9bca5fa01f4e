"""One poll of a tenant's OpenBoxes: find new record versions since the watermarks, queue a row for each.

Per entity: products and suppliers by ``lastUpdated`` descending with an overlap and
content hashes (``portal.sync.watermark.Scan``); purchase orders by a rolling re-scan window (their
list has no lastUpdated and lags); outbound shipments newest first until a page holds only shipments
already seen; adjustments by date range. Watermarks move only after the rows are committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from portal.engine.entities import HANDLERS
from portal.engine.openboxes import openboxes_client
from portal.engine.opening import take_opening
from portal.extensions import db
from portal.logs import log_context
from portal.models import SyncRun, Tenant
from portal.models.base import utcnow
from portal.sync.entities import POLLED, ActivityStatus
from portal.sync.errors import SyncError

log = logging.getLogger(__name__)


@dataclass
class PollResult:
    """The run, the rows to push now, and ``(row id, seconds)`` of records OpenBoxes could not serve yet."""

    run_id: int
    queued_ids: list[int] = field(default_factory=list)
    retry_later: list[tuple[int, float]] = field(default_factory=list)


def poll_tenant(tenant_id: int, trigger: str) -> PollResult:
    """Poll every enabled entity; a failing entity is noted on the run and the others go on."""
    with log_context(tenant=tenant_id):
        result = _poll(tenant_id, trigger)
    log.info("poll finished trigger=%s run=%s queued=%s", trigger, result.run_id, len(result.queued_ids))
    return result


def _poll(tenant_id: int, trigger: str) -> PollResult:
    tenant = db.session.get(Tenant, tenant_id)
    run = SyncRun(tenant_id=tenant_id, trigger=trigger)
    db.session.add(run)
    db.session.commit()
    result, errors = PollResult(run.id), []
    with openboxes_client(tenant_id) as client:
        _read_missing_opening(tenant, client, errors)
        for entity, poller in enabled_pollers(tenant):
            try:
                rows = poller(tenant, client, run.id)
            except SyncError as error:
                db.session.rollback()
                errors.append(f"{entity}: {error.message}")
                continue
            _sort_rows(result, rows)
    run = db.session.get(SyncRun, result.run_id)
    run.fetched = run.queued = len(result.queued_ids)
    run.error = "; ".join([*errors, *([run.error] if run.error else [])]) or None
    run.finished_at = utcnow()
    db.session.commit()
    return result


def _read_missing_opening(tenant: Tenant, client, errors: list[str]) -> None:
    """Opening stock on without its baseline (OpenBoxes was down when the start was set): read it now, before
    any item is created; until then item pushes wait (``OPENING_PENDING``) instead of starting at 0."""
    if not tenant.opening_stock or tenant.opening_baseline or tenant.sync_enabled_at is None:
        return
    try:
        take_opening(tenant, client)
        db.session.commit()
    except SyncError as error:
        db.session.rollback()
        errors.append(f"opening stock: {error.message}")


def _sort_rows(result: PollResult, rows: list) -> None:
    """Queued rows are pushed now; a record OpenBoxes could not serve waits for its retry (or a person)."""
    for row in rows:
        if row.status == ActivityStatus.QUEUED:
            result.queued_ids.append(row.id)
        elif row.status == ActivityStatus.RETRYING and row.next_attempt_at is not None:
            result.retry_later.append((row.id, max(0.0, (row.next_attempt_at - utcnow()).total_seconds())))


def enabled_pollers(tenant: Tenant):
    """The tenant's switched-on entities in registry order (dependencies first), each with its poller."""
    return [(spec.entity.value, HANDLERS[spec.entity].poll) for spec in POLLED if getattr(tenant, spec.toggle)]
