"""What a clinic's finance person meets, in Chromium: no support Ledger, status tabs with counts, the activity
list on a phone showing Status and Error, the OpenBoxes location picked from OpenBoxes' own list, Sync runs
with their counts, and "start syncing" refused while the setup is incomplete."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import QuickBooksConnection, Tenant
from tests.browser.conftest import ADMIN_EMAIL, screenshot, sign_in
from tests.browser.test_console_accessibility import blocking_violations
from tests.browser.test_console_activity_and_dashboard import (  # noqa: F401
    ACME_ADMIN,
    SUPPORT,
    activity,
    dashboard,
    expect_listed,
)
from tests.browser.test_console_flow import flash, open_menu
from tests.browser.test_console_quickbooks_and_products import ESSENTIALS, connect_company
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user
from tests.sync_fixtures import work

pytestmark = pytest.mark.browser


def navbar_links(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("nav.navbar a").all_inner_texts()]


def test_the_ledger_is_for_support_only(page: Page, live_server, activity):  # noqa: F811
    sign_in(page, live_server, ACME_ADMIN)
    assert "Ledger" not in navbar_links(page) and "Audit log" in navbar_links(page)
    response = page.goto(live_server.url("/admin/entity_links/"))
    assert response.status == 403
    page.goto(live_server.url("/auth/logout"))
    sign_in(page, live_server, SUPPORT)
    open_menu(page, "Ledger", "Watermarks")
    expect(page.locator("h1, h2").first).to_be_visible()
    assert page.url.endswith("/admin/watermarks/")


def test_status_tabs_count_and_filter_the_activity_list(page: Page, live_server, activity):  # noqa: F811
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Integration Activity")
    tabs = page.get_by_role("navigation", name="Rows by status")
    expect(tabs.get_by_role("link")).to_have_text(
        ["All 4", "Needs attention 3", "Failed 3", "Waiting 0", "Synced 1", "Skipped 0"]
    )
    expect(tabs.get_by_role("link", name="All 4")).to_have_attribute("aria-current", "page")
    screenshot(page, "activity-list")
    tabs.get_by_role("link", name="Synced 1").click()
    expect(page).to_have_url(re.compile(r"flt9_status_equals=synced"))
    expect_listed(page, "ACME-PO-2")
    expect(
        page.get_by_role("navigation", name="Rows by status").get_by_role("link", name="Synced 1")
    ).to_have_attribute("aria-current", "page")
    page.get_by_role("navigation", name="Rows by status").get_by_role("link", name="Needs attention 3").click()
    expect_listed(page, "ACME-SM-1", "ACME-PO-1", "ACME-PO-OLD")
    page.wait_for_load_state("load")  # the filter bar (the applied group filter) is built by script
    assert blocking_violations(page) == []


def test_on_a_phone_the_activity_list_shows_status_and_error(page: Page, live_server, activity):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, ACME_ADMIN)
    page.goto(live_server.url("/admin/activity/"))
    row = page.locator("table.model-list tbody tr", has_text="ACME-SM-1")
    for cell in (row.locator("td.col-status"), row.locator("td.col-message")):
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    expect(row.locator("td.col-status")).to_contain_text("Sync Failed")
    expect(row.locator("td.col-message")).to_contain_text("QuickBooks did not answer")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width} px)"
    screenshot(page, "activity-phone")
    assert blocking_violations(page) == []


def test_openboxes_location_is_picked_from_openboxes_list(page: Page, live_server, fresh_tenant, ob):
    sign_in(page, live_server, ADMIN_EMAIL)
    open_menu(page, "Settings", "OpenBoxes")
    picker = page.get_by_label("Location (facility)")
    expect(picker.locator("option:checked")).to_have_text("Main Warehouse (MW)")
    expect(page.locator("#location-help")).to_contain_text("The list comes from OpenBoxes.")
    assert blocking_violations(page) == []
    picker.select_option(label="North Depot (ND)")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_contain_text("OpenBoxes settings saved.")
    expect(page.get_by_label("Location (facility)").locator("option:checked")).to_have_text("North Depot (ND)")
    page.get_by_role("button", name="Test connection").click()
    expect(flash(page)).to_contain_text("location North Depot")

    ob.fault(route="/openboxes/api/locations", kind="error", status=503, count=20)
    page.reload()
    typed = page.get_by_label("Location (facility)")
    expect(typed).to_have_attribute("type", "text")
    expect(page.locator("#location-problem")).to_contain_text("could not be read from OpenBoxes")


def test_tenant_admin_names_alert_addresses_and_reads_that_email_is_off(page: Page, live_server, activity, app):  # noqa: F811
    app.config.update(SMTP_HOST="")
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Settings", "Sync preferences")
    expect(page.locator("#no-smtp")).to_contain_text("This installation cannot send email yet")
    field = page.get_by_label("Also email failure alerts to")
    field.fill("finance@acme.test\nnot-an-address")
    page.get_by_role("button", name="Save alert addresses").click()
    expect(flash(page)).to_contain_text("Not saved: 'not-an-address' is not an email address")
    page.get_by_label("Also email failure alerts to").fill("Finance@Acme.test\nops@acme.test")
    page.get_by_role("button", name="Save alert addresses").click()
    expect(flash(page)).to_contain_text("Saved the failure alert addresses of Acme Medical.")
    expect(page.get_by_label("Also email failure alerts to")).to_have_value("finance@acme.test\nops@acme.test")
    screenshot(page, "sync-preferences")
    open_menu(page, "Audit log")
    expect(page.locator("table.model-list tbody tr").first).to_contain_text(
        "Set the failure alert addresses: finance@acme.test, ops@acme.test"
    )


def test_sync_runs_show_where_each_runs_rows_stand_to_the_minute(page: Page, live_server, dashboard):  # noqa: F811
    sign_in(page, live_server, ACME_ADMIN)
    open_menu(page, "Sync runs")
    run = page.locator("table.model-list tbody tr").first
    expect(run.locator("td.col-fetched")).to_have_text("7")
    for column, count in {"synced": "3", "failed": "1", "skipped": "0", "waiting": "1"}.items():
        expect(run.locator(f"td.col-{column}")).to_have_text(count)
    expect(run.locator("td.col-started_at")).to_have_text(re.compile(r"^\s*\d{4}-\d\d-\d\d \d\d:\d\d\s*$"))


def test_start_syncing_is_refused_until_the_setup_is_complete_saying_what_is_missing(
    page: Page, live_server, fresh_tenant, qbo_app, redis, db
):
    sign_in(page, live_server, ADMIN_EMAIL)
    connect_company(page, ESSENTIALS)  # no accounts mapped; purchase orders still set to PurchaseOrder
    page.get_by_role("button", name="Start syncing from now").click()
    refusal = page.locator("main")
    expect(refusal).to_contain_text("Acme Medical cannot start syncing yet")
    expect(refusal).to_contain_text("Map the accounts for ")
    expect(refusal).to_contain_text("Switch purchase orders to Bill")
    db.session.expire_all()
    assert db.session.get(Tenant, fresh_tenant.id).sync_enabled_at is None


def test_sync_now_waits_plainly_for_a_reconnect_instead_of_pushing_forever(
    page: Page, live_server, tenant, ob, db, redis
):
    supplier, tape = ob.supplier("Medline"), ob.product("Tape", "TP-1")
    ob.approve(ob.purchase_order(supplier["id"], [(tape["id"], 1, "2.00")])["id"])
    make_user(ADMIN_EMAIL, "tenant_admin", tenant, TEST_PASSWORD)
    db.session.scalar(db.select(QuickBooksConnection).filter_by(tenant_id=tenant.id)).status = "needs_reconnect"
    db.session.commit()
    sign_in(page, live_server, ADMIN_EMAIL)
    open_menu(page, "Settings", "Sync preferences")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-progress")).to_be_visible()
    work(redis)  # the poll, then the pushes, which find QuickBooks needing a reconnect
    expect(page.locator('#sync-progress [data-field="state-label"]')).to_have_text(
        "Waiting: QuickBooks needs reconnecting (Settings › QuickBooks). The records stay queued and go out after "
        "the reconnect."
    )
