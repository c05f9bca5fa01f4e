"""The clock under freezegun: real-time, daily (both 2026 DST days, a missed run), manual, duplicate clocks."""

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from rq import Queue

from jobs import clock
from jobs.maintenance import refresh_tokens
from portal.models import AuditEvent, QuickBooksConnection, SyncRun, Tenant
from portal.models.base import utcnow
from tests.factories import make_tenant
from tests.sync_fixtures import work


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def poll_ids(redis) -> list[str]:
    return [job_id for job_id in Queue("high", connection=redis).get_job_ids() if job_id.startswith("poll-")]


def finish_polls(redis) -> list[str]:
    """Take the queued polls off the queue as a worker would; their job hashes stay (as after a run)."""
    queue, taken = Queue("high", connection=redis), poll_ids(redis)
    for job_id in taken:
        queue.remove(job_id)
    return taken


def walk(redis, start: str, minutes: int) -> list[tuple[datetime, str]]:
    """Tick the dispatcher once a minute from ``start``; return (when, job id) of every poll queued."""
    queued = []
    with freeze_time(utc(start)) as frozen:
        for _ in range(minutes):
            clock.dispatch_due_tenants(datetime.now(UTC))
            queued += [(datetime.now(UTC), job_id) for job_id in finish_polls(redis)]
            frozen.tick(timedelta(minutes=1))
    return queued


def marker(db, tenant) -> datetime | None:
    db.session.expire_all()
    return db.session.get(Tenant, tenant.id).next_run_at


def test_realtime_polls_every_n_minutes(db, redis):
    tenant = make_tenant("Acme", sync_mode="realtime", realtime_interval_minutes=5)
    db.session.commit()

    queued = walk(redis, "2026-05-01 12:00:30", minutes=22)

    assert [when.strftime("%H:%M") for when, _ in queued] == ["12:05", "12:10", "12:15", "12:20"]
    assert queued[0][1] == f"poll-{tenant.id}-realtime-20260501T1205Z"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("start", "daily_time", "expected"),
    [
        # spring forward: 02:30 does not exist on 2026-03-08, so that day's run is at 03:30 EDT
        ("2026-03-07 12:00", "02:30", ["2026-03-08 07:30", "2026-03-09 06:30"]),
        ("2026-03-07 12:00", "09:00", ["2026-03-07 14:00", "2026-03-08 13:00"]),  # EST, then EDT
        # fall back: 01:30 happens twice on 2026-11-01; the run is at the first one, once
        ("2026-10-31 12:00", "01:30", ["2026-11-01 05:30", "2026-11-02 06:30"]),
        ("2026-10-31 12:00", "09:00", ["2026-10-31 13:00", "2026-11-01 14:00"]),  # EDT, then EST
    ],
)
def test_daily_runs_once_a_day_at_local_time_across_dst_changes(db, redis, start, daily_time, expected):
    make_tenant("Acme", sync_mode="scheduled", daily_time=daily_time, timezone="America/New_York")
    db.session.commit()

    queued = walk(redis, start, minutes=48 * 60)

    assert [when.strftime("%Y-%m-%d %H:%M") for when, _ in queued] == expected
    assert all("-scheduled-" in job_id for _, job_id in queued)


def test_a_missed_daily_run_is_caught_up_once_after_downtime(db, redis):
    tenant = make_tenant("Acme", sync_mode="scheduled", daily_time="02:00", timezone="UTC")
    db.session.commit()
    assert walk(redis, "2026-05-01 00:00", minutes=1) == []
    assert marker(db, tenant) == utc("2026-05-01 02:00")

    queued = walk(redis, "2026-05-04 10:00", minutes=30)  # the clock was down for three days

    assert [job_id for _, job_id in queued] == [f"poll-{tenant.id}-scheduled-20260501T0200Z"]
    assert marker(db, tenant) == utc("2026-05-05 02:00")


