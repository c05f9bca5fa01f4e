"""A new tenant admin, in Chromium, from an empty tenant to a first synced purchase order and then to a history
import from a chosen date, with its preview and progress bar: no CLI, only the console and the sandboxes' own pages.

With ``SCREENSHOTS_DIR`` set (``make screenshots``), each step's screenshot goes there for the README.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_EMAIL, screenshot, sign_in
from tests.browser.test_console_flow import (
    ROLE_ACCOUNTS,
    WORKER_TIMEOUT,
    activity_row,
    choose_daily_sync,
    connect_quickbooks,
    flash,
    map_accounts,
    open_menu,
    start_syncing,
    sync_now,
)
from tests.conftest import TEST_PASSWORD
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.browser
ZONE = ZoneInfo("America/New_York")


@pytest.fixture
def empty_tenant(db):
    """Acme with its tenant admin and nothing else: no OpenBoxes, no QuickBooks, no mappings, not syncing."""
    tenant = make_tenant("Acme Medical", timezone="America/New_York", sync_enabled_at=None)
    make_user(ADMIN_EMAIL, "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    return tenant


def autumn_in_openboxes(ob) -> dict:
    """Someone used OpenBoxes 50 days ago, long before the bridge: an order placed then, on that day's clock."""
    day = datetime.now(ZONE).date() - timedelta(days=50)
    ob.control("POST", "/clock", {"set": datetime.combine(day, time(15), UTC).isoformat().replace("+00:00", "Z")})
    supplier, product = ob.supplier("Autumn Supplies"), ob.product("Autumn gloves", "AUT-1", "4.00")
    order = ob.purchase_order(supplier["id"], [(product["id"], 10, "4.00")], dateOrdered=f"{day.isoformat()}T12:00:00Z")
    ob.approve(order["id"])
    ob.control("POST", "/clock", {"set": datetime.now(UTC).isoformat().replace("+00:00", "Z")})
    return {"day": day, "order": order}


def connect_openboxes(page: Page, ob) -> None:
    open_menu(page, "Settings", "OpenBoxes")
    page.get_by_label("OpenBoxes URL").fill(ob.url)
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_label("Location (facility)").fill(ob.facility_id())  # typed: nothing saved yet to list from
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Test connection").click()
    expect(flash(page)).to_contain_text("Connected to OpenBoxes")


def preview_history(page: Page, day: date) -> None:
    open_menu(page, "Settings", "Sync preferences")
    page.get_by_label("Sync history from").fill(day.isoformat())
    page.get_by_role("button", name="Preview", exact=True).click()
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text(f"Sync Acme Medical from {day:%Y-%m-%d}?")
    lines = ("Send 1 approved purchase order (1 more already in QuickBooks).", "Send 1 supplier (", "Send 1 product (")
    for line in (*lines, "Send 0 inventory adjustment lines."):
        expect(confirmation).to_contain_text(line)
    expect(confirmation).to_contain_text("Use at least 3 QuickBooks requests")
    screenshot(page, "history-preview")


def import_history(page: Page, day: date) -> None:
    page.locator("#confirmation").get_by_role("button", name=f"Sync from {day:%Y-%m-%d}").click()
    progress = page.locator("#sync-progress")
    expect(progress.locator("h1")).to_have_text(f"Importing history from {day.isoformat()}")
    expect(progress.locator('[data-field="state-label"]')).to_have_text("Finished.", timeout=WORKER_TIMEOUT * 1000)
    expect(progress.locator('[data-field="bar-synced"]')).to_have_text("3")
    expect(progress.locator('[data-field="bar-total"]')).to_have_text("3")
    expect(page.get_by_role("progressbar", name="3 of 3 records synced")).to_have_attribute("value", "3")
    screenshot(page, "history-progress")


def test_new_admin_goes_from_an_empty_tenant_to_a_synced_order_and_a_history_import(
    page, live_server, worker, empty_tenant, ob, qb
):
    autumn = autumn_in_openboxes(ob)
    sign_in(page, live_server, ADMIN_EMAIL)
    screenshot(page, "setup-checklist")
    connect_openboxes(page, ob)
    connect_quickbooks(page)
    map_accounts(page, ROLE_ACCOUNTS)
    start_syncing(page)
    choose_daily_sync(page)

    supplier, gauze = ob.supplier("Gauze & Co"), ob.product("Sterile gauze", "GZ-10", "2.50")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])
    ob.approve(order["id"])
    sync_now(page, pushed=3, failed=0)
    screenshot(page, "sync-now-progress")
    open_menu(page, "Integration Activity")
    expect(activity_row(page, order["orderNumber"])).to_contain_text("Synced")
    expect(page.locator("table.model-list tbody")).not_to_contain_text(autumn["order"]["orderNumber"])

    start = autumn["day"] - timedelta(days=10)
    preview_history(page, start)
    import_history(page, start)
    open_menu(page, "Integration Activity")
    expect(activity_row(page, autumn["order"]["orderNumber"])).to_contain_text("Synced")
    dated = {po["DocNumber"]: po["TxnDate"] for po in qb.objects("PurchaseOrder")}
    assert dated[autumn["order"]["orderNumber"]] == autumn["day"].isoformat()
    assert len(dated) == 2
