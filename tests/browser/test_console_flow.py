"""A tenant admin works the console in Chromium, from an empty tenant to synced orders, a failure and its fix.

Everything happens through clicks and form fills against the live server; the OpenBoxes and QuickBooks
sandboxes are changed only where a person would change them in those systems (new orders, an account made
inactive, a new account). A real worker process does the syncing.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Locator, Page, expect

from portal.models import SyncActivity
from tests.browser.conftest import ADMIN_EMAIL, LiveServer, sign_in
from tests.engine.test_failures import _create_ap_account
from tests.factories import make_tenant, make_user
from tests.sync_fixtures import PLUS_MAPPINGS
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

WORKER_TIMEOUT = 90  # seconds: a poll and its pushes on a busy 2-core machine
ROLE_ACCOUNTS = {  # role label on the mappings page -> the account picked ("number - name")
    "Inventory purchases": "5000 - Cost of Goods Sold",
    "Inventory asset": "1300 - Inventory Asset",
    "Accounts payable": "2000 - Accounts Payable (A/P)",
    "Outbound revenue": "4000 - Sales of Product Income",
    "Inventory adjustments": "5100 - Inventory Shrinkage",
    "Deposit account": "1000 - Checking",
}
INACTIVE_AP_REASON = "QuickBooks account 2000 - Accounts Payable (A/P) (id 5) is inactive or deleted"


# --- what a person does --------------------------------------------------------------------------------


def open_menu(page: Page, *names: str) -> None:
    """Click through the console's navigation bar, e.g. ``open_menu(page, "Settings", "QuickBooks")``."""
    navbar = page.locator("nav.navbar")
    for name in names:
        navbar.get_by_role("link", name=name, exact=True).click()


def flash(page: Page) -> Locator:
    return page.locator(".alert")


def reload_until_visible(page: Page, locator: Locator, timeout: float = WORKER_TIMEOUT) -> None:
    """Press reload until ``locator`` shows (the page does not refresh itself; a worker changes the data)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            expect(locator).to_be_visible(timeout=2_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def company_fact(page: Page, name: str) -> Locator:
    """The value cell of one row of the QuickBooks page's company table."""
    row = page.locator("#company tr", has=page.get_by_role("rowheader", name=name, exact=True))
    return row.locator("td")


def connect_quickbooks(page: Page) -> None:
    open_menu(page, "Settings", "QuickBooks")
    expect(page.locator(".card", has_text="QuickBooks Online")).to_contain_text("not connected")
    page.get_by_role("button", name="Connect to QuickBooks").click()

    expect(page).to_have_title("Connect to QuickBooks (sandbox)")  # the sandbox's consent page
    page.get_by_label("Company").select_option(label="Sandbox Company US Plus (Plus, 9341453050000001)")
    page.get_by_role("button", name="Connect", exact=True).click()

    expect(flash(page).first).to_contain_text("Connected to QuickBooks: Sandbox Company US Plus.")
    expect(company_fact(page, "Company")).to_have_text("Sandbox Company US Plus")
    expect(company_fact(page, "Plan")).to_have_text("QuickBooks Online Plus")
    expect(page.locator(".plan-warning")).to_have_count(0)

    page.get_by_role("button", name="Start syncing from now").click()
    expect(flash(page).first).to_contain_text("Syncing enabled")
    expect(page.locator(".card", has_text="Syncing").last).to_contain_text("Syncing since")


def map_every_role(page: Page) -> None:
    open_menu(page, "Settings", "Account mappings")
    for role, account in ROLE_ACCOUNTS.items():
        page.get_by_label(role, exact=True).select_option(label=account)
    page.get_by_role("button", name="Save mappings").click()
    expect(flash(page).first).to_contain_text("Saved: Inventory purchases, Inventory asset, Accounts payable")
    for role, account in ROLE_ACCOUNTS.items():
        expect(page.locator("tr", has=page.get_by_label(role, exact=True))).to_contain_text(account)


def sync_now(page: Page, pushed: int, failed: int) -> None:
    """Sync now, then watch the progress page until the run is finished with these counts."""
    open_menu(page, "Settings", "Sync preferences")
    page.get_by_role("button", name="Sync now").click()
    progress = page.locator("#sync-progress")
    expect(progress.locator('[data-field="state-label"]')).to_have_text("Finished.", timeout=WORKER_TIMEOUT * 1000)
    expect(progress.locator('[data-field="pushed"]')).to_have_text(str(pushed))
    expect(progress.locator('[data-field="failed"]')).to_have_text(str(failed))


