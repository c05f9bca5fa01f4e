"""Named queues, and the one place that knows job identity: what a job's id is made of, and why it was queued.

A job id is what makes enqueueing exactly-once (``unique=True``): the same id twice is one job. So each
id carries what it is for (the activity row, the tenant) and a slot that makes a deliberate re-queue a new
job while a double one (two clocks, a double click) stays one. Callers say *why* they queue
(``PushReason``); the reason and attempt are also kept in the job's meta, so nobody reads them back from
the id. Only this module reads ids, and only for the row or tenant they belong to.

Pushes are fair across QuickBooks companies: each push job carries an RQ ``RateLimit`` keyed by its
realm, so at most ``SYNC_REALM_CONCURRENCY`` jobs of one realm sit in the queue or run at once; the rest
wait in Redis, oldest first, and each finished job lets the next one of its realm in at the back of the
queue. A big import therefore takes its turn with every other realm instead of standing in front of them.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import current_app
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from rq.rate_limit import RateLimit, RateLimitRegistry
from sqlalchemy import select

from portal.engine.batch import BATCH_MAX_ITEMS, BATCHABLE
from portal.engine.ports import PORT_NAME, JobQueue
from portal.extensions import db
from portal.models import QuickBooksConnection, SyncActivity
from portal.models.base import among
from portal.redis_conn import get_redis

QUEUE_NAMES = ("high", "default", "low")
HOUR = 3600
DAY = 24 * HOUR
PIPELINE_CHUNK = 1000  # push jobs per Redis pipeline
PUSH_FUNC = "jobs.sync.push_activity"
PUSH_BATCH_FUNC = "jobs.sync.push_batch"
PUSH_GUARD = "obqb:push-once:"  # + job id: claimed for a day, the window unique=True would give
REALM_KEY_PREFIX = "push-"  # RQ rate-limit keys of push jobs: push-realm-<realm> or push-tenant-<id>


class PushReason(StrEnum):
    """Why a push is queued; each reason has its own slot in the job id (see ``push_job_id``)."""

    POLLED = "polled"  # a poll stored a new version: once per row
    BACKOFF = "backoff"  # the engine asked for a later attempt: once per millisecond
    RETRY = "retry"  # a user or the CLI asked for another try: once per millisecond
    RECONNECT = "reconnect"  # QuickBooks was connected again: once per second
    WATCHDOG = "watchdog"  # the row had no job: once per minute and attempt


class Maintenance(StrEnum):
    """The clock's periodic jobs; ``slot`` (minute, ten minutes, hour…) is chosen by the clock."""

    RECONCILE = "reconcile"
    UPKEEP = "upkeep"
    DIGEST = "digest"
    DRIFT = "drift"


# ttl: a pass nobody picked up in its own window is dropped, not piled up behind a missing worker.
# The finished digest is kept for the whole hour: its id is what stops the next tick queueing it again.
MAINTENANCE_JOBS = {
    Maintenance.RECONCILE: ("high", "jobs.maintenance.reconcile_activities", {"job_timeout": 120, "ttl": 120}),
    Maintenance.UPKEEP: ("high", "jobs.maintenance.refresh_tokens", {"job_timeout": 600, "ttl": 600}),
    Maintenance.DIGEST: ("low", "jobs.maintenance.send_digests", {"job_timeout": 600, "ttl": HOUR, "result_ttl": HOUR}),
    Maintenance.DRIFT: ("low", "jobs.maintenance.watch_drift", {"job_timeout": 1800, "ttl": HOUR, "result_ttl": DAY}),
}
PUSH_ROW = re.compile(r"^push-(\d+)-")
PUSH_BATCH = re.compile(r"^pushbatch-")
POLL_TENANT = re.compile(r"^poll-(\d+)-")


def get_queue(name: str = "default") -> Queue:
    """The named queue on the current app's Redis."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis())


def init_app(app) -> None:
    """Plug the queue into the engine's port: the engine asks for jobs without importing ``jobs``."""
    app.extensions[PORT_NAME] = JobQueue(pushes=enqueue_pushes, poll=enqueue_poll, bulk_retry=enqueue_bulk_retry)


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


def push_job_id(activity_id: int, reason: PushReason, attempt: int = 0, now: float | None = None) -> str:
    """``push-{row}-{attempt}{slot}``: the row first (the watchdog reads it), then what keeps re-queues distinct."""
    now = time.time() if now is None else now
    slot = {
        PushReason.POLLED: "",
        # Milliseconds: a retry that fails within a second of being scheduled must not get its own id back.
        PushReason.BACKOFF: f"-at{int(now * 1000)}",
        PushReason.RETRY: f"-r{int(now * 1000)}",
        PushReason.RECONNECT: f"-reconnect{int(now)}",
        PushReason.WATCHDOG: f"-rc{int(now // 60)}",
    }[reason]
    return f"push-{activity_id}-{-1 if reason is PushReason.BACKOFF else attempt}{slot}"


