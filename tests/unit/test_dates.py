"""OpenBoxes date strings (ISO UTC and MM/dd/yyyy[ HH:mm XXX] in the server zone) and TxnDate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from portal.sync.dates import iso_utc, local_date, mdy, parse_openboxes_date, parse_openboxes_datetime, txn_date

NY = "America/New_York"


@pytest.mark.parametrize(
    ("text", "server_tz", "expected"),
    [
        ("2025-03-04T15:20:11Z", NY, datetime(2025, 3, 4, 15, 20, 11, tzinfo=UTC)),
        ("2025-03-04T15:20:11", NY, datetime(2025, 3, 4, 15, 20, 11, tzinfo=UTC)),
        ("2025-03-04T10:20:11-05:00", "UTC", datetime(2025, 3, 4, 15, 20, 11, tzinfo=UTC)),
        ("2025-03-04T15:20:11.123+00:00", NY, datetime(2025, 3, 4, 15, 20, 11, 123000, tzinfo=UTC)),
        ("03/04/2025 10:20 -05:00", "UTC", datetime(2025, 3, 4, 15, 20, tzinfo=UTC)),
        ("03/04/2025 15:20 Z", NY, datetime(2025, 3, 4, 15, 20, tzinfo=UTC)),
        ("07/04/2025 10:20 +05:30", NY, datetime(2025, 7, 4, 4, 50, tzinfo=UTC)),
        ("3/4/2025 10:20:30 -0500", NY, datetime(2025, 3, 4, 15, 20, 30, tzinfo=UTC)),
        ("03/04/2025 10:20", NY, datetime(2025, 3, 4, 15, 20, tzinfo=UTC)),  # server zone (EST)
        ("07/04/2025 10:20", NY, datetime(2025, 7, 4, 14, 20, tzinfo=UTC)),  # server zone (EDT)
        ("03/04/2025", NY, datetime(2025, 3, 4, 5, 0, tzinfo=UTC)),  # midnight in the server zone
        ("03/04/2025", "UTC", datetime(2025, 3, 4, tzinfo=UTC)),
        (None, NY, None),
        ("", NY, None),
    ],
)
def test_parse_openboxes_datetime(text, server_tz, expected):
    result = parse_openboxes_datetime(text, server_tz)
    assert result == expected
    if result is not None:
        assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["yesterday", "2025-13-01T00:00:00Z", "31/12/2025 10:00"])
def test_parse_openboxes_datetime_rejects(text):
    with pytest.raises(ValueError):
        parse_openboxes_datetime(text, NY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("03/04/2025", date(2025, 3, 4)), ("2025-03-04", date(2025, 3, 4)), ("2025-03-04T23:00:00Z", date(2025, 3, 4)),
     (None, None)],
)  # fmt: skip
def test_parse_openboxes_date(text, expected):
    assert parse_openboxes_date(text) == expected


@pytest.mark.parametrize(
    ("moment", "tz", "expected"),
    [
        (datetime(2025, 3, 4, 3, 0, tzinfo=UTC), NY, "2025-03-03"),
        (datetime(2025, 3, 4, 3, 0, tzinfo=UTC), "UTC", "2025-03-04"),
        (datetime(2025, 3, 4, 20, 0, tzinfo=UTC), "Asia/Tokyo", "2025-03-05"),
        (datetime(2025, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-8))), "Europe/Paris", "2026-01-01"),
    ],
)
def test_txn_date_is_local_date_in_tenant_zone(moment, tz, expected):
    assert txn_date(moment, tz) == expected
    assert local_date(moment, tz).isoformat() == expected


def test_naive_datetimes_are_refused():
    naive = datetime(2025, 3, 4)
    with pytest.raises(ValueError):
        txn_date(naive, "UTC")
    with pytest.raises(ValueError):
        iso_utc(naive)


def test_formats_for_openboxes_parameters():
    moment = datetime(2025, 3, 4, 10, 20, 11, tzinfo=timezone(timedelta(hours=-5)))
    assert iso_utc(moment) == "2025-03-04T15:20:11Z"
    assert mdy(date(2025, 3, 4)) == "03/04/2025"
