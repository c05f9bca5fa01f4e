"""The Integration Activity panel and the dashboard, worked in Chromium by a tenant admin and by support staff.

The rows are seeded in the database (what a sync would have left behind); everything after that is clicks,
ticks and form fills against the live server. No worker runs: a retry leaves its rows queued, as the
console does until a worker picks them up. OpenBoxes itself is stood in by a stub page, this machine has
no network.
"""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from portal.models import OpenBoxesConnection, QuickBooksConnection, SyncRun
from portal.models.base import utcnow
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_console_flow import activity_row, filter_status, flash, open_menu
from tests.console.test_activity_panel import INACTIVE_AP, NOT_LINKED, make_activity

pytestmark = pytest.mark.browser

ACME_ADMIN, BOLT_ADMIN, SUPPORT = "admin@acme.test", "admin@bolt.test", "help@bridge.test"
ACME_OPENBOXES = "https://ob.acme.test"
TRANSIENT = "QuickBooks did not answer"
COLUMNS = ["Time", "Entity", "OpenBoxes number", "Status", "Attempts", "Error", "QuickBooks"]  # a tenant admin's
CHICAGO = ZoneInfo("America/Chicago")


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def activity(two_tenants, db, redis):
    """Acme: three failed rows (a PO, a shipment, an old PO), a synced PO; Bolt: a failed and a synced row."""
    acme, bolt = two_tenants["acme"], two_tenants["bolt"]
    db.session.add(
        OpenBoxesConnection(tenant=acme, base_url=ACME_OPENBOXES, username="u", password="p", location_id="L")
    )
    make_activity(db, acme, "ACME-PO-1", updated_at=at(20, 9))
    make_activity(
        db, acme, "ACME-SM-1", entity="shipment", message=TRANSIENT, error_category="transient",
        qbo_error_code=None, attempts=4, updated_at=at(21, 9),
    )  # fmt: skip
    make_activity(db, acme, "ACME-PO-2", status="synced", qbo_id="145", attempts=1, updated_at=at(22, 9))
    make_activity(db, acme, "ACME-PO-OLD", message=NOT_LINKED, updated_at=at(15, 12, month=1))
    make_activity(db, bolt, "BOLT-PO-1", message="Bolt's own failure", updated_at=at(23, 9))
    make_activity(db, bolt, "BOLT-PO-2", status="synced", qbo_id="77", attempts=1, updated_at=at(24, 9))
    return two_tenants


# --- what a person does on the list ---------------------------------------------------------------------


def listed_numbers(page: Page) -> Locator:
    return page.locator("table.model-list tbody td.col-openboxes_number")


def expect_listed(page: Page, *numbers: str) -> None:
    """The list shows exactly these OpenBoxes numbers, in this order."""
    expect(listed_numbers(page)).to_have_text(list(numbers))


def add_filter(page: Page, name: str, choice: str | None = None, text: str | None = None) -> None:
    """Add one filter through Flask-Admin's filter bar, pick ``choice`` (Select2) or type ``text``, apply."""
    page.wait_for_load_state("load")  # the filter bar is built by Flask-Admin's script
    page.get_by_role("link", name="Add Filter").click()
    page.locator(".field-filters").get_by_role("link", name=name, exact=True).click()
    row = page.locator("#filter_form table.filters tr").last
    if choice is not None:
        row.locator(".select2-container.filter-val .select2-choice").click()
        page.locator("#select2-drop .select2-result-label").get_by_text(choice, exact=True).click()
        with page.expect_navigation():
            page.locator("#filter_form").get_by_role("button", name="Apply").click()
    else:
        row.locator("input.filter-val").fill(text)
        with page.expect_navigation():
            row.locator("input.filter-val").press("Enter")  # submits the filter form, as typing a range and Enter does


def reset_filters(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name="Reset Filters").click()


def search(page: Page, text: str) -> None:
    page.get_by_placeholder("OpenBoxes number").fill(text)
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()


