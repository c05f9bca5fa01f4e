"""Sync jobs: ids in, the engine does the work, the outcome is committed. Nothing else lives here."""

from __future__ import annotations

from flask import current_app

from jobs.queues import PushReason, enqueue_batch, enqueue_push, enqueue_pushes, fairness_keys
from portal.engine.batch import run_push_batch
from portal.engine.poll import poll_tenant as run_poll
from portal.engine.push import run_push
from portal.engine.retry import retry_rows
from portal.services import triage


def push_activity(activity_id: int) -> str | None:
    """Push one Integration Activity row; schedule its next attempt when the engine asks for one."""
    outcome = run_push(activity_id)
    if outcome is None:
        return None
    if outcome.retry_in is not None:
        enqueue_push(activity_id, PushReason.BACKOFF, delay=outcome.retry_in)
    return outcome.status


def push_batch(activity_ids: list[int]) -> dict[str, int]:
    """Push up to 30 rows of one tenant in one QuickBooks batch; schedule the rows that must come back.

    Rows sent back together (a throttled batch) come back as one batch; a few stragglers come back alone.
    """
    outcomes = run_push_batch(activity_ids)
    later = [
        (activity_id, outcome.retry_in) for activity_id, outcome in outcomes.items() if outcome.retry_in is not None
    ]
    if len(later) >= current_app.config["SYNC_BATCH_MIN_ROWS"]:
        ids = [activity_id for activity_id, _ in later]
        enqueue_batch(ids, PushReason.BACKOFF, key=fairness_keys(ids[:1]).get(ids[0]), delay=max(d for _, d in later))
    else:
        for activity_id, delay in later:
            enqueue_push(activity_id, PushReason.BACKOFF, delay=delay)
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


def poll_tenant(tenant_id: int, trigger: str = "manual") -> int:
    """Poll a tenant's OpenBoxes for new versions; queue a push for each. Returns the SyncRun id."""
    run = run_poll(tenant_id, trigger)
    enqueue_pushes(run.queued_ids, PushReason.POLLED)
    for activity_id, delay in run.retry_later:  # records OpenBoxes could not serve: read again after the backoff
        enqueue_push(activity_id, PushReason.BACKOFF, delay=delay)
    return run.run_id


def retry_activities(activity_ids: list[int]) -> int:
    """Reset the given failed rows (attempts 0, fresh requestid after a refusal) and queue them again."""
    ids = [activity_id for activity_id, _tenant, _entity in retry_rows(activity_ids)]
    enqueue_pushes(ids, PushReason.RETRY)
    return len(ids)


def bulk_retry(activity_ids: list[int], tenant_id: int | None, requested_by: str, progress_key: str) -> int:
    """A large retry a person asked for in the console, its progress kept for the activity list."""
    return triage.retry_with_progress(activity_ids, tenant_id, requested_by, progress_key)
