"""Maintenance jobs the clock queues: the activity watchdog (every minute), token upkeep (every 10 minutes), digests."""

from __future__ import annotations

import re
from datetime import timedelta

from jobs.queues import enqueue_push, get_queue
from portal.engine.digest import send_all_digests
from portal.engine.reconcile import reconcile
from portal.engine.upkeep import refresh_due_tokens
from portal.models.base import utcnow

PUSH_JOB_ID = re.compile(r"^push-(\d+)-")


def live_push_ids() -> set[int]:
    """Activity ids that have a push job waiting in Redis (queued, or scheduled for a retry).

    Started jobs do not count: a row being pushed is ``syncing``, and the watchdog only looks at those
    once they are stuck, i.e. when their worker is gone.
    """
    queue = get_queue("default")
    job_ids = [*queue.get_job_ids(), *queue.scheduled_job_registry.get_job_ids(cleanup=False)]
    return {int(match.group(1)) for job_id in job_ids if (match := PUSH_JOB_ID.match(job_id))}


def reconcile_activities(stuck_after_seconds: float | None = None, grace_seconds: float | None = None) -> dict:
    """Put stuck rows back and give every pending row without a job a new one (by id, once per minute)."""
    now = utcnow()
    result = reconcile(
        live_push_ids(),
        now,
        stuck_after=None if stuck_after_seconds is None else timedelta(seconds=stuck_after_seconds),
        grace=None if grace_seconds is None else timedelta(seconds=grace_seconds),
    )
    tag = f"-rc{int(now.timestamp() // 60)}"
    for activity_id, attempts in result.to_enqueue:
        enqueue_push(activity_id, attempt=attempts, tag=tag)
    return {"unstuck": result.unstuck, "failed": result.failed, "enqueued": [i for i, _ in result.to_enqueue]}


def refresh_tokens() -> dict:
    """Refresh QuickBooks tokens expiring soon (tenants in use) or not refreshed for a day (quiet tenants)."""
    return refresh_due_tokens().as_dict()


def send_digests() -> dict:
    """Failure digests and weekly reminders per tenant, and the support digest (hourly; only what is due)."""
    return send_all_digests().as_dict()