def sort_by(page: Page, column: str) -> None:
    with page.expect_navigation():
        page.locator("th.column-header").get_by_role("link", name=column).click()


def choose_page_size(page: Page, size: int) -> None:
    page.wait_for_load_state("load")
    page.locator(".nav-tabs").get_by_role("link", name="50 items").click()
    with page.expect_navigation():
        page.get_by_role("link", name=f"{size} items", exact=True).click()


def tick(page: Page, *numbers: str) -> None:
    for number in numbers:
        activity_row(page, number).locator("input.action-checkbox").check()


def with_selected(page: Page, action: str, confirmation: str) -> None:
    """Run a bulk action from the "With selected" menu and accept its confirmation dialog."""
    page.wait_for_load_state("load")
    messages = []

    def accept(dialog) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.locator(".nav-tabs").get_by_role("button", name="With selected").click()
    with page.expect_navigation():
        page.locator(".nav-tabs .dropdown-menu").get_by_role("link", name=action, exact=True).click()
    assert messages == [confirmation]


def status_of(page: Page, number: str) -> Locator:
    return activity_row(page, number).locator("td.col-status")


def export_csv(page: Page) -> list[dict]:
    with page.expect_download() as download_info:
        page.locator(".nav-tabs").get_by_role("link", name="Export", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


# --- the activity list -------------------------------------------------------------------------------------


def columns_show_each_rows_facts(page: Page) -> None:
    expect(page.locator("table.model-list thead th.column-header")).to_have_text(COLUMNS)
    expect_listed(page, "ACME-PO-2", "ACME-SM-1", "ACME-PO-1", "ACME-PO-OLD")  # newest change first
    old = activity_row(page, "ACME-PO-OLD")
    expect(old.locator("td.col-updated_at")).to_have_text("2026-01-15 12:00")
    expect(page.locator("#time-zone-note")).to_have_text("Times are in UTC.")
    expect(old.locator("td.col-entity_type")).to_have_text("Purchase order")
    expect(old.locator("td.col-attempts")).to_have_text("1")
    expect(old.locator("td.col-message")).to_have_text(NOT_LINKED)
    expect(status_of(page, "ACME-PO-OLD").locator(".badge-danger")).to_have_text("Sync Failed")
    expect(activity_row(page, "ACME-SM-1").locator("td.col-entity_type")).to_have_text("Shipment")
    synced = activity_row(page, "ACME-PO-2")
    expect(status_of(page, "ACME-PO-2").locator(".badge-success")).to_have_text("Synced")
    quickbooks = synced.locator("td.col-qbo_link").get_by_role("link", name="Purchase order ACME-PO-2 ↗")
    expect(quickbooks).to_have_attribute("href", "https://app.sandbox.qbo.intuit.com/app/purchaseorder?txnId=145")
    expect(quickbooks).to_have_attribute("target", "_blank")
    expect(activity_row(page, "ACME-PO-1").locator("td.col-qbo_link")).to_have_text("")
    expect(page.locator("table.model-list")).not_to_contain_text("BOLT")


def filters_narrow_the_list(page: Page) -> None:
    add_filter(page, "Entity", choice="Shipment")
    expect_listed(page, "ACME-SM-1")
    reset_filters(page)
    add_filter(page, "Error category", choice="Transient")
    expect_listed(page, "ACME-SM-1")
    reset_filters(page)
    add_filter(page, "Time", text="2026-01-01 00:00:00 to 2026-01-31 23:59:59")
    expect(page).to_have_url(re.compile(r"flt\d+_time_between=2026-01-01"))
    expect_listed(page, "ACME-PO-OLD")
    reset_filters(page)
    expect_listed(page, "ACME-PO-2", "ACME-SM-1", "ACME-PO-1", "ACME-PO-OLD")


def search_and_sort(page: Page) -> None:
    search(page, "PO-OLD")
    expect_listed(page, "ACME-PO-OLD")
    search(page, "BOLT")
    expect(page.locator("table.model-list tbody")).to_contain_text("There are no items in the table.")
    open_menu(page, "Integration Activity")  # back to the whole list
    sort_by(page, "OpenBoxes number")
    expect_listed(page, "ACME-PO-1", "ACME-PO-2", "ACME-PO-OLD", "ACME-SM-1")
    sort_by(page, "OpenBoxes number")  # again: descending
    expect_listed(page, "ACME-SM-1", "ACME-PO-OLD", "ACME-PO-2", "ACME-PO-1")
    sort_by(page, "Attempts")
    expect(listed_numbers(page).last).to_have_text("ACME-SM-1")  # 4 attempts, the others 1


def test_tenant_admin_reads_filters_searches_and_sorts_the_activity_list(page, live_server, activity):
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Integration Activity")
    columns_show_each_rows_facts(page)
    filters_narrow_the_list(page)
    search_and_sort(page)


def test_page_size_and_csv_export_hold_only_the_tenants_rows(page, live_server, activity, db):
    acme = activity["acme"]
    for index in range(26):
        make_activity(db, acme, f"ACME-BULK-{index:02}", status="synced", qbo_id=str(500 + index), attempts=1)
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Integration Activity")
    expect(listed_numbers(page)).to_have_count(30)

    choose_page_size(page, 25)
    expect(listed_numbers(page)).to_have_count(25)
    with page.expect_navigation():
        page.locator(".pagination").get_by_role("link", name="2", exact=True).click()
    expect(listed_numbers(page)).to_have_count(5)
    expect(page).to_have_url(re.compile(r"page_size=25"))

    table = export_csv(page)
    assert {row["Tenant"] for row in table} == {"Acme Medical"}
    assert len(table) == 30 and not any("BOLT" in row["OpenBoxes number"] for row in table)
    synced = next(row for row in table if row["OpenBoxes number"] == "ACME-PO-2")
    assert synced["Status"] == "synced"
    assert synced["QuickBooks"] == "https://app.sandbox.qbo.intuit.com/app/purchaseorder?txnId=145"
    failed = next(row for row in table if row["OpenBoxes number"] == "ACME-PO-1")
    assert (failed["Error"], failed["Error category"], failed["QuickBooks code"]) == (INACTIVE_AP, "permanent", "610")


def test_tenant_admin_retries_and_ignores_selected_rows(page, live_server, activity):
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Integration Activity")
    expect(page.locator("#retry-matching")).to_contain_text("Retry all 3 failed row(s) matching this filter")

    tick(page, "ACME-PO-1", "ACME-SM-1")
    with_selected(page, "Retry selected", "Retry the selected rows now?")
    expect(flash(page)).to_contain_text("Queued 2 row(s) for another try.")
    for number in ("ACME-PO-1", "ACME-SM-1"):
        expect(status_of(page, number)).to_have_text("Queued")
        expect(activity_row(page, number).locator("td.col-attempts")).to_have_text("0")
    expect(status_of(page, "ACME-PO-OLD")).to_have_text("Sync Failed")
    expect(page.locator("#retry-matching")).to_contain_text("Retry all 1 failed row(s) matching this filter")

    tick(page, "ACME-PO-OLD", "ACME-PO-2")  # a synced row cannot be ignored: only the failed one is
    with_selected(page, "Ignore", "Mark the selected rows as skipped? They will not be pushed.")
    expect(flash(page)).to_contain_text("Ignored 1 row(s).")
    expect(status_of(page, "ACME-PO-OLD")).to_have_text("Skipped")
    expect(activity_row(page, "ACME-PO-OLD").locator("td.col-message")).to_contain_text(f"Ignored by {ACME_ADMIN}")
    expect(status_of(page, "ACME-PO-2")).to_have_text("Synced")
    expect(page.locator("#retry-matching")).to_have_count(0)


# --- the detail page ---------------------------------------------------------------------------------------


def stub_openboxes(page: Page) -> None:
    """OpenBoxes' own pages, as far as this test needs them: a page titled after the address asked for."""
    page.context.route(
        f"{ACME_OPENBOXES}/**",
        lambda route: route.fulfill(content_type="text/html", body=f"<title>OpenBoxes {route.request.url}</title>"),
    )


def open_detail(page: Page, number: str) -> Locator:
    open_menu(page, "Integration Activity")
    with page.expect_navigation():
        page.get_by_role("link", name=number, exact=True).click()
    return page.locator("#activity-detail")


def follow_the_fix(page: Page, detail: Locator, fix: str, title: str) -> None:
    """Click the "How to fix it" link and land on the console page where it is done, then come back."""
    expect(detail.locator("#fix")).to_contain_text("Then retry this row")
    with page.expect_navigation():
        detail.locator("#fix").get_by_role("link", name=fix, exact=True).click()
    expect(page).to_have_title(re.compile(f"^Settings - {title} - "))
    with page.expect_navigation():
        page.go_back()


def test_detail_page_explains_the_failure_fixes_retries_and_links_to_openboxes(page, live_server, activity):
    stub_openboxes(page)
    sign_in(page, live_server, ACME_ADMIN)
    detail = open_detail(page, "ACME-PO-1")
    expect(detail.locator("h1")).to_contain_text("Purchase order ACME-PO-1")
    expect(detail.locator("h1 .badge")).to_have_text("Sync Failed")
    expect(detail.locator("#reason")).to_contain_text(INACTIVE_AP)
    expect(detail.locator("#reason")).to_contain_text("QuickBooks code 610")
    expect(detail.locator("#deep-links")).to_contain_text("Not in QuickBooks yet.")
    screenshot(page, "failed-row-detail")

    with page.expect_popup() as popup_info:
        detail.get_by_role("link", name="Open in OpenBoxes ↗").click()
    openboxes = popup_info.value
    expect(openboxes).to_have_url(f"{ACME_OPENBOXES}/openboxes/order/show/id-ACME-PO-1")
    openboxes.close()

    follow_the_fix(page, detail, "Remap the account under Account mappings", "Account mappings")
    detail.locator("#fix").get_by_role("button", name="Retry").click()
    expect(flash(page)).to_contain_text("Queued 1 row(s) for another try.")
    expect(detail.locator("h1 .badge")).to_have_text("Queued")
    expect(detail.locator("#attempt-history")).to_contain_text(f"Retry requested by {ACME_ADMIN}")

    detail = open_detail(page, "ACME-PO-OLD")
    follow_the_fix(page, detail, "Link the product under Product links", "Product links")


def test_detail_page_ignores_a_row_and_links_a_synced_row_to_quickbooks(page, live_server, activity):
    sign_in(page, live_server, ACME_ADMIN)
    detail = open_detail(page, "ACME-SM-1")
    expect(detail.locator("#fix")).to_contain_text("Retry: the cause was passing, nothing needs changing")
    detail.get_by_role("button", name="Ignore (do not push)").click()
    expect(flash(page)).to_contain_text("Ignored 1 row(s).")
    expect(detail.locator("h1 .badge")).to_have_text("Skipped")
    expect(detail.get_by_role("button", name="Ignore (do not push)")).to_have_count(0)

    detail = open_detail(page, "ACME-PO-2")
    quickbooks = detail.get_by_role("link", name="Open in QuickBooks ↗")
    expect(quickbooks).to_have_attribute("href", "https://app.sandbox.qbo.intuit.com/app/purchaseorder?txnId=145")
    expect(detail.locator("#fix")).to_have_count(0)


# --- support staff -------------------------------------------------------------------------------------------


def tenant_column(page: Page) -> Locator:
    return page.locator("table.model-list tbody td.col-tenant")


def support_retries_every_failed_row_of_both_tenants(page: Page) -> None:
    filter_status(page, "Sync Failed")
    expect_listed(page, "BOLT-PO-1", "ACME-SM-1", "ACME-PO-1", "ACME-PO-OLD")
    expect(page.locator("#retry-matching")).to_contain_text("Retry all 4 failed row(s) matching this filter")
    page.wait_for_load_state("load")  # ticking "select all" ticks the rows through Flask-Admin's script
    page.locator("input.action-rowtoggle").check()
    expect(page.locator("input.action-checkbox:checked")).to_have_count(4)
    with_selected(page, "Retry selected", "Retry the selected rows now?")
    expect(flash(page)).to_contain_text("Queued 4 row(s) for another try.")
    expect(page.locator("table.model-list tbody")).to_contain_text("There are no items in the table.")
    reset_filters(page)
    for number in ("BOLT-PO-1", "ACME-SM-1", "ACME-PO-1", "ACME-PO-OLD"):
        expect(status_of(page, number)).to_have_text("Queued")
    for number in ("BOLT-PO-2", "ACME-PO-2"):
        expect(status_of(page, number)).to_have_text("Synced")


def audit_log_names_both_tenants(page: Page) -> None:
    open_menu(page, "Audit log")
    retried = page.locator("table.model-list tbody tr", has_text="Retried")  # one event per tenant, in words
    expect(retried).to_have_count(2)
    expect(retried.filter(has_text="Bolt Clinics")).to_contain_text("Retried 1 failed row (purchase orders: 1)")
    expect(retried.filter(has_text="Acme Medical")).to_contain_text(
        "Retried 3 failed rows (purchase orders: 2, shipments: 1)"
    )
    expect(retried.filter(has_text=SUPPORT)).to_have_count(2)
    code = retried.first.locator("details.technical-details code")
    expect(code).to_be_hidden()  # the action code stays folded until asked for
    retried.first.get_by_text("Technical details").click()
    expect(code).to_have_text("activity.retried")


def test_support_sees_both_tenants_filters_by_tenant_and_retries_across_them(page, live_server, activity):
    sign_in(page, live_server, SUPPORT)
    open_menu(page, "Integration Activity")
    expect_listed(page, "BOLT-PO-2", "BOLT-PO-1", "ACME-PO-2", "ACME-SM-1", "ACME-PO-1", "ACME-PO-OLD")
    expect(tenant_column(page)).to_have_text(["Bolt Clinics"] * 2 + ["Acme Medical"] * 4)

    add_filter(page, "Tenant", choice="Bolt Clinics")
    expect_listed(page, "BOLT-PO-2", "BOLT-PO-1")
    reset_filters(page)

    support_retries_every_failed_row_of_both_tenants(page)
    audit_log_names_both_tenants(page)


def test_tenant_admin_in_the_same_data_sees_only_their_own_rows(page, live_server, activity):
    sign_in(page, live_server, BOLT_ADMIN)
    open_menu(page, "Integration Activity")
    expect_listed(page, "BOLT-PO-2", "BOLT-PO-1")
    expect(tenant_column(page)).to_have_count(0)  # every row is theirs: no Tenant column
    sort_by(page, "OpenBoxes number")  # sort links still name the right column without it
    expect_listed(page, "BOLT-PO-1", "BOLT-PO-2")
    expect(page.locator("#retry-matching")).to_contain_text("Retry all 1 failed row(s) matching this filter")

    page.get_by_role("link", name="Add Filter").click()
    page.locator(".field-filters").get_by_role("link", name="Tenant", exact=True).click()
    page.locator("#filter_form .select2-container.filter-val .select2-choice").click()
    expect(page.locator("#select2-drop .select2-result-label")).to_have_text(["Bolt Clinics"])  # no Acme to pick
    page.keyboard.press("Escape")

    search(page, "ACME")
    expect(page.locator("table.model-list tbody")).to_contain_text("There are no items in the table.")
    table = export_csv(page)
    assert table == []


# --- the dashboard -------------------------------------------------------------------------------------------


def wait_out_midnight_in_chicago(margin_seconds: int = 120) -> None:
    """The chart's days are Acme's (Chicago) days counted from now: don't seed a day that ends before the page
    is read."""
    now = utcnow().astimezone(CHICAGO)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=CHICAGO)
    if (midnight - now).total_seconds() < margin_seconds:
        time.sleep((midnight - now).total_seconds() + 1)


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def chicago_day(days: int) -> datetime:
    """The moment ``days`` ago as a Chicago wall-clock time: the chart puts it on that local day."""
    return days_ago(days).astimezone(CHICAGO)


