"""The dashboard (home page): connections, mode and runs, counts, the 14-day SVG chart, top reasons, isolation."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from devtools.seed import map_accounts
from portal.models import OpenBoxesConnection, QuickBooksConnection, SyncRun
from portal.models.base import utcnow
from portal.services import stats
from tests.console.test_activity_panel import INACTIVE_AP, NOT_LINKED, make_activity


def _body(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def _days_ago(days: int) -> datetime:
    return utcnow().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=days)


@pytest.fixture
def acme_rows(two_tenants, db):
    acme = two_tenants["acme"]
    run = SyncRun(tenant=acme, trigger="realtime", fetched=7, started_at=_days_ago(0), finished_at=_days_ago(0))
    db.session.add(run)
    db.session.commit()
    for index in range(3):
        make_activity(db, acme, f"S-{index}", status="synced", updated_at=_days_ago(2), run_id=run.id)
    make_activity(db, acme, "S-today", status="synced", updated_at=_days_ago(0))
    make_activity(db, acme, "F-1", updated_at=_days_ago(0), run_id=run.id)
    make_activity(db, acme, "F-2", updated_at=_days_ago(0))
    make_activity(db, acme, "F-3", message=NOT_LINKED, updated_at=_days_ago(5))
    make_activity(db, acme, "F-old", updated_at=_days_ago(30))
    make_activity(db, acme, "Q-1", status="queued", run_id=run.id)
    make_activity(db, two_tenants["bolt"], "BOLT-1", message="boltmark reason", updated_at=_days_ago(1))
    return run


def _bars(body: str) -> dict[tuple[str, str], int]:
    found = re.findall(r'<rect class="bar bar-(\w+)" data-day="([\d-]+)" data-count="(\d+)"', body)
    return {(kind, day): int(count) for kind, day, count in found}


def _causes(body: str) -> list[tuple[str, str]]:
    """The home page's failure causes: (cause, failed rows), in order."""
    return re.findall(r'<tr data-cause="(\w+)"> <td>.*?</td> <td class="text-right">(\d+)</td>', body)


def _count(body: str, status: str) -> int:
    match = re.search(rf'data-status="{status}">.*?data-count="(\d+)"', body)
    return int(match.group(1))


def test_tenant_dashboard_counts_chart_reasons_and_tip(two_tenants, acme_rows, auth, client):
    auth.login("admin@acme.test")
    body = _body(client.get("/admin/"))
    assert (_count(body, "synced"), _count(body, "sync_failed"), _count(body, "queued")) == (4, 4, 1)

    assert 'id="daily-chart"' in body and "<svg" in body
    day = lambda ago: _days_ago(ago).date().isoformat()  # noqa: E731
    assert _bars(body) == {("synced", day(2)): 3, ("synced", day(0)): 1, ("failed", day(0)): 2, ("failed", day(5)): 1}
    assert len(re.findall(r'<text x="[\d.]+" y="206', body)) == 14  # one label per day

    assert _causes(body) == [("account_mappings", "3"), ("product_links", "1")]
    assert f"For example: {html.escape(INACTIVE_AP, quote=True)}" in body
    assert "boltmark" not in body and "Bolt Clinics" not in body

    assert 'href="/admin/activity/?flt0_status_equals=sync_failed"' in body
    assert "review failed syncs weekly" in body


def test_tip_link_opens_the_failed_rows(two_tenants, acme_rows, auth, client):
    auth.login("admin@acme.test")
    body = _body(client.get("/admin/activity/?flt0_status_equals=sync_failed"))
    assert ">F-1</a>" in body and ">S-0</a>" not in body and ">Q-1</a>" not in body


def test_last_run_mode_and_next_run(two_tenants, acme_rows, auth, client, db):
    acme = two_tenants["acme"]
    acme.sync_mode, acme.realtime_interval_minutes, acme.timezone = "realtime", 3, "America/Chicago"
    acme.next_run_at = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    db.session.commit()
    auth.login("admin@acme.test")
    body = _body(client.get("/admin/"))
    assert "real-time, every 3 minute(s)" in body
    assert "2026-11-27 09:00" in body and body.count("America/Chicago") == 1  # "Times are in America/Chicago."
    assert "7 fetched; now 3 synced, 1 failed, 1 waiting, 0 skipped" in body


def test_connections_and_needs_reconnect_banner(two_tenants, acme_rows, auth, client, db):
    acme = two_tenants["acme"]
    connection = QuickBooksConnection(tenant=acme, realm_id="r1", company_name="Acme Books", status="connected")
    connection.refresh_expires_at = utcnow() + timedelta(days=90)
    db.session.add(connection)
    db.session.commit()
    auth.login("admin@acme.test")
    healthy = _body(client.get("/admin/"))
    assert "Acme Books" in healthy and 'id="needs-reconnect"' not in healthy
    assert "reconnect needed after " + connection.refresh_expires_at.strftime("%Y-%m-%d %H:%M") in healthy
    assert "OpenBoxes:</strong> not set up" in healthy

    connection.status = "needs_reconnect"
    db.session.commit()
    body = _body(client.get("/admin/"))
    assert 'id="needs-reconnect"' in body
    assert '<a href="/admin/quickbooks/" class="btn btn-light text-danger btn-sm ml-3">Reconnect QuickBooks</a>' in body
    assert "renewed automatically" not in body and "records wait until you" in body  # no contradiction
    products = _body(client.get("/admin/product_links/"))
    assert "QuickBooks needs reconnecting" in products and "not connected" not in products