def test_manual_tenants_are_never_polled(db, redis):
    tenant = make_tenant("Acme", sync_mode="manual", next_run_at=utc("2026-05-01 12:00"))
    make_tenant("Not enabled", sync_mode="realtime", sync_enabled_at=None)
    db.session.commit()

    assert walk(redis, "2026-05-01 11:58", minutes=180) == []
    assert marker(db, tenant) is None


def test_two_clocks_in_the_same_minute_queue_one_poll(db, redis):
    tenant = make_tenant("Acme", sync_mode="realtime", realtime_interval_minutes=5, next_run_at=utc("2026-05-01 12:05"))
    db.session.commit()
    expected = [f"poll-{tenant.id}-realtime-20260501T1205Z"]

    with freeze_time(utc("2026-05-01 12:05:01")) as frozen:
        assert clock.tick() == ["realtime-20260501T1205Z"]
        clock.tick()  # a second clock, same minute, after the first moved the marker
        assert poll_ids(redis) == expected
        # A second clock that read the marker before the first moved it: the poll is still queued.
        _set_marker(db, tenant, "2026-05-01 12:05")
        frozen.tick(timedelta(seconds=30))
        assert clock.tick() == []
        # ... or already ran: the job id is taken while its result is kept, so nothing is queued.
        finish_polls(redis)
        _set_marker(db, tenant, "2026-05-01 12:05")
        clock.tick()
    assert poll_ids(redis) == []
    assert marker(db, tenant) == utc("2026-05-01 12:10")
    # and the maintenance jobs once for the minute, whichever clock queued them
    maintenance = [job_id.split("-")[0] for job_id in Queue("high", connection=redis).get_job_ids()]
    assert sorted(maintenance) == ["reconcile", "upkeep"]


def _set_marker(db, tenant, text: str) -> None:
    db.session.execute(db.update(Tenant).where(Tenant.id == tenant.id).values(next_run_at=utc(text)))
    db.session.commit()


def test_a_poll_still_queued_or_running_is_not_doubled(db, redis):
    tenant = make_tenant("Acme", sync_mode="realtime", realtime_interval_minutes=5)
    db.session.commit()
    with freeze_time(utc("2026-05-01 12:00:10")) as frozen:
        clock.dispatch_due_tenants(datetime.now(UTC))
        frozen.move_to(utc("2026-05-01 12:05:10"))
        assert clock.dispatch_due_tenants(datetime.now(UTC)) == ["realtime-20260501T1205Z"]
        frozen.move_to(utc("2026-05-01 12:10:10"))  # the 12:05 poll has not run yet: 12:10 is skipped
        assert clock.dispatch_due_tenants(datetime.now(UTC)) == []
        assert marker(db, tenant) == utc("2026-05-01 12:15")
        finish_polls(redis)
        frozen.move_to(utc("2026-05-01 12:15:10"))
        assert clock.dispatch_due_tenants(datetime.now(UTC)) == ["realtime-20260501T1215Z"]


def test_one_tenant_with_unusable_settings_does_not_stop_the_others(db, redis):
    make_tenant("Broken", sync_mode="scheduled", timezone="Mars/Olympus")
    good = make_tenant("Good", sync_mode="realtime", realtime_interval_minutes=1, next_run_at=utc("2026-05-01 12:00"))
    db.session.commit()
    with freeze_time(utc("2026-05-01 12:00:05")):
        assert clock.dispatch_due_tenants(datetime.now(UTC)) == ["realtime-20260501T1200Z"]
    assert poll_ids(redis) == [f"poll-{good.id}-realtime-20260501T1200Z"]


def test_tick_records_the_heartbeat(db, redis):
    with freeze_time(utc("2026-05-01 12:00:05")):
        clock.tick()
    assert redis.get(clock.HEARTBEAT_KEY).decode() == "2026-05-01T12:00:05+00:00"