def in_chicago(moment: datetime) -> str:
    return f"{moment.astimezone(CHICAGO):%Y-%m-%d %H:%M}"  # the page names the zone once


@pytest.fixture
def dashboard(two_tenants, db):
    """Acme, scheduled daily, both connections up; a last run and two weeks of synced and failed rows."""
    wait_out_midnight_in_chicago()
    acme, bolt = two_tenants["acme"], two_tenants["bolt"]
    acme.sync_mode, acme.daily_time, acme.timezone = "scheduled", "02:30", "America/Chicago"
    acme.next_run_at = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)
    quickbooks = QuickBooksConnection(
        tenant=acme, realm_id="r1", company_name="Acme Books", status="connected",
        access_expires_at=(utcnow() + timedelta(minutes=50)).replace(microsecond=0),
        refresh_expires_at=(utcnow() + timedelta(days=90)).replace(microsecond=0),
    )  # fmt: skip
    openboxes = OpenBoxesConnection(
        tenant=acme, base_url=ACME_OPENBOXES, username="u", password="p", location_id="L",
        last_checked_at=datetime(2026, 11, 26, 15, 0, tzinfo=UTC), last_check_message="Connected to OpenBoxes 0.9.4",
    )  # fmt: skip
    run = SyncRun(tenant=acme, trigger="scheduled", fetched=7, started_at=days_ago(0), finished_at=days_ago(0))
    db.session.add_all([quickbooks, openboxes, run])
    db.session.commit()
    seed_two_weeks(db, acme, run)
    make_activity(db, bolt, "BOLT-1", message="boltmark reason", updated_at=days_ago(1))
    return {"acme": acme, "quickbooks": quickbooks, "run": run}


