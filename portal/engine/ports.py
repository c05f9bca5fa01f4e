"""What the pipeline asks of the job queue, without importing it: the engine never imports ``jobs``.

The app plugs the queue in (``jobs.queues.init_app``); engine code says what to queue and why, and the
queue module turns that into jobs with their ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app

PORT_NAME = "job_queue"


@dataclass(frozen=True)
class JobQueue:
    """``pushes(activity_ids, reason)`` with a ``jobs.queues.PushReason`` value; ``poll(tenant_id, trigger, slot)``."""

    pushes: Callable[[Iterable[int], str], None]
    poll: Callable[[int, str, str], None]
    # bulk_retry(activity_ids, tenant_id or None, requested_by, progress_key): one job retrying many rows
    bulk_retry: Callable[[list[int], int | None, str, str], None] | None = None


def job_queue() -> JobQueue:
    """The queue the current app was wired with."""
    return current_app.extensions[PORT_NAME]