def test_expired_refresh_token_needs_reconnect():
    connection = QuickBooksConnection(status="connected", refresh_expires_at=utcnow() - timedelta(minutes=1))
    assert stats.needs_reconnect(connection)
    assert not stats.needs_reconnect(QuickBooksConnection(status="connected"))
    assert not stats.needs_reconnect(None)


def test_support_sees_every_tenant_with_a_row_each(two_tenants, acme_rows, auth, client, db):
    db.session.add(QuickBooksConnection(tenant=two_tenants["bolt"], realm_id="r2", status="needs_reconnect"))
    db.session.commit()
    auth.login("help@bridge.test")
    body = _body(client.get("/admin/"))
    assert "All tenants" in body
    assert _count(body, "sync_failed") == 5
    assert f'data-tenant="{two_tenants["acme"].id}"' in body and f'data-tenant="{two_tenants["bolt"].id}"' in body
    assert "QuickBooks needs reconnecting for: Bolt Clinics" in body
    assert _causes(body) == [("account_mappings", "4"), ("product_links", "1")]  # Bolt's row is in the first
    bolt_failed = f"/admin/activity/?flt0_status_equals=sync_failed&amp;flt1_tenant_equals={two_tenants['bolt'].id}"
    assert bolt_failed in body
    assert "Check the worker" in body


def test_tenant_admin_does_not_get_the_worker_check(two_tenants, auth, client):
    auth.login("admin@bolt.test")
    body = _body(client.get("/admin/"))
    assert "Check the worker" not in body
    assert auth.post("/admin/ping").status_code == 403


def test_empty_tenant_dashboard_renders(two_tenants, auth, client):
    auth.login("admin@bolt.test")
    body = _body(client.get("/admin/"))
    assert 'id="daily-chart"' in body and _bars(body) == {}
    assert "No failed rows." in body and "none yet" in body
    assert "syncing is not enabled yet" not in body  # the factory enables syncing


def test_daily_outcomes_are_scoped_and_cover_fourteen_days(two_tenants, acme_rows):
    days = stats.daily_outcomes(two_tenants["bolt"].id)
    assert len(days) == 14 and days[-1].day == utcnow().date()
    assert [(day.synced, day.failed) for day in days if day.synced or day.failed] == [(0, 1)]
    everyone = stats.daily_outcomes(None)
    assert sum(day.failed for day in everyone) == 4  # F-old is older than 14 days


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "today", "rows", "expected"),
    [
        # Chicago the day after DST began (UTC-5): 04:30 UTC is still the evening before.
        ("America/Chicago", date(2026, 3, 9), ["2026-03-09T04:30", "2026-03-09T05:10"], {"03-08": 1, "03-09": 1}),
        # India (+5:30): 18:20 and 18:40 UTC share an hour but fall either side of local midnight.
        ("Asia/Kolkata", date(2026, 3, 9), ["2026-03-08T18:20", "2026-03-08T18:40"], {"03-08": 1, "03-09": 1}),
        ("UTC", date(2026, 3, 9), ["2026-03-08T18:20", "2026-03-08T23:59"], {"03-08": 2}),
        # The first chart day starts at local midnight: 05:59 UTC is the day before it in Chicago (UTC-6).
        ("America/Chicago", date(2026, 2, 14), ["2026-02-01T05:59", "2026-02-01T06:00"], {"02-01": 1}),
    ],
)
def test_chart_days_are_the_tenants_days(two_tenants, db, zone, today, rows, expected):
    acme = two_tenants["acme"]
    for index, moment in enumerate(rows):
        make_activity(db, acme, f"F-{index}", updated_at=_moment(moment))
    days = stats.daily_outcomes(acme.id, today=today, zone=zone)
    assert (days[0].day, days[-1].day) == (today - timedelta(days=13), today)
    assert {f"{day.day:%m-%d}": day.failed for day in days if day.failed} == expected


def test_tenant_dashboard_uses_the_tenants_zone_and_support_uses_utc(two_tenants, db, auth, client):
    two_tenants["bolt"].timezone = "Asia/Kolkata"
    db.session.commit()
    assert stats.dashboard(two_tenants["bolt"].id).tenant.timezone == "Asia/Kolkata"
    auth.login("admin@bolt.test")
    assert "Times are in Asia/Kolkata." in _body(client.get("/admin/"))  # the chart's days too
    auth.logout()
    auth.login("help@bridge.test")
    assert "last 14 days (UTC)" in _body(client.get("/admin/"))