def enqueue_push(
    activity_id: int,
    reason: PushReason = PushReason.POLLED,
    *,
    attempt: int = 0,
    delay: float | None = None,
    now: float | None = None,
) -> None:
    """Queue the push of one activity row (by id), once per reason and slot; ``delay`` seconds from now."""
    reason = PushReason(reason)
    job_id = push_job_id(activity_id, reason, attempt, now)
    key = fairness_keys([activity_id]).get(activity_id)
    _enqueue_push_job(activity_id, job_id, key, {"reason": reason.value, "attempt": attempt}, delay)


@dataclass(frozen=True)
class PushJob:
    """One push job to queue: of a row (``rows`` an id) or of a batch (a list of ids), its id, its realm's
    rate-limit key (None for a row that does not exist), its meta and the job function."""

    rows: int | list[int]
    job_id: str
    key: str | None
    meta: dict
    func: str = PUSH_FUNC


def enqueue_pushes(activity_ids: Iterable[int], reason: PushReason | str) -> None:
    """Queue pushes of several rows for one reason, all in the same slot.

    A company's backlog of document creates (``SYNC_BATCH_MIN_ROWS`` or more, in this call) goes in batch
    jobs of up to 30 rows each; the rest, and every row of a small poll, get a push job of their own. Jobs
    (batch or single) are queued in the rows' order (a batch where its first row was: a realm's dependencies
    before its documents), two Redis round trips per ``PIPELINE_CHUNK`` jobs (a bulk retry of 10,000 rows
    is a handful of pipelines, not 50,000 round trips).
    """
    now, reason = time.time(), PushReason(reason)
    ids = list(activity_ids)
    keys = fairness_keys(ids)
    batches, singles = batch_groups(ids, keys)
    first_of = {rows[0]: rows for rows in batches}
    position = {activity_id: index for index, activity_id in enumerate(ids)}
    meta = {"reason": reason.value, "attempt": 0}
    jobs = [
        batch_push_job(first_of[pk], reason, keys.get(pk), now)
        if pk in first_of
        else PushJob(pk, push_job_id(pk, reason, 0, now), keys.get(pk), meta)
        for pk in sorted([*singles, *first_of], key=position.__getitem__)
    ]
    queue = get_queue("default")
    for start in range(0, len(jobs), PIPELINE_CHUNK):
        _enqueue_pipelined(queue, jobs[start : start + PIPELINE_CHUNK])


def _enqueue_pipelined(queue: Queue, jobs: list[PushJob]) -> None:
    """Claim each job id (one pipeline), then enqueue the claimed ones: rate-limited per realm in one
    pipeline, rows that do not exist (no realm, no fairness needed) with ``Queue.enqueue_many``."""
    redis = queue.connection
    with redis.pipeline(transaction=False) as pipe:
        for job in jobs:
            pipe.set(f"{PUSH_GUARD}{job.job_id}", 1, nx=True, ex=DAY)
        claimed = [job for job, fresh in zip(jobs, pipe.execute(), strict=True) if fresh]
    if not claimed:
        return
    try:
        if plain := [job for job in claimed if job.key is None]:
            options = {"result_ttl": 600, "failure_ttl": DAY}
            queue.enqueue_many(
                [Queue.prepare_data(j.func, (j.rows,), job_id=j.job_id, meta=j.meta, **options) for j in plain]
            )
        _enqueue_rate_limited(queue, [job for job in claimed if job.key is not None])
    except BaseException:
        redis.delete(*(f"{PUSH_GUARD}{job.job_id}" for job in claimed))
        raise


