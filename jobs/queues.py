"""Named queues on the process-wide Redis client, and the enqueue helpers the web side calls."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import Job

from portal.redis_conn import get_redis

QUEUE_NAMES = ("high", "default", "low")


def get_queue(name: str = "default") -> Queue:
    """The named queue on the current app's Redis."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis())


def enqueue_ping() -> Job:
    """Send the trivial round-trip job (by dotted path, so the web never imports job modules)."""
    token = uuid.uuid4().hex
    return get_queue("high").enqueue("jobs.ping.ping_worker", token, job_id=f"ping-{token}", result_ttl=600)


def _enqueue_unique(queue: Queue, func: str, args: tuple, job_id: str, delay: float | None = None, **options):
    """Enqueue once per ``job_id``: a duplicate is already queued or ran, which is what we wanted."""
    options = {"job_id": job_id, "unique": True, "result_ttl": 600, "failure_ttl": 86400, **options}
    try:
        if delay:
            return queue.enqueue_in(timedelta(seconds=delay), func, *args, **options)
        return queue.enqueue(func, *args, **options)
    except DuplicateJobError:
        return None


def enqueue_push(activity_id: int, attempt: int, delay: float | None = None, tag: str = "") -> None:
    """Queue the push of one activity row (by id); ``attempt`` and ``tag`` keep retries distinct."""
    job_id = f"push-{activity_id}-{attempt}{tag}"
    _enqueue_unique(get_queue("default"), "jobs.sync.push_activity", (activity_id,), job_id, delay)


def enqueue_poll(tenant_id: int, trigger: str, slot: str) -> None:
    """Queue one poll of a tenant; ``slot`` (e.g. the minute) makes double clocks harmless."""
    job_id = f"poll-{tenant_id}-{re.sub(r'[^A-Za-z0-9_-]', '_', slot)}"
    _enqueue_unique(get_queue("high"), "jobs.sync.poll_tenant", (tenant_id, trigger), job_id, job_timeout=900)
