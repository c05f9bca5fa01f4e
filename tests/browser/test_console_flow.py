"""A tenant admin works the console in Chromium, from an empty tenant to synced orders, a failure and its fix.

Everything happens through clicks and form fills against the live server. The sandboxes are changed only
where a person would change those systems themselves (new orders in OpenBoxes, an account made inactive or
added in QuickBooks). A real worker process does the syncing and the retry.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Locator, Page, expect

from portal.models import SyncActivity
from tests.browser.conftest import ADMIN_EMAIL, sign_in
from tests.conftest import TEST_PASSWORD
from tests.engine.test_failures import _create_ap_account
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.browser

WORKER_TIMEOUT = 90  # seconds: a poll and its pushes on a busy 2-core machine
ROLE_ACCOUNTS = {  # role label on the mappings page -> the account picked there ("number - name")
    "Inventory purchases": "5000 - Cost of Goods Sold",
    "Inventory asset": "1300 - Inventory Asset",
    "Accounts payable": "2000 - Accounts Payable (A/P)",
    "Outbound revenue": "4000 - Sales of Product Income",
    "Inventory adjustments": "5100 - Inventory Shrinkage",
    "Deposit account": "1000 - Checking",
}
INACTIVE_AP_REASON = (
    "QuickBooks account 2000 - Accounts Payable (A/P) (id 5) is inactive or deleted: remap Accounts payable, then retry"
)


# --- what a person does --------------------------------------------------------------------------------


def open_menu(page: Page, *names: str) -> None:
    """Click through the console's navigation bar, e.g. ``open_menu(page, "Settings", "QuickBooks")``.

    The dropdowns need Bootstrap's script, so the current page must have finished loading; the last click
    waits for the new page to load, so the next step never acts on the page being left (it may be the same URL).
    """
    page.wait_for_load_state("load")
    navbar = page.locator("nav.navbar")
    *dropdowns, item = names
    for name in dropdowns:
        navbar.get_by_role("link", name=name, exact=True).click()
    with page.expect_navigation():
        navbar.get_by_role("link", name=item, exact=True).click()


def flash(page: Page) -> Locator:
    return page.locator(".alert").first


def reload_until_visible(page: Page, locator: Locator, timeout: float = WORKER_TIMEOUT) -> None:
    """Press reload until ``locator`` shows: the page does not refresh itself while the worker changes the row."""
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
    return page.locator("#company tr", has=page.get_by_role("rowheader", name=name, exact=True)).locator("td")


def technical_fact(page: Page, name: str) -> Locator:
    """The value cell of one row of the QuickBooks page's "Technical details", opened first (it starts folded)."""
    details = page.locator("#technical-details")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator("tr", has=page.get_by_role("rowheader", name=name, exact=True)).locator("td")


def check_openboxes_connection(page: Page) -> None:
    open_menu(page, "Settings", "OpenBoxes")
    page.get_by_role("button", name="Test connection").click()
    expect(flash(page)).to_contain_text("Connected to OpenBoxes")
    expect(flash(page)).to_contain_text("location Main Warehouse")


def connect_quickbooks(page: Page) -> None:
    open_menu(page, "Settings", "QuickBooks")
    expect(page.locator(".card-header", has_text="QuickBooks Online")).to_contain_text("not connected")
    page.get_by_role("button", name="Connect to QuickBooks").click()

    expect(page).to_have_title("Connect to QuickBooks (sandbox)")  # the sandbox's stand-in for Intuit's page
    page.get_by_label("Company").select_option(label="Sandbox Company US Plus (Plus, 9341453050000001)")
    page.get_by_role("button", name="Connect", exact=True).click()

    expect(flash(page)).to_contain_text("Connected to QuickBooks: Sandbox Company US Plus.")
    expect(company_fact(page, "Company")).to_have_text("Sandbox Company US Plus")
    expect(company_fact(page, "Plan")).to_have_text("QuickBooks Online Plus")
    expect(page.locator(".plan-warning")).to_have_count(0)