def activity_row(page: Page, number: str) -> Locator:
    return page.locator("table.model-list tbody tr", has_text=number)


def remap_accounts_payable(page: Page, account: str) -> None:
    open_menu(page, "Settings", "Account mappings")
    page.get_by_role("button", name="Refresh accounts").click()
    expect(flash(page).first).to_contain_text("accounts from QuickBooks.")
    page.get_by_label("Accounts payable", exact=True).select_option(label=account)
    page.get_by_role("button", name="Save mappings").click()
    expect(flash(page).first).to_contain_text("Saved: Accounts payable.")


def filter_status(page: Page, status: str) -> None:
    """Add the activity list's Status filter through Flask-Admin's filter bar and apply it."""
    page.get_by_role("link", name="Add Filter").click()
    page.locator(".field-filters").get_by_role("link", name="Status", exact=True).click()
    page.locator("#filter_form select.filter-val").select_option(label=status)
    page.locator("#filter_form").get_by_role("button", name="Apply").click()


# --- the story --------------------------------------------------------------------------------------------


def test_admin_connects_maps_syncs_recovers_a_failure_and_disconnects(page, live_server, worker, fresh_tenant, ob, qb):
    sign_in(page, live_server, ADMIN_EMAIL)
    connect_quickbooks(page)
    map_every_role(page)

    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    first = ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])
    ob.approve(first["id"])
    sync_now(page, pushed=3, failed=0)

    open_menu(page, "Integration Activity")
    for number in (first["orderNumber"], "GZ-10", supplier["code"]):
        expect(activity_row(page, number)).to_contain_text("Synced")

    qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")
    second = ob.purchase_order(supplier["id"], [(gauze["id"], 6, "2.50")])
    ob.approve(second["id"])
    sync_now(page, pushed=0, failed=1)

    open_menu(page, "Integration Activity")
    failed = activity_row(page, second["orderNumber"])
    expect(failed).to_contain_text("Sync Failed")
    expect(failed).to_contain_text(INACTIVE_AP_REASON)
    expect(activity_row(page, first["orderNumber"])).to_contain_text("Synced")

    _create_ap_account(qb)  # someone adds a new A/P account in QuickBooks
    remap_accounts_payable(page, "2010 - A/P 2")

    open_menu(page, "Integration Activity")
    filter_status(page, "Sync Failed")
    expect(page.locator("table.model-list tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Retry all 1 failed row(s) matching this filter").click()
    expect(flash(page).first).to_contain_text("Queued 1 row(s) for another try.")

    page.get_by_role("link", name="Reset Filters").click()
    activity_row(page, second["orderNumber"]).get_by_role("link", name=second["orderNumber"]).click()
    detail = page.locator("#activity-detail")
    reload_until_visible(page, detail.locator("h1 .badge", has_text="Synced"))
    expect(detail.locator("#quickbooks-link")).to_be_visible()
    expect(detail.locator("#attempt-history")).to_contain_text("retry requested")

    open_menu(page, "Settings", "QuickBooks")
    page.get_by_role("button", name="Disconnect").click()
    expect(flash(page).first).to_contain_text("Disconnected from QuickBooks.")
    expect(page.locator(".card-header", has_text="QuickBooks Online")).to_contain_text("disconnected")


def test_tenant_admin_cannot_open_another_tenants_activity_detail(page, live_server, fresh_tenant, db):
    bolt = make_tenant("Bolt Clinics")
    make_user("admin@bolt.test", "tenant_admin", bolt, TEST_PASSWORD)
    theirs = SyncActivity(
        tenant=bolt, entity_type="purchase_order", openboxes_id="b-1", openboxes_number="BOLT-PO-1", version="v1",
        status="sync_failed", message="Bolt's own failure",
    )  # fmt: skip
    db.session.add(theirs)
    db.session.commit()

    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(live_server.url(f"/admin/activity/details/?id={theirs.id}"))
    expect(page).not_to_have_url(f"{live_server.base}/admin/activity/details/?id={theirs.id}")
    expect(page.locator("body")).not_to_contain_text("BOLT-PO-1")
    expect(page.locator("body")).not_to_contain_text("Bolt's own failure")