def _enqueue_rate_limited(queue: Queue, jobs: list[PushJob]) -> None:
    """Push jobs through their realm's rate limit: one pipeline saves them all as waiting (ranked by when
    each was queued: one ZADD per realm), then lets each realm's first ones in with one run of RQ's
    acquire script per realm.

    What ``Queue.enqueue(rate_limit=…)`` does per job (register the realm, save, rank, acquire), batched:
    ``enqueue_many`` takes no rate limit (rq 3.0) and ``enqueue_job`` refuses a pipeline for one.
    """
    if not jobs:
        return
    concurrency, redis = current_app.config["SYNC_REALM_CONCURRENCY"], queue.connection
    version = queue.get_redis_server_version()
    registries: dict[str, RateLimitRegistry] = {}
    ranks: dict[str, dict[str, float]] = {}
    with redis.pipeline() as pipe:
        pipe.sadd(queue.redis_queues_keys, queue.key)
        for push in jobs:
            limit = RateLimit(key=push.key, concurrency=concurrency)
            options = {"result_ttl": 600, "failure_ttl": DAY, "meta": push.meta, "rate_limit": limit}
            job = queue.create_job(push.func, (push.rows,), job_id=push.job_id, **options)
            job.redis_server_version, job.origin, job._status = version, queue.name, JobStatus.RATE_LIMITED
            job.timeout = queue._default_timeout
            if limit.key not in registries:
                registries[limit.key] = RateLimitRegistry.from_job(job)
                registries[limit.key].register(concurrency, pipe)
            job.save(pipeline=pipe)
            # Ranked by the time queued, not by whole seconds then id as text (see _enqueue_push_job).
            ranks.setdefault(limit.key, {})[push.job_id] = time.time()
        for key, registry in registries.items():
            pipe.zadd(registry.rate_limited_key, ranks[key])
            registry.acquire_and_enqueue(concurrency, pipeline=pipe)
        pipe.execute()


def batch_groups(activity_ids: list[int], keys: dict[int, str]) -> tuple[list[list[int]], list[int]]:
    """Rows to push in batches (each ≤ 30 rows of one tenant, in queueing order), and rows to push alone."""
    minimum = current_app.config["SYNC_BATCH_MIN_ROWS"]
    tenants, order = {}, {activity_id: index for index, activity_id in enumerate(activity_ids)}
    query = select(SyncActivity.id, SyncActivity.tenant_id).where(
        among(SyncActivity.id, activity_ids, db.session.get_bind().dialect.name),
        SyncActivity.entity_type.in_(BATCHABLE),
    )
    tenants.update(dict(db.session.execute(query).all()))
    groups: dict[tuple, list[int]] = {}
    for activity_id in sorted(tenants, key=order.__getitem__):
        if activity_id in keys:
            groups.setdefault((keys[activity_id], tenants[activity_id]), []).append(activity_id)
    batches = [
        rows[i : i + BATCH_MAX_ITEMS]
        for rows in groups.values()
        if len(rows) >= minimum
        for i in range(0, len(rows), BATCH_MAX_ITEMS)
    ]
    batched = {activity_id for rows in batches for activity_id in rows}
    return batches, [activity_id for activity_id in activity_ids if activity_id not in batched]


def batch_job_id(activity_ids: list[int], reason: PushReason, now: float) -> str:
    """``pushbatch-{first row}-{rows}-{reason}{milliseconds}``: a double enqueue of one batch stays one job."""
    digest = hashlib.sha256(",".join(map(str, activity_ids)).encode()).hexdigest()[:12]
    return f"pushbatch-{activity_ids[0]}-{digest}-{reason.value}{int(now * 1000)}"


def batch_push_job(activity_ids: list[int], reason: PushReason, key: str | None, now: float) -> PushJob:
    """The batch push job of these rows (one tenant)."""
    meta = {"reason": reason.value, "rows": len(activity_ids)}
    return PushJob(activity_ids, batch_job_id(activity_ids, reason, now), key, meta, func=PUSH_BATCH_FUNC)


def enqueue_batch(
    activity_ids: list[int],
    reason: PushReason,
    *,
    key: str | None,
    delay: float | None = None,
    now: float | None = None,
) -> None:
    """Queue one batch push of these rows (one tenant), through their realm's rate limit like single pushes."""
    job = batch_push_job(activity_ids, reason, key, time.time() if now is None else now)
    _enqueue_push_job(activity_ids, job.job_id, key, job.meta, delay, func=job.func)


def fairness_keys(activity_ids: list[int]) -> dict[int, str]:
    """The rate-limit key of each row's push: its QuickBooks realm (or its tenant before one is connected)."""
    query = (
        select(SyncActivity.id, SyncActivity.tenant_id, QuickBooksConnection.realm_id)
        .outerjoin(QuickBooksConnection, QuickBooksConnection.tenant_id == SyncActivity.tenant_id)
        .where(among(SyncActivity.id, activity_ids, db.session.get_bind().dialect.name))
    )
    return {
        row_id: f"{REALM_KEY_PREFIX}realm-{realm}" if realm else f"{REALM_KEY_PREFIX}tenant-{tenant_id}"
        for row_id, tenant_id, realm in db.session.execute(query)
    }