def start_syncing(page: Page) -> None:
    """Start syncing: refused while accounts are unmapped elsewhere; here the setup is complete, so it asks first."""
    open_menu(page, "Settings", "QuickBooks")
    page.get_by_role("button", name="Start syncing from now").click()
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text("Leave out everything approved, shipped or changed before now")
    confirmation.get_by_role("button", name="Start syncing from now").click()
    expect(flash(page)).to_contain_text("Syncing enabled")
    expect(page.get_by_text("Syncing since")).to_be_visible()


def map_accounts(page: Page, choices: dict[str, str], refresh: bool = False) -> None:
    """On Settings › Account mappings pick ``choices`` (role label -> account label) and save them."""
    open_menu(page, "Settings", "Account mappings")
    if refresh:
        page.get_by_role("button", name="Refresh accounts").click()
        expect(flash(page)).to_contain_text("accounts from QuickBooks.")
    for role, account in choices.items():
        page.get_by_label(role, exact=True).select_option(label=account)
    page.get_by_role("button", name="Save mappings").click()
    expect(flash(page)).to_contain_text(f"Saved: {', '.join(choices)}.")
    for role, account in choices.items():
        expect(page.locator("tbody tr", has=page.get_by_label(role, exact=True))).to_contain_text(account)


def choose_daily_sync(page: Page) -> None:
    """Scheduled mode (this test runs no clock, so only Sync now starts a run, as it may in every mode)."""
    open_menu(page, "Settings", "Sync preferences")
    page.get_by_label("Scheduled: once a day").check()
    page.get_by_label("Daily at (HH:MM, 24-hour)").fill("02:30")
    page.get_by_role("button", name="Save preferences").click()
    expect(flash(page)).to_contain_text("Saved the sync preferences of Acme Medical.")


def sync_now(page: Page, pushed: int, failed: int) -> None:
    """Sync now, then watch the live progress page until the run is finished with these counts."""
    open_menu(page, "Settings", "Sync preferences")
    page.get_by_role("button", name="Sync now").click()
    progress = page.locator("#sync-progress")
    expect(progress.locator('[data-field="state-label"]')).to_have_text("Finished.", timeout=WORKER_TIMEOUT * 1000)
    expect(progress.locator('[data-field="pushed"]')).to_have_text(str(pushed))
    expect(progress.locator('[data-field="failed"]')).to_have_text(str(failed))


def activity_row(page: Page, number: str) -> Locator:
    return page.locator("table.model-list tbody tr", has_text=number)


def filter_status(page: Page, status: str) -> None:
    """Add the activity list's Status filter through Flask-Admin's filter bar (a Select2 3.5 picker) and apply."""
    page.wait_for_load_state("load")  # the filter bar is built by Flask-Admin's script
    page.get_by_role("link", name="Add Filter").click()
    page.locator(".field-filters").get_by_role("link", name="Status", exact=True).click()
    page.locator("#filter_form .select2-container.filter-val .select2-choice").click()
    page.locator("#select2-drop .select2-result-label").get_by_text(status, exact=True).click()
    page.locator("#filter_form").get_by_role("button", name="Apply").click()


# --- the story, in phases ---------------------------------------------------------------------------------


def set_up_from_an_empty_tenant(page: Page) -> None:
    check_openboxes_connection(page)
    connect_quickbooks(page)
    map_accounts(page, ROLE_ACCOUNTS)
    start_syncing(page)
    choose_daily_sync(page)


def first_sync_is_synced(page: Page, ob, supplier: dict, product: dict) -> dict:
    order = ob.purchase_order(supplier["id"], [(product["id"], 4, "2.50")])
    ob.approve(order["id"])
    sync_now(page, pushed=3, failed=0)

    open_menu(page, "Integration Activity")
    for number in (order["orderNumber"], product["productCode"], supplier["code"]):
        expect(activity_row(page, number)).to_contain_text("Synced")
    open_menu(page, "Settings", "Product links")
    expect(page.locator("tbody tr", has_text=product["productCode"])).to_contain_text("Auto-created")
    return order


