"""Job identity lives in jobs.queues: ids per reason, the reason kept in meta, and the ids the watchdog reads."""

from __future__ import annotations

from rq import Queue
from rq.job import Job

from jobs.queues import PushReason, enqueue_push, enqueue_pushes, live_push_ids, push_job_id


def test_each_reason_has_its_own_slot_and_the_row_comes_first():
    ids = {reason: push_job_id(42, reason, attempt=2, now=1_800_000_000.5) for reason in PushReason}
    assert ids == {
        PushReason.POLLED: "push-42-2",
        PushReason.BACKOFF: "push-42--1-at1800000000500",
        PushReason.RETRY: "push-42-2-r1800000000500",
        PushReason.RECONNECT: "push-42-2-reconnect1800000000",
        PushReason.WATCHDOG: "push-42-2-rc30000000",
    }


def test_the_same_reason_in_the_same_slot_is_one_job_and_keeps_its_reason(app, redis):
    enqueue_pushes([7, 8], PushReason.RETRY)
    enqueue_push(7, PushReason.WATCHDOG, attempt=3, now=1_800_000_000)
    enqueue_push(7, PushReason.WATCHDOG, attempt=3, now=1_800_000_030)  # same minute: a second clock
    job_ids = Queue("default", connection=redis).get_job_ids()
    assert len(job_ids) == 3
    watchdog = Job.fetch(push_job_id(7, PushReason.WATCHDOG, 3, 1_800_000_000), connection=redis)
    assert watchdog.meta == {"reason": "watchdog", "attempt": 3}
    assert live_push_ids() == {7, 8}


def test_the_engine_port_queues_through_the_same_ids(app, redis):
    app.extensions["job_queue"].pushes([5], "reconnect")
    [job_id] = Queue("default", connection=redis).get_job_ids()
    assert job_id.startswith("push-5-0-reconnect")
    assert Job.fetch(job_id, connection=redis).meta["reason"] == "reconnect"


def test_a_retry_failing_within_a_second_of_its_own_backoff_is_scheduled_again(app, redis):
    enqueue_push(9, PushReason.BACKOFF, delay=60, now=1_800_000_000.1)
    enqueue_push(9, PushReason.BACKOFF, delay=60, now=1_800_000_000.6)  # the retry ran and failed at once
    assert len(Queue("default", connection=redis).scheduled_job_registry.get_job_ids()) == 2