def _enqueue_push_job(
    activity_id: int | list[int],
    job_id: str,
    key: str | None,
    meta: dict,
    delay: float | None = None,
    func: str = PUSH_FUNC,
):
    """One push job (of a row, or a batch of rows), through its realm's rate limit; a row that does not
    exist needs no fairness."""
    queue = get_queue("default")
    if key is None:
        return _enqueue_unique(queue, func, (activity_id,), job_id, delay, meta=meta)
    # RQ refuses unique=True on rate-limited jobs, so the id is claimed here, for as long as a failed
    # job is kept (the same window unique=True gives).
    redis = queue.connection
    guard = f"{PUSH_GUARD}{job_id}"
    if not redis.set(guard, 1, nx=True, ex=DAY + int(delay or 0)):
        return None
    limit = RateLimit(key=key, concurrency=current_app.config["SYNC_REALM_CONCURRENCY"])
    options = {"job_id": job_id, "result_ttl": 600, "failure_ttl": DAY, "meta": meta, "rate_limit": limit}
    try:
        if delay:
            return queue.enqueue_in(timedelta(seconds=delay), func, activity_id, **options)
        job = queue.enqueue(func, activity_id, **options)
    except BaseException:
        redis.delete(guard)
        raise
    # RQ ranks waiting jobs by whole seconds, then by id as text ("push-10" before "push-9"): rank them by
    # the time they were queued, so a realm's rows go in the order the poll queued them (dependencies first).
    redis.zadd(RateLimitRegistry(key, redis).rate_limited_key, {job_id: time.time()}, xx=True)
    return job


def enqueue_bulk_retry(activity_ids: list[int], tenant_id: int | None, requested_by: str, progress_key: str) -> None:
    """One job retrying many rows (``jobs.sync.bulk_retry``), on the high queue: not behind the pushes it queues."""
    get_queue("high").enqueue(
        "jobs.sync.bulk_retry",
        activity_ids,
        tenant_id,
        requested_by,
        progress_key,
        job_timeout=1800,
        result_ttl=600,
        failure_ttl=DAY,
    )


def enqueue_poll(tenant_id: int, trigger: str, slot: str) -> str:
    """Queue one poll of a tenant; ``slot`` (e.g. the minute) makes double clocks harmless. Returns the job id."""
    job_id = f"poll-{tenant_id}-{re.sub(r'[^A-Za-z0-9_-]', '_', slot)}"
    _enqueue_unique(get_queue("high"), "jobs.sync.poll_tenant", (tenant_id, trigger), job_id, job_timeout=900)
    return job_id


def enqueue_maintenance(task: Maintenance, slot: int) -> None:
    """Queue one periodic job for its slot; whichever clock gets there first queues it."""
    queue_name, func, options = MAINTENANCE_JOBS[task]
    _enqueue_unique(get_queue(queue_name), func, (), f"{task.value}-{slot}", **options)


def live_push_ids() -> set[int]:
    """Activity ids that have a push job waiting in Redis (queued, or scheduled for a retry).

    Jobs waiting behind their realm's rate limit count. Started jobs do not: a row being pushed is
    ``syncing``, and the watchdog only looks at those once they are stuck, i.e. when their worker is gone.
    """
    queue = get_queue("default")
    job_ids = [*queue.get_job_ids(), *queue.scheduled_job_registry.get_job_ids(cleanup=False)]
    job_ids += waiting_for_their_realm(queue.connection)
    rows = {int(match.group(1)) for job_id in job_ids if (match := PUSH_ROW.match(job_id))}
    return rows | batch_rows([job_id for job_id in job_ids if PUSH_BATCH.match(job_id)], queue.connection)


def batch_rows(job_ids: list[str], connection) -> set[int]:
    """The rows of waiting batch push jobs (their ids are the job's one argument)."""
    jobs = Job.fetch_many(job_ids, connection=connection) if job_ids else []
    return {activity_id for job in jobs if job is not None for activity_id in job.args[0]}


def waiting_for_their_realm(connection) -> list[str]:
    """Push jobs held back by their realm's rate limit (not in the queue yet, but alive)."""
    registries = RateLimitRegistry.all(connection)
    held = [r.get_rate_limited_job_ids() for r in registries if r.key.startswith(REALM_KEY_PREFIX)]
    return [job_id for ids in held for job_id in ids]


def polling_tenant_ids() -> set[int]:
    """Tenants with a poll queued or running."""
    queue = get_queue("high")
    job_ids = [*queue.get_job_ids(), *queue.started_job_registry.get_job_ids(cleanup=False)]
    return {int(match.group(1)) for job_id in job_ids if (match := POLL_TENANT.match(job_id))}