def _digest_status(response) -> str:
    [line] = re.findall(r'id="digest-status">(.*?)</p>', _body(response))
    return re.sub(r"<[^>]+>", "", line).strip()


def test_dashboard_says_where_failure_digests_go_and_when_the_last_went(app, two_tenants, db, auth, client):
    auth.login("admin@bolt.test")
    app.config.update(SMTP_HOST="")
    off = "Failure digests: off: add a webhook under Sync preferences (email is not set up on this server)"
    assert _digest_status(client.get("/admin/")) == off

    bolt = two_tenants["bolt"]
    bolt.timezone, bolt.digest_webhook_url = "America/Chicago", "https://hooks.example.org/T0/SECRET?token=x"
    bolt.last_digest_at = datetime(2026, 2, 2, 16, 0, tzinfo=UTC)
    db.session.commit()
    app.config.update(SMTP_HOST="smtp.example.org")
    response = client.get("/admin/")
    expected = "email to 1 admin(s), webhook https://hooks.example.org; last sent 2026-02-02 10:00"
    assert _digest_status(response) == f"Failure digests: {expected}"
    assert "SECRET" not in _body(response)  # the webhook's path and query often hold its secret


def test_anonymous_visitor_is_sent_to_login(client, app):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_stored_zone_that_is_a_tzdata_folder_falls_back_to_utc(two_tenants, db, auth, client):
    two_tenants["bolt"].timezone = "America"  # stored before zones were checked everywhere
    db.session.commit()
    auth.login("admin@bolt.test")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Times are in UTC." in _body(response)


def test_sync_runs_list_counts_where_the_runs_rows_stand_and_times_to_the_minute(
    two_tenants, acme_rows, auth, client, db
):
    """The run found 5 rows: 3 synced, 1 failed, 1 still queued (the counts were never filled before)."""
    auth.login("admin@acme.test")
    body = _body(client.get("/admin/runs/"))
    row = re.search(r"<td[^>]*>\s*realtime\s*</td>.*?</tr>", body, re.S)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]
    assert cells[-5:] == ["7", "3", "1", "0", "1"]
    assert f"> {acme_rows.started_at:%Y-%m-%d %H:%M} </td>" in body and "Times are in UTC." in body
    assert "Still waiting" in body
    csv = client.get("/admin/runs/export/csv/").get_data(as_text=True)
    assert csv.splitlines()[1].endswith(",7,3,1,0,1")


def test_a_new_tenant_gets_the_setup_checklist_with_links_to_each_step(two_tenants, auth, client, db):
    acme = two_tenants["acme"]
    acme.sync_enabled_at = None
    db.session.commit()
    auth.login("admin@acme.test")
    body = _body(client.get("/admin/"))
    steps = re.findall(r'data-step="(\w+)" data-done="(\w+)"', body)
    assert steps == [("openboxes", "no"), ("quickbooks", "no"), ("accounts", "no"), ("preferences", "yes")] + [
        ("start", "no")
    ]
    assert '<a href="/admin/openboxes/">Connect OpenBoxes</a>' in body
    assert '<a href="/admin/mappings/">Map the accounts</a>: Map the accounts for Inventory purchases' in body
    assert 'id="health"' not in body


def test_home_says_whether_it_works_and_shows_the_last_run_that_found_records(two_tenants, acme_rows, auth, client, db):
    """Set up and syncing: no checklist; the newest synced row and the failures; an empty real-time poll since."""
    acme = two_tenants["acme"]
    db.session.add(QuickBooksConnection(tenant=acme, realm_id="r1", status="connected"))
    db.session.add(
        OpenBoxesConnection(tenant=acme, base_url="https://ob.test", username="u", password="p", location_id="L")
    )
    map_accounts(acme)
    later = _days_ago(0) + timedelta(hours=1)
    db.session.add(SyncRun(tenant=acme, trigger="realtime", fetched=0, started_at=later, finished_at=later))
    db.session.commit()
    auth.login("admin@acme.test")
    body = _body(client.get("/admin/"))
    assert 'id="setup-checklist"' not in body
    newest = _days_ago(0).strftime("%Y-%m-%d %H:%M")
    assert f"Last record reached QuickBooks {newest}." in body and "Times are in UTC." in body
    assert (
        '<a href="/admin/activity/?flt0_status_equals=sync_failed" class="text-danger">4 record(s) need attention</a>'
        in body
    )
    assert "Last run that found records:" in body and "7 fetched; now 3 synced" in body
    assert 'id="last-checked">Last checked ' in body and ": nothing new." in body


def test_pages_declare_their_language_and_the_favicon_is_served_from_the_app(two_tenants, auth, client):
    auth.login("admin@acme.test")
    page = client.get("/admin/").get_data(as_text=True)
    assert page.lstrip().startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert '<main id="main"' in page and 'href="#main"' in page and 'aria-label="Main menu"' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