def seed_two_weeks(db, acme, run: SyncRun) -> None:
    for index in range(3):
        make_activity(db, acme, f"S-{index}", status="synced", updated_at=days_ago(2), run_id=run.id)
    make_activity(db, acme, "S-today", status="synced", updated_at=days_ago(0))
    make_activity(db, acme, "F-1", updated_at=days_ago(0), run_id=run.id)
    make_activity(db, acme, "F-2", updated_at=days_ago(0))
    make_activity(db, acme, "F-3", message=NOT_LINKED, updated_at=days_ago(5))
    make_activity(db, acme, "F-old", updated_at=days_ago(30))  # before the chart's fortnight
    make_activity(db, acme, "Q-1", status="queued", run_id=run.id)


def connections_card_shows_both_with_token_expiry(page: Page, quickbooks: QuickBooksConnection) -> None:
    card = page.locator("#connections")
    expect(card).to_contain_text("QuickBooks: Acme Books")
    expect(card.locator(".badge")).to_have_text("connected")
    expiry = card.locator("#token-expiry")
    expect(expiry).to_contain_text(f"Access token expires {in_chicago(quickbooks.access_expires_at)}")
    expect(expiry).to_contain_text(f"reconnect needed after {in_chicago(quickbooks.refresh_expires_at)}")
    expect(card).to_contain_text(f"OpenBoxes: {ACME_OPENBOXES}")
    expect(card).to_contain_text("Last checked 2026-11-26 09:00: Connected to OpenBoxes 0.9.4")
    expect(page.locator("#needs-reconnect")).to_have_count(0)


