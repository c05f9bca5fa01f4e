"""Maintenance jobs the clock queues: the activity watchdog (every minute), token upkeep (every 10 minutes), digests."""

from __future__ import annotations

from datetime import timedelta

from jobs.queues import PushReason, enqueue_push, live_push_ids
from portal.engine.drift import watch_all
from portal.engine.reconcile import reconcile
from portal.engine.upkeep import refresh_due_tokens
from portal.models.base import utcnow
from portal.services.digest import send_all_digests

__all__ = ["live_push_ids", "reconcile_activities", "refresh_tokens", "send_digests", "watch_drift"]


def reconcile_activities(stuck_after_seconds: float | None = None, grace_seconds: float | None = None) -> dict:
    """Put stuck rows back and give every pending row without a job a new one (by id, once per minute)."""
    now = utcnow()
    result = reconcile(
        live_push_ids(),
        now,
        stuck_after=None if stuck_after_seconds is None else timedelta(seconds=stuck_after_seconds),
        grace=None if grace_seconds is None else timedelta(seconds=grace_seconds),
    )
    for activity_id, attempts in result.to_enqueue:
        enqueue_push(activity_id, PushReason.WATCHDOG, attempt=attempts, now=now.timestamp())
    return {"unstuck": result.unstuck, "failed": result.failed, "enqueued": [i for i, _ in result.to_enqueue]}


def refresh_tokens() -> dict:
    """Refresh QuickBooks tokens expiring soon (tenants in use) or not refreshed for a day (quiet tenants)."""
    return refresh_due_tokens().as_dict()


def send_digests() -> dict:
    """Failure digests and weekly reminders per tenant, and the support digest (hourly; only what is due)."""
    return send_all_digests().as_dict()


def watch_drift() -> dict:
    """Read each realm's QuickBooks change feed (once a day) and flag synced rows edited or deleted there."""
    return watch_all(utcnow()).as_dict()