def test_the_queued_poll_runs_as_a_realtime_sync(tenant, db, redis, ob, qb):
    tenant.sync_mode, tenant.realtime_interval_minutes = "realtime", 1
    tenant.next_run_at = utc("2026-05-01 12:00")
    db.session.commit()
    supplier = ob.supplier("Clocked Supplier")
    with freeze_time(utc("2026-05-01 12:00:05")):
        clock.dispatch_due_tenants(datetime.now(UTC))
    work(redis)

    [run] = db.session.scalars(db.select(SyncRun).filter_by(tenant_id=tenant.id)).all()
    assert run.trigger == "realtime"
    assert [vendor["DisplayName"] for vendor in qb.objects("Vendor")] == [supplier["name"]]


def test_seconds_to_next_minute_lands_just_after_the_boundary():
    assert clock.seconds_to_next_minute(120.0) == 60.5
    assert clock.seconds_to_next_minute(179.25) == pytest.approx(1.25)


# --- token upkeep (queued by the clock every 10 minutes) ---------------------------------------


def _token_state(db, tenant, **changes) -> QuickBooksConnection:
    connection = db.session.scalar(db.select(QuickBooksConnection).filter_by(tenant_id=tenant.id))
    for name, value in changes.items():
        setattr(connection, name, value)
    db.session.commit()
    return connection


def refresh_calls(qb) -> int:
    return qb.counters()["token_calls"].get("refresh_token", 0)


def test_upkeep_refreshes_a_token_expiring_soon_exactly_once(tenant, db, redis, qb):
    tenant.sync_mode = "realtime"
    connection = _token_state(db, tenant, access_expires_at=utcnow() + timedelta(minutes=5))
    old_access, old_refresh_expiry = connection.access_token, connection.refresh_expires_at
    qb.control("DELETE", "/counters")

    clock.tick()  # queues this window's upkeep (and the watchdog)
    clock.tick()  # a second clock, or a second tick in the window: no second upkeep job
    work(redis)
    assert refresh_tokens() == {"refreshed": [], "needs_reconnect": [], "failed": [], "reconnect_soon": []}

    assert refresh_calls(qb) == 1
    db.session.expire_all()
    assert connection.access_token != old_access
    assert connection.access_expires_at > utcnow() + timedelta(minutes=55)
    assert connection.refresh_expires_at >= old_refresh_expiry
    assert connection.refresh_hard_expires_at is not None


def test_upkeep_keeps_a_quiet_tenants_refresh_token_alive_once_a_day(tenant, db, redis, qb):
    assert tenant.sync_mode == "manual"
    _token_state(db, tenant, access_expires_at=utcnow() - timedelta(hours=5))  # refreshed 6 h ago
    qb.control("DELETE", "/counters")
    assert refresh_tokens()["refreshed"] == []
    assert refresh_calls(qb) == 0

    _token_state(db, tenant, access_expires_at=utcnow() - timedelta(hours=23, minutes=5))  # over 24 h ago
    assert refresh_tokens()["refreshed"] == [tenant.id]
    assert refresh_calls(qb) == 1


def test_upkeep_marks_a_refused_refresh_token_needs_reconnect(tenant, db, redis, qb):
    connection = _token_state(
        db, tenant, refresh_token="revoked-refresh-token", access_expires_at=utcnow() - timedelta(days=2)
    )

    report = refresh_tokens()

    assert report["needs_reconnect"] == [tenant.id]
    db.session.expire_all()
    assert connection.status == "needs_reconnect"
    [event] = db.session.scalars(db.select(AuditEvent).filter_by(action="quickbooks.needs_reconnect")).all()
    assert event.tenant_id == tenant.id
    assert refresh_tokens()["needs_reconnect"] == []  # not connected any more: left for a person to reconnect


def test_upkeep_lists_tenants_whose_refresh_token_ends_soon(tenant, db, redis, qb):
    _token_state(db, tenant, refresh_hard_expires_at=utcnow() + timedelta(days=3))
    assert refresh_tokens()["reconnect_soon"] == [tenant.id]