def sync_card_shows_mode_next_and_last_run(page: Page, run: SyncRun) -> None:
    card = page.locator("#sync-mode")
    expect(card).to_contain_text("Mode: scheduled, daily at 02:30")
    expect(card).to_contain_text("Next run: 2026-11-28 02:30")
    expect(card.locator(".last-run")).to_have_text(
        f"Last run: {in_chicago(run.started_at)} (scheduled): 7 fetched; now 3 synced, 1 failed, 1 waiting, 0 skipped"
    )


def status_count(page: Page, status: str) -> Locator:
    return page.locator(f'#status-counts [data-status="{status}"] [data-count]')


def counts_by_status(page: Page) -> None:
    expected = {"queued": 1, "syncing": 0, "synced": 4, "retrying": 0, "sync_failed": 4, "skipped": 0}
    for status, count in expected.items():
        expect(status_count(page, status)).to_have_text(str(count))
    expect(page.locator("#status-counts .badge")).to_have_text(
        ["Queued", "Syncing", "Synced", "Retrying", "Sync Failed", "Skipped"]
    )


def label_under(labels: Locator, bar: Locator) -> str:
    """The day label drawn nearest below the middle of ``bar`` (what a reader takes as its day)."""
    box = bar.bounding_box()
    middle = box["x"] + box["width"] / 2
    boxes = {label.text_content(): label.bounding_box() for label in labels.all()}
    return min(boxes, key=lambda text: abs(boxes[text]["x"] + boxes[text]["width"] / 2 - middle))


