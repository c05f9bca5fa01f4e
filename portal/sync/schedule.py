"""When a tenant's next automatic sync is due, and checking the schedule settings people type in.

Pure: no clock of its own (``now`` is passed in), no database. Daily times are wall-clock times in the
tenant's IANA zone, so on daylight-saving days:

- a time that does not exist (02:30 on a spring-forward day in New York) runs when the clocks have
  moved on, one hour later (03:30 local time);
- a time that happens twice (01:30 on a fall-back day) runs once, at its first occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SYNC_MODES = ("realtime", "scheduled", "manual")
REALTIME_INTERVALS = range(1, 6)
_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")  # ASCII digits only: "1٣:0٥" is no time


def parse_daily_time(value: str) -> time:
    """``"02:00"`` → ``time(2, 0)``. Raises ValueError naming the expected format."""
    match = _HH_MM.match((value or "").strip())
    if match is None:
        raise ValueError(f"'{value}' is not a time of day: use 24-hour HH:MM, for example 02:00 or 18:30")
    return time(int(match.group(1)), int(match.group(2)))


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``. Raises ValueError with an example of a valid name."""
    try:
        return ZoneInfo((name or "").strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tzdata folder such as "America"
        raise ValueError(
            f"'{name}' is not a time zone we know: use a name such as America/New_York or Europe/Berlin"
        ) from None


def check_interval(minutes: int) -> int:
    """The real-time interval if it is 1 to 5 minutes. Raises ValueError."""
    if minutes not in REALTIME_INTERVALS:
        raise ValueError(f"Real-time syncs run every 1 to 5 minutes, not every {minutes}")
    return minutes


def check_schedule(mode: str, interval_minutes: int, daily_time: str, timezone: str) -> None:
    """The one check of a tenant's schedule settings, whichever form or command writes them.

    Raises ValueError naming the first unusable value (every value is checked whatever the mode, so
    switching modes later never meets a schedule the clock cannot use).
    """
    if mode not in SYNC_MODES:
        raise ValueError(f"'{mode}' is not a sync mode: choose {', '.join(SYNC_MODES)}")
    if isinstance(interval_minutes, bool) or not isinstance(interval_minutes, int):
        raise ValueError(f"The real-time interval must be a whole number of minutes (1 to 5), not '{interval_minutes}'")
    check_interval(interval_minutes)
    parse_daily_time(daily_time)
    zone(timezone)


def next_run_at(
    mode: str, now: datetime, *, interval_minutes: int = 5, daily_time: str = "02:00", timezone: str = "UTC"
) -> datetime | None:
    """The next automatic run (UTC) after ``now`` (aware), or None in manual mode."""
    if mode == "manual":
        return None
    if mode == "realtime":
        start = now.astimezone(UTC).replace(second=0, microsecond=0)
        return start + timedelta(minutes=check_interval(interval_minutes))
    if mode == "scheduled":
        return next_daily_run(now, parse_daily_time(daily_time), zone(timezone))
    raise ValueError(f"Unknown sync mode {mode!r}: choose realtime, scheduled or manual")


def next_daily_run(now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first moment after ``now`` when the clock in ``tz`` shows ``at`` (see the module notes)."""
    today = now.astimezone(tz).date()
    for day in (today - timedelta(days=1), today, today + timedelta(days=1), today + timedelta(days=2)):
        # fold=0: a repeated time is its first occurrence; a missing time takes the offset before the
        # gap, which lands one hour later on the wall clock.
        candidate = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
        if candidate > now:
            return candidate
    raise AssertionError("a daily time always recurs within two days")
