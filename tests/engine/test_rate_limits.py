"""The engine under Intuit's per-realm limits: no 429 from a server enforcing them, and a spent budget defers."""

from rq import Queue

from jobs.queues import live_push_ids
from tests.sync_fixtures import activities, sync


def _products(ob, count: int) -> None:
    for n in range(count):
        ob.product(f"Sterile gauze {n}", f"GZ-{n}", "2.50")


def test_a_sync_gets_no_429_from_a_server_enforcing_calls_per_second(qbo_app, tenant, ob, qb, db, redis):
    # Two calls per second at QuickBooks, our share 80 % of it (as 8 of Intuit's 10): without the spacing
    # the pushes, one right after the other, are refused.
    qb.control("PUT", "/throttle", {"rate_per_second": 2})
    qbo_app.config["QBO_RATE_PER_SECOND"] = 1.6
    _products(ob, 5)
    qb.reset_counters()

    sync(tenant, redis)

    assert {row.status for row in activities(db)} == {"synced"}
    assert len(qb.objects("Item")) == 5
    assert qb.counters()["realms"][qb.realm].get("throttled", 0) == 0


def test_a_spent_budget_defers_the_push_instead_of_sleeping_in_the_worker(qbo_app, tenant, ob, qb, db, redis):
    # One request per 10 s: the second push would have to wait ~10 s for its slot, longer than a worker
    # may hold a job, so it is scheduled for when the budget frees and the burst worker moves on.
    qbo_app.config.update(QBO_RATE_BUDGET=1, QBO_RATE_WINDOW_SECONDS=10)
    _products(ob, 3)

    sync(tenant, redis)

    rows = activities(db)
    assert sorted(row.status for row in rows) == ["queued", "queued", "synced"]
    deferred = [row for row in rows if row.status == "queued"]
    assert {(row.attempts, row.error_category) for row in deferred} == {(0, "throttled")}
    assert all(row.next_attempt_at is not None for row in deferred)
    assert live_push_ids() == {row.id for row in deferred}
    assert Queue("default", connection=redis).scheduled_job_registry.count == len(deferred)
    assert len(qb.objects("Item")) == 1


def test_a_push_waits_only_for_its_turn_at_the_realm_s_pace_and_defers_when_the_budget_is_spent(
    qbo_app, tenant, ob, qb, db, redis
):
    # One request per 0.9 s window: the second push's slot frees within a second, yet the budget is
    # spent, so it is deferred rather than slept on (a worker holding it would keep other realms waiting).
    qbo_app.config.update(QBO_RATE_BUDGET=1, QBO_RATE_WINDOW_SECONDS=0.9)
    _products(ob, 2)

    sync(tenant, redis)

    rows = activities(db)
    assert sorted(row.status for row in rows) == ["queued", "synced"]
    [deferred] = [row for row in rows if row.status == "queued"]
    assert (deferred.attempts, deferred.error_category) == (0, "throttled")
    assert live_push_ids() == {deferred.id}  # scheduled for when the budget frees
