"""The clock's decisions, table-tested: due or not, which slot, where the marker goes, token upkeep."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.sync.clock import Plan, Schedule, plan_run, token_refresh_reason


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NY = "America/New_York"
REALTIME_5 = Schedule("realtime", interval_minutes=5)
DAILY_NY_0230 = Schedule("scheduled", daily_time="02:30", timezone=NY)
DAILY_NY_0130 = Schedule("scheduled", daily_time="01:30", timezone=NY)
DAILY_UTC_0200 = Schedule("scheduled", daily_time="02:00", timezone="UTC")


@pytest.mark.parametrize(
    ("schedule", "marker", "now", "expected"),
    [
        # manual never runs and keeps no marker
        (Schedule("manual"), None, "2026-05-01 12:00", (None, None)),
        (Schedule("manual"), "2026-05-01 11:00", "2026-05-01 12:00", (None, None)),
        # real-time: the first tick sets the marker; due when it passes; a slot per due time
        (REALTIME_5, None, "2026-05-01 12:00:30", (None, "2026-05-01 12:05")),
        (REALTIME_5, "2026-05-01 12:05", "2026-05-01 12:04:59", (None, "2026-05-01 12:05")),
        (REALTIME_5, "2026-05-01 12:05", "2026-05-01 12:05:20", ("2026-05-01 12:05", "2026-05-01 12:10")),
        # real-time after an hour of downtime: one run, then on from now
        (REALTIME_5, "2026-05-01 12:05", "2026-05-01 13:07:10", ("2026-05-01 12:05", "2026-05-01 13:12")),
        # daily in New York across spring-forward (2026-03-08): 02:30 does not exist, it runs at 03:30 EDT
        (DAILY_NY_0230, None, "2026-03-07 12:00", (None, "2026-03-08 07:30")),
        (DAILY_NY_0230, "2026-03-08 07:30", "2026-03-08 07:30", ("2026-03-08 07:30", "2026-03-09 06:30")),
        # ... and fall-back (2026-11-01): 01:30 happens twice, it runs at the first one only
        (DAILY_NY_0130, None, "2026-10-31 12:00", (None, "2026-11-01 05:30")),
        (DAILY_NY_0130, "2026-11-01 05:30", "2026-11-01 05:30:40", ("2026-11-01 05:30", "2026-11-02 06:30")),
        (DAILY_NY_0130, "2026-11-02 06:30", "2026-11-01 06:30:10", (None, "2026-11-02 06:30")),
        # daily after three days of downtime: the missed run once, then the next one after now
        (DAILY_UTC_0200, "2026-05-01 02:00", "2026-05-04 10:00", ("2026-05-01 02:00", "2026-05-05 02:00")),
        # settings changed under the marker: re-planned from now, nothing runs
        (DAILY_UTC_0200, "2026-05-01 12:05", "2026-05-01 12:06", (None, "2026-05-02 02:00")),
        (Schedule("scheduled", daily_time="03:00"), "2026-05-02 02:00", "2026-05-01 12:00", (None, "2026-05-02 03:00")),
        (REALTIME_5, "2026-05-02 02:00", "2026-05-01 12:00:10", (None, "2026-05-01 12:05")),
    ],
)
def test_plan_run(schedule, marker, now, expected):
    plan = plan_run(schedule, marker and utc(marker), utc(now))
    due, following = expected
    assert (plan.due_at, plan.next_run_at) == (due and utc(due), following and utc(following))


def test_slot_names_the_due_time_so_every_clock_agrees():
    plan = plan_run(DAILY_NY_0230, utc("2026-03-08 07:30"), utc("2026-03-08 07:31:02"))
    again = plan_run(DAILY_NY_0230, utc("2026-03-08 07:30"), utc("2026-03-08 07:44:59"))
    assert plan.slot == again.slot == "scheduled-20260308T0730Z"
    assert plan.trigger == "scheduled"
    assert Plan(None, None).slot is None


def test_bad_settings_raise_value_error():
    with pytest.raises(ValueError, match="HH:MM"):
        plan_run(Schedule("scheduled", daily_time="25:00"), None, utc("2026-05-01 00:00"))
    with pytest.raises(ValueError, match="not a time zone we know"):
        plan_run(Schedule("scheduled", timezone="Mars/Olympus"), None, utc("2026-05-01 00:00"))


NOW = utc("2026-05-01 12:00")


@pytest.mark.parametrize(
    ("expires_in", "in_use", "reason"),
    [
        (timedelta(minutes=10), True, "expiring"),  # in use, expiring soon
        (timedelta(minutes=40), True, None),  # in use, fresh
        (timedelta(minutes=10), False, None),  # quiet, refreshed 50 minutes ago
        (timedelta(hours=-5), False, None),  # quiet, expired, refreshed 6 h ago
        (timedelta(hours=-23, minutes=-1), False, "keep-alive"),  # quiet, last refreshed over 24 h ago
        (None, False, "keep-alive"),  # never known: refresh to learn
    ],
)
def test_token_refresh_reason(expires_in, in_use, reason):
    expires = None if expires_in is None else NOW + expires_in
    assert token_refresh_reason(expires, NOW, in_use=in_use) == reason