def chart_draws_each_day_on_its_label(page: Page) -> None:
    chart = page.locator("svg#daily-chart")
    expect(chart).to_be_visible()
    labels = chart.locator("text").filter(has_text=re.compile(r"^\d\d-\d\d$"))
    expect(labels).to_have_count(14)
    expect(page.locator("#time-zone-note")).to_have_text("Times are in America/Chicago.")
    assert page.locator("body").inner_text().count("America/Chicago") == 1  # named once for the whole page
    expect(labels.first).to_have_text(f"{chicago_day(13):%m-%d}")
    expect(labels.last).to_have_text(f"{chicago_day(0):%m-%d}")
    expect(chart.locator("rect.bar")).to_have_count(4)  # F-old is older than the fortnight
    heights = {}
    for (kind, ago), count in {("synced", 2): 3, ("synced", 0): 1, ("failed", 0): 2, ("failed", 5): 1}.items():
        day = chicago_day(ago)
        bar = chart.locator(f'rect.bar-{kind}[data-day="{day:%Y-%m-%d}"]')
        expect(bar).to_have_attribute("data-count", str(count))
        expect(bar).to_have_attribute("fill", "#18bc9c" if kind == "synced" else "#e74c3c")
        expect(bar.locator("title")).to_have_text(f"{day:%Y-%m-%d}: {count} {kind}")
        assert label_under(labels, bar) == f"{day:%m-%d}"
        heights[kind, ago] = float(bar.get_attribute("height"))
    assert heights["synced", 2] == pytest.approx(3 * heights["synced", 0], abs=0.2)
    assert heights["failed", 0] == pytest.approx(2 * heights["failed", 5], abs=0.2)


