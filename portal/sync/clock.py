"""What the clock does each minute: which tenant polls are due (and for which slot), which tokens need upkeep.

Pure: ``now`` is passed in, no database. The next-run arithmetic (daily times across DST, real-time
intervals) is ``portal.sync.schedule``; this module decides what a stored ``next_run_at`` marker means:

- the marker is the durable "due at" of the next run (UTC). When it has passed, that run is due once,
  under a slot named after the marker (so every clock that sees it names it the same), and the marker
  moves to the next run after *now*: after any downtime exactly one missed run is caught up;
- a marker that no longer fits the tenant's settings (mode, interval, time or zone changed) is replaced
  by the next run after now, without running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.sync.schedule import next_daily_run, next_run_at, parse_daily_time, zone

TRIGGERS = {"realtime": "realtime", "scheduled": "scheduled"}
# A daily marker is at most a day ahead; 25 h leaves room for the day a clock change adds an hour.
DAILY_HORIZON = timedelta(hours=25)


@dataclass(frozen=True)
class Schedule:
    """A tenant's sync-mode settings, as typed in the console."""

    mode: str
    interval_minutes: int = 5
    daily_time: str = "02:00"
    timezone: str = "UTC"

    def next_after(self, now: datetime) -> datetime | None:
        return next_run_at(
            self.mode,
            now,
            interval_minutes=self.interval_minutes,
            daily_time=self.daily_time,
            timezone=self.timezone,
        )

    def fits(self, marker: datetime, now: datetime) -> bool:
        """Could ``marker`` have been computed from these settings?"""
        if self.mode == "realtime":
            return marker <= now + timedelta(minutes=self.interval_minutes)
        if self.mode == "scheduled":
            at, tz = parse_daily_time(self.daily_time), zone(self.timezone)
            is_occurrence = next_daily_run(marker - timedelta(seconds=1), at, tz) == marker
            return is_occurrence and marker <= now + DAILY_HORIZON
        return False


@dataclass(frozen=True)
class Plan:
    """This minute's decision for one tenant: the run that is due (if any) and the marker to store."""

    due_at: datetime | None
    next_run_at: datetime | None
    trigger: str | None = None

    @property
    def slot(self) -> str | None:
        """The poll's slot: the same for every clock that sees this due time, different for every run."""
        if self.due_at is None:
            return None
        return f"{self.trigger}-{self.due_at:%Y%m%dT%H%MZ}"


def plan_run(schedule: Schedule, marker: datetime | None, now: datetime) -> Plan:
    """Decide whether a poll is due now and where the marker goes next. Raises ValueError on bad settings."""
    if schedule.mode not in TRIGGERS:
        return Plan(None, None)
    if marker is None or not schedule.fits(marker, now):
        return Plan(None, schedule.next_after(now))
    if marker > now:
        return Plan(None, marker)
    return Plan(marker, schedule.next_after(now), TRIGGERS[schedule.mode])


def token_refresh_reason(
    access_expires_at: datetime | None,
    now: datetime,
    *,
    in_use: bool,
    ahead: timedelta = timedelta(minutes=15),
    rotate_after: timedelta = timedelta(hours=24),
    access_lifetime: timedelta = timedelta(hours=1),
) -> str | None:
    """Why token upkeep should refresh a connection now, or None.

    - ``expiring``: the tenant is syncing (``in_use``) and its access token expires within ``ahead``,
      so pushes never wait for a refresh;
    - ``keep-alive``: the last refresh (the access token's expiry minus its lifetime) is older than
      ``rotate_after``, so a quiet tenant's rolling 100-day refresh token never ages out.
    """
    if access_expires_at is None:
        return "keep-alive"
    if in_use and access_expires_at <= now + ahead:
        return "expiring"
    if access_expires_at - access_lifetime <= now - rotate_after:
        return "keep-alive"
    return None
