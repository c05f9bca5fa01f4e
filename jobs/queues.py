"""Named queues on the process-wide Redis client, and the enqueue helpers the web side calls."""

from __future__ import annotations

import uuid

from rq import Queue
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