def inactive_account_fails_the_next_order(page: Page, ob, qb, supplier: dict, product: dict) -> dict:
    qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")  # someone inactivates A/P in QuickBooks
    order = ob.purchase_order(supplier["id"], [(product["id"], 6, "2.50")])
    ob.approve(order["id"])
    sync_now(page, pushed=0, failed=1)
    reason = page.locator('#sync-progress [data-field="failures"] li', has_text=order["orderNumber"])
    expect(reason).to_contain_text(INACTIVE_AP_REASON)  # filled in live by sync_progress.js

    open_menu(page, "Integration Activity")
    failed = activity_row(page, order["orderNumber"])
    expect(failed).to_contain_text("Sync Failed")
    expect(failed).to_contain_text(INACTIVE_AP_REASON)
    open_menu(page, "Home")
    expect(page.locator("#top-reasons")).to_contain_text(INACTIVE_AP_REASON)
    expect(page.locator('#status-counts [data-status="sync_failed"] [data-count]')).to_have_text("1")
    expect(page.locator("#sync-mode")).to_contain_text("scheduled, daily at 02:30")
    return order


def remap_and_retry_until_synced(page: Page, qb, order: dict) -> None:
    _create_ap_account(qb)  # someone adds account "2010 - A/P 2" in QuickBooks
    map_accounts(page, {"Accounts payable": "2010 - A/P 2"}, refresh=True)

    open_menu(page, "Integration Activity")
    filter_status(page, "Sync Failed")
    expect(page.locator("table.model-list tbody tr")).to_have_count(1)
    expect(activity_row(page, order["orderNumber"])).to_be_visible()
    page.get_by_role("button", name="Retry all 1 failed row(s) matching this filter").click()
    expect(page.locator("#confirmation")).to_contain_text("Rows per tenant: Acme Medical: 1.")
    page.get_by_role("button", name="Retry 1 row(s)").click()
    expect(flash(page)).to_contain_text("Queued 1 row(s) for another try.")

    page.get_by_role("link", name="Reset Filters").click()
    page.get_by_role("link", name=order["orderNumber"], exact=True).click()
    detail = page.locator("#activity-detail")
    reload_until_visible(page, detail.locator("h1 .badge", has_text="Synced"))
    expect(detail.locator("#quickbooks-link")).to_be_visible()
    expect(detail.locator("#attempt-history")).to_contain_text("retry requested")


def disconnect_quickbooks(page: Page) -> None:
    open_menu(page, "Settings", "QuickBooks")
    page.get_by_role("button", name="Disconnect").click()
    expect(page.locator("#confirmation")).to_contain_text("Revoke this bridge's access to Sandbox Company US Plus")
    page.locator("#confirmation").get_by_role("button", name="Disconnect").click()
    expect(flash(page)).to_contain_text("Disconnected from QuickBooks.")
    expect(page.locator(".card-header", has_text="QuickBooks Online")).to_contain_text("disconnected")
    open_menu(page, "Audit log")
    for sentence in ("Connected QuickBooks", "account to", "Retried", "Disconnected QuickBooks"):
        expect(page.locator("table.model-list tbody tr", has_text=sentence).first).to_contain_text(ADMIN_EMAIL)


def test_admin_connects_maps_syncs_recovers_a_failure_and_disconnects(page, live_server, worker, fresh_tenant, ob, qb):
    sign_in(page, live_server, ADMIN_EMAIL)
    set_up_from_an_empty_tenant(page)
    supplier, gauze = ob.supplier("Gauze & Co"), ob.product("Sterile gauze", "GZ-10", "2.50")

    first = first_sync_is_synced(page, ob, supplier, gauze)
    second = inactive_account_fails_the_next_order(page, ob, qb, supplier, gauze)
    open_menu(page, "Integration Activity")
    expect(activity_row(page, first["orderNumber"])).to_contain_text("Synced")

    remap_and_retry_until_synced(page, qb, second)
    disconnect_quickbooks(page)


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
    expect(page).to_have_url(live_server.url("/admin/activity/"))
    expect(flash(page)).to_contain_text("Record does not exist.")
    expect(page.locator("body")).not_to_contain_text("BOLT-PO-1")
    expect(page.locator("body")).not_to_contain_text("Bolt's own failure")