def top_failure_reasons(page: Page) -> None:
    reasons = page.locator("#top-reasons tbody tr")
    expect(reasons).to_have_count(2)
    expect(reasons.nth(0).locator("td").first).to_contain_text(f"For example: {INACTIVE_AP}")
    expect(reasons.nth(0).locator("td").nth(1)).to_have_text("3")
    expect(reasons.nth(0)).to_contain_text("I fixed it: retry these 3")
    expect(reasons.nth(1).locator("td").first).to_contain_text(f"For example: {NOT_LINKED}")
    expect(reasons.nth(1).locator("td").nth(1)).to_have_text("1")
    expect(page.locator("body")).not_to_contain_text("boltmark")


def tip_opens_the_failed_rows(page: Page) -> None:
    tip = page.locator("#tip")
    expect(tip).to_contain_text("Tip: review failed syncs weekly")
    with page.expect_navigation():
        tip.get_by_role("link", name="review failed syncs weekly").click()
    expect(page).to_have_url(re.compile(r"/admin/activity/\?flt0_status_equals=sync_failed$"))
    expect(page.locator("#filter_form .select2-container.filter-val")).to_have_text("Sync Failed")
    expect(listed_numbers(page)).to_have_count(4)
    assert sorted(listed_numbers(page).all_inner_texts()) == ["F-1", "F-2", "F-3", "F-old"]
    expect(page.locator("#retry-matching")).to_contain_text("Retry all 4 failed row(s) matching this filter")


