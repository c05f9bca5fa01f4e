"""Retrying rows by hand (one or in bulk): fresh attempts, then back to the queue.

One UPDATE resets every retryable row of a retry, however many (a support user retries tens of thousands
at once), with the attempt-history entry (``activity.log_attempt``'s shape) appended in the database
(PostgreSQL's jsonb, SQLite's JSON1).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import case, not_, text, update

from portal.engine.activity import ATTEMPT_LOG_LIMIT
from portal.extensions import db
from portal.models import SyncActivity
from portal.models.base import among, utcnow
from portal.sync.entities import ActivityStatus

RETRYABLE = (ActivityStatus.SYNC_FAILED, ActivityStatus.RETRYING, ActivityStatus.QUEUED)
# The row's history as an array (a NULL or JSON null history is empty), its oldest entry dropped when
# full, then the entry appended: ``[*log, entry][-ATTEMPT_LOG_LIMIT:]`` for a log within the limit.
APPEND_LOG = {
    "postgresql": (
        "(CASE WHEN jsonb_array_length({log}) >= {limit} THEN ({log}) - 0 ELSE {log} END"
        " || CAST(:retry_entry AS jsonb))::json",
        "CASE WHEN json_typeof(attempt_log) = 'array' THEN attempt_log::jsonb ELSE '[]'::jsonb END",
    ),
    "sqlite": (
        "json_insert(CASE WHEN json_array_length({log}) >= {limit} THEN json_remove({log}, '$[0]') ELSE {log} END,"
        " '$[#]', json(:retry_entry))",
        "CASE WHEN json_type(attempt_log) = 'array' THEN attempt_log ELSE '[]' END",
    ),
}


def retry_rows(
    activity_ids: Sequence[int], tenant_id: int | None = None, requested_by: str | None = None
) -> list[tuple[int, int, str]]:
    """Reset the retryable rows among ``activity_ids`` (optionally of one tenant) in one UPDATE.

    Attempts go back to 0; a row QuickBooks definitely refused gets a fresh requestid (its generation
    is bumped: a reused requestid would only replay the stored refusal). Returns (id, tenant id, entity)
    of the rows reset.
    """
    refused = (SyncActivity.status == ActivityStatus.SYNC_FAILED) & not_(SyncActivity.outcome_unknown)
    statement = (
        update(SyncActivity)
        .where(among(SyncActivity.id, activity_ids, _dialect()), SyncActivity.status.in_(RETRYABLE))
        .values(
            request_generation=SyncActivity.request_generation + case((refused, 1), else_=0),
            status=ActivityStatus.QUEUED,
            attempts=0,
            next_attempt_at=None,
            attempt_log=_appended_log(requested_by),
        )
        .returning(SyncActivity.id, SyncActivity.tenant_id, SyncActivity.entity_type)
    )
    if tenant_id is not None:
        statement = statement.where(SyncActivity.tenant_id == tenant_id)
    reset = [(row_id, owner, entity) for row_id, owner, entity in db.session.execute(statement)]
    db.session.commit()
    return reset


def _appended_log(requested_by: str | None):
    """SQL for the row's attempt log with the retry request appended (see ``activity.log_attempt``)."""
    entry = {
        "at": utcnow().isoformat(timespec="seconds"),
        "attempt": 0,
        "status": "retry_requested",
        "category": None,
        "code": None,
        "message": f"Retry requested by {requested_by or 'a person'}; attempts reset",
    }
    template, log = APPEND_LOG[_dialect()]
    return text(template.format(log=log, limit=ATTEMPT_LOG_LIMIT)).bindparams(retry_entry=json.dumps(entry))


def _dialect() -> str:
    return db.session.get_bind().dialect.name