def test_dashboard_shows_connections_sync_counts_chart_reasons_and_the_weekly_tip(page, live_server, dashboard):
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Home")
    expect(page.locator("h2").first).to_have_text("Acme Medical")
    connections_card_shows_both_with_token_expiry(page, dashboard["quickbooks"])
    sync_card_shows_mode_next_and_last_run(page, dashboard["run"])
    counts_by_status(page)
    chart_draws_each_day_on_its_label(page)
    top_failure_reasons(page)
    screenshot(page, "home")
    tip_opens_the_failed_rows(page)


def test_dashboard_banner_sends_the_admin_to_reconnect_quickbooks(page, live_server, dashboard, db):
    dashboard["quickbooks"].status = "needs_reconnect"  # QuickBooks refused the grant
    db.session.commit()
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Home")
    banner = page.locator("#needs-reconnect")
    expect(banner).to_contain_text("QuickBooks needs reconnecting (Acme Books)")
    expect(banner).to_contain_text("nothing is pushed until you reconnect")
    expect(page.locator("#connections .badge")).to_have_text("needs reconnect")
    expect(page.locator("#connections")).not_to_contain_text("renewed automatically")  # no contradiction
    with page.expect_navigation():
        banner.get_by_role("link", name="Reconnect QuickBooks").click()
    expect(page).to_have_url(live_server.url("/admin/quickbooks/"))
    expect(page.get_by_text("QuickBooks no longer accepts this connection's tokens.")).to_be_visible()
    expect(page.get_by_role("button", name="Reconnect to QuickBooks")).to_be_visible()


def test_i_fixed_it_retries_every_row_of_that_cause_after_a_confirmation(page, live_server, dashboard, redis):
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Home")
    cause = page.locator("#top-reasons tbody tr").first
    cause.get_by_role("button", name="I fixed it: retry these 3").click()
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text("Retry 3 failed row(s)?")
    expect(confirmation).to_contain_text("They fail again if the cause is not fixed yet")
    confirmation.get_by_role("button", name="Retry 3 row(s)").click()
    expect(flash(page)).to_contain_text("Queued 3 row(s) for another try.")
    expect(page.locator("#top-reasons tbody tr")).to_have_count(1)  # only the other cause is left
    expect(status_count(page, "sync_failed")).to_have_text("1")


def test_product_links_say_quickbooks_needs_reconnecting_not_that_it_is_missing(page, live_server, dashboard, db):
    dashboard["quickbooks"].status = "needs_reconnect"
    db.session.commit()
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Settings", "Product links")
    page.get_by_role("button", name="Refresh QuickBooks items").click()
    expect(flash(page)).to_contain_text("QuickBooks needs reconnecting: it no longer accepts this connection's tokens")
    expect(page.locator("body")).not_to_contain_text("not connected")


def test_real_time_polls_that_found_nothing_do_not_hide_the_last_run_that_did(page, live_server, dashboard, db):
    acme, run = dashboard["acme"], dashboard["run"]
    acme.sync_mode = "realtime"
    for minutes in (1, 2, 3):  # a real-time poll every minute since, each finding nothing new
        quiet = run.started_at + timedelta(minutes=minutes)
        db.session.add(SyncRun(tenant=acme, trigger="realtime", fetched=0, started_at=quiet, finished_at=quiet))
    db.session.commit()
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Home")
    card = page.locator("#sync-mode")
    expect(card).to_contain_text(f"Last run that found records: {in_chicago(run.started_at)}")
    expect(card).to_contain_text("7 fetched; now 3 synced")
    expect(card).to_contain_text(": nothing new.")
    expect(card).not_to_contain_text("0 fetched")
