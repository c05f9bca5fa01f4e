"""A tenant admin works Settings › QuickBooks, Account mappings and Product links in Chromium.

Each test is one story told through clicks and form fills against the live server. The sandboxes are
changed only where a person would change those systems themselves (products and orders in OpenBoxes,
items and accounts added or made inactive in QuickBooks); a real worker does the syncing where a story
needs it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import ADMIN_EMAIL, screenshot, sign_in
from tests.browser.test_console_accessibility import blocking_violations
from tests.browser.test_console_flow import (
    ROLE_ACCOUNTS,
    WORKER_TIMEOUT,
    activity_row,
    company_fact,
    flash,
    map_accounts,
    open_menu,
    reload_until_visible,
    sync_now,
    technical_fact,
)
from tests.conftest import TEST_PASSWORD
from tests.console.test_settings import qbo_item
from tests.engine.test_failures import _create_ap_account
from tests.factories import make_user

pytestmark = pytest.mark.browser

PLUS = "Sandbox Company US Plus (Plus, 9341453050000001)"  # as the sandbox's consent page lists them
ESSENTIALS = "Sandbox Company US Essentials (Essentials, 9341453050000002)"
NO_PURCHASE_ORDERS = (
    "QuickBooks Online Essentials has no purchase orders, and purchase orders are set to sync as PurchaseOrder: "
    "they would fail. Fix: switch the PO target to Bill (Sync preferences) or upgrade QuickBooks to Plus or Advanced."
)
NO_INVENTORY = "QuickBooks Online Essentials has no inventory items: products are created as non-inventory items"
SWITCH_REFUSED = (
    "Not connected: you chose QuickBooks company 9341453050000001, but this tenant has {count} link(s) to "
    "Sandbox Company US Essentials (realm 9341453050000002). Connect that company again, or tick 'Reset the links' "
    "and connect to switch companies."
)

# (name, Sku) of the items someone keeps in QuickBooks, and (name, code) of the OpenBoxes products:
# GZ-10 matches an item by Sku, SY-5 matches nothing, BN-1 gets linked by hand, CT-1 clashes by name.
QUICKBOOKS_ITEMS = (("Gauze pads 10cm", "GZ-10"), ("Elastic bandage roll", None), ("Cotton swabs", "CS-99"))
PRODUCTS = (("Sterile gauze", "GZ-10"), ("Syringe 5ml", "SY-5"), ("Bandage", "BN-1"), ("Cotton swabs", "CT-1"))


@pytest.fixture
def acme_admin(tenant, db):
    """The admin of the fully set-up tenant (both sandboxes connected, accounts mapped, syncing)."""
    make_user(ADMIN_EMAIL, "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    return tenant


# --- what a person does: Settings › QuickBooks ------------------------------------------------------------


def connect_company(page: Page, company: str, button: str = "Connect to QuickBooks", reset: bool = False) -> None:
    """On Settings › QuickBooks click ``button`` (ticking "Reset the links" first if asked), choose ``company``
    on Intuit's page (the sandbox's stand-in) and come back to the console."""
    open_menu(page, "Settings", "QuickBooks")
    if reset:
        page.get_by_label("Reset the links").check()
    page.get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_title("Connect to QuickBooks (sandbox)")
    page.get_by_label("Company").select_option(label=company)
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_role("heading", name="Settings › Integrations › QuickBooks")).to_be_visible()


def connection_badge(page: Page) -> Locator:
    return page.locator(".card-header", has_text="QuickBooks Online").locator(".badge")


def plan_warnings(page: Page) -> Locator:
    return page.locator(".plan-warning")


def essentials_gaps_are_flagged_with_their_fix(page: Page) -> None:
    connect_company(page, ESSENTIALS)
    expect(flash(page)).to_contain_text("Connected to QuickBooks: Sandbox Company US Essentials.")
    expect(company_fact(page, "Plan")).to_have_text("QuickBooks Online Essentials")
    expect(plan_warnings(page)).to_have_count(2)
    expect(plan_warnings(page).nth(0)).to_have_text(NO_PURCHASE_ORDERS)
    expect(plan_warnings(page).nth(1)).to_contain_text(NO_INVENTORY)
    screenshot(page, "quickbooks-connection")

    open_menu(page, "Settings", "Sync preferences")  # the fix the first flag names
    page.get_by_label("Purchase orders become").select_option("Bill")
    page.get_by_role("button", name="Save preferences").click()
    expect(flash(page)).to_contain_text("Saved the sync preferences of Acme Medical.")
    open_menu(page, "Settings", "QuickBooks")
    expect(plan_warnings(page)).to_have_count(1)
    expect(plan_warnings(page)).to_contain_text(NO_INVENTORY)


def link_one_product(page: Page, code: str) -> None:
    """Load the OpenBoxes products and auto-create the item of ``code``: the tenant now has links."""
    open_menu(page, "Settings", "Product links")
    page.get_by_role("button", name="Load products from OpenBoxes").click()
    expect(flash(page)).to_contain_text("Loaded 1 products from OpenBoxes.")
    product_row(page, code).get_by_role("checkbox").check()
    page.get_by_role("button", name="Auto-create in QuickBooks").click()
    expect(flash(page)).to_contain_text("Created or linked 1 product(s).")
    expect(product_row(page, code)).to_contain_text("Auto-created")


def disconnect_then_reconnect(page: Page) -> None:
    open_menu(page, "Settings", "QuickBooks")
    page.get_by_role("button", name="Disconnect").click()
    page.locator("#confirmation").get_by_role("button", name="Disconnect").click()
    expect(flash(page)).to_contain_text("Disconnected from QuickBooks.")
    expect(connection_badge(page)).to_have_text("disconnected")

    connect_company(page, ESSENTIALS, button="Reconnect to QuickBooks")
    expect(flash(page)).to_contain_text("Connected to QuickBooks: Sandbox Company US Essentials.")
    expect(connection_badge(page)).to_have_text("connected")
    expect(company_fact(page, "Company")).to_have_text("Sandbox Company US Essentials")
    page.get_by_role("button", name="Refresh company details").click()  # the new tokens work
    expect(flash(page)).to_contain_text("Company details read from QuickBooks.")


def switching_company_needs_reset(page: Page) -> None:
    connect_company(page, PLUS)
    expect(flash(page)).to_contain_text(SWITCH_REFUSED.format(count=1))
    expect(company_fact(page, "Company")).to_have_text("Sandbox Company US Essentials")
    expect(technical_fact(page, "Records linked to this company")).to_have_text("1")

    connect_company(page, PLUS, reset=True)
    expect(flash(page)).to_contain_text("Connected to QuickBooks: Sandbox Company US Plus.")
    expect(company_fact(page, "Plan")).to_have_text("QuickBooks Online Plus")
    expect(technical_fact(page, "Records linked to this company")).to_have_text("0")
    expect(plan_warnings(page)).to_have_count(0)
    open_menu(page, "Audit log")
    expect(page.locator("table.model-list tbody tr", has_text="quickbooks.links_reset")).to_contain_text(ADMIN_EMAIL)


def test_admin_sees_plan_gaps_reconnects_and_switches_company_only_by_resetting_links(
    page, live_server, fresh_tenant, ob, qbo_app, redis
):
    ob.product("Sterile gauze", "GZ-10", "2.50")
    sign_in(page, live_server, ADMIN_EMAIL)

    essentials_gaps_are_flagged_with_their_fix(page)
    map_accounts(page, ROLE_ACCOUNTS)
    link_one_product(page, "GZ-10")
    open_menu(page, "Settings", "QuickBooks")
    expect(technical_fact(page, "Records linked to this company")).to_have_text("1")  # one product, counted once

    disconnect_then_reconnect(page)
    switching_company_needs_reset(page)


# --- Settings › Account mappings --------------------------------------------------------------------------


def mapping_row(page: Page, role: str) -> Locator:
    return page.locator("tbody tr", has=page.get_by_label(role, exact=True))


def test_mapped_account_made_inactive_in_quickbooks_is_flagged_until_remapped(page, live_server, acme_admin, qb):
    sign_in(page, live_server, ADMIN_EMAIL)
    open_menu(page, "Settings", "Account mappings")
    payable = mapping_row(page, "Accounts payable")
    expect(payable).to_contain_text("2000 - Accounts Payable (A/P)")
    expect(payable.locator(".badge", has_text="inactive")).to_have_count(0)

    qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")  # someone inactivates A/P in QuickBooks
    page.get_by_role("button", name="Refresh accounts").click()
    expect(flash(page)).to_contain_text("Read 12 accounts from QuickBooks.")
    badge = payable.locator(".badge", has_text="inactive")
    expect(badge).to_be_visible()
    expect(badge).to_have_attribute("title", "Inactive or deleted in QuickBooks: choose another account")
    picker = page.get_by_label("Accounts payable", exact=True)
    expect(picker.locator("option", has_text="2000 - Accounts Payable (A/P)")).to_have_count(0)
    expect(picker).to_have_value("")  # "— keep as it is —": the inactive account cannot be chosen again
    for role in ("Inventory purchases", "Inventory asset", "Outbound revenue"):
        expect(mapping_row(page, role).locator(".badge", has_text="inactive")).to_have_count(0)

    _create_ap_account(qb)  # someone adds account "2010 - A/P 2" in QuickBooks
    map_accounts(page, {"Accounts payable": "2010 - A/P 2"}, refresh=True)
    expect(payable.locator(".badge", has_text="inactive")).to_have_count(0)


# --- Settings › Product links -----------------------------------------------------------------------------


def product_row(page: Page, code: str) -> Locator:
    return page.locator("tbody tr", has_text=code)


def product_rows(page: Page) -> Locator:
    return page.locator("tbody tr")


def state_pill(page: Page, label: str) -> Locator:
    return page.locator(".nav-pills").get_by_role("link", name=label, exact=True)


def select_products(page: Page, *codes: str) -> None:
    for code in codes:
        product_row(page, code).get_by_role("checkbox").check()


def search_products(page: Page, text: str) -> None:
    page.get_by_label("Search products").fill(text)
    page.get_by_role("button", name="Search", exact=True).click()


def link_by_hand(page: Page, code: str, item: str, label: str, refresh: bool = False, shot: str = "") -> None:
    """Follow the row's "Link by hand", choose ``item`` (after re-reading the items, if asked) and link it."""
    product_row(page, code).get_by_role("link", name="Link by hand").click()
    expect(page.locator("body")).to_contain_text(f"Link OpenBoxes product {label} of Acme Medical")
    if refresh:  # the item was added in QuickBooks after the list was last read: not offered yet
        expect(page.get_by_label("QuickBooks item", exact=True).locator("option", has_text=item)).to_have_count(0)
        page.get_by_role("button", name="Refresh QuickBooks items").click()
        expect(flash(page)).to_contain_text("Read 1 items from QuickBooks.")
        expect(page.locator("body")).to_contain_text(f"Link OpenBoxes product {label} of Acme Medical")
    page.get_by_label("Find a QuickBooks item").press_sequentially(item[:6].lower())  # the list follows the typing
    expect(page.locator("#item-count")).to_have_text("1 matching item(s).")
    expect(page.get_by_label("QuickBooks item", exact=True).locator("option")).to_have_text([item])
    assert blocking_violations(page) == []  # the search box (focused, typed in) and the list
    if shot:
        screenshot(page, shot)
    page.get_by_label("QuickBooks item", exact=True).select_option(label=item)
    page.get_by_role("button", name="Link", exact=True).click()
    expect(flash(page)).to_contain_text(f"Linked {label}.")
    expect(product_row(page, code)).to_contain_text("Linked")
    expect(product_row(page, code)).to_contain_text(item)


def loaded_products_show_their_states(page: Page) -> None:
    open_menu(page, "Settings", "Product links")
    expect(product_rows(page)).to_have_text(["No products yet: load them from OpenBoxes."])
    page.get_by_role("button", name="Load products from OpenBoxes").click()
    expect(flash(page)).to_contain_text("Loaded 4 products from OpenBoxes.")
    expect(product_rows(page)).to_have_count(4)
    for label in ("Linked (0)", "Auto-created (0)", "Unlinked (3)", "Conflict (1)"):
        expect(state_pill(page, label)).to_be_visible()
    expect(product_row(page, "GZ-10")).to_contain_text(
        "Unlinked Match by SKU would link it to 'Gauze pads 10cm' (same sku)"
    )
    expect(product_row(page, "CT-1")).to_contain_text(
        "Conflict QuickBooks item 'Cotton swabs' has this name but Sku CS-99: link by hand"
    )


def filter_and_search_narrow_the_list(page: Page) -> None:
    state_pill(page, "Conflict (1)").click()
    expect(product_rows(page)).to_have_count(1)
    expect(product_row(page, "CT-1")).to_be_visible()
    search_products(page, "gauze")  # the state filter stays: no conflict matches
    expect(product_rows(page)).to_have_text(["No products match this filter."])
    state_pill(page, "All").click()  # the search stays
    expect(product_rows(page)).to_have_count(1)
    expect(product_row(page, "GZ-10")).to_contain_text("Sterile gauze")
    search_products(page, "")
    expect(product_rows(page)).to_have_count(4)


def bulk_actions_link_and_create(page: Page) -> None:
    select_products(page, "GZ-10")
    page.get_by_role("button", name="Match by SKU").click()
    expect(flash(page)).to_contain_text("Linked 1 product(s).")
    expect(product_row(page, "GZ-10")).to_contain_text("Linked Gauze pads 10cm")

    search_products(page, "syringe")
    page.get_by_label("Which products").select_option(label="All 1 products shown by this filter")
    page.get_by_role("button", name="Auto-create in QuickBooks").click()
    expect(flash(page)).to_contain_text("Created or linked 1 product(s).")
    expect(product_rows(page)).to_have_count(1)  # back on the same search
    expect(product_row(page, "SY-5")).to_contain_text("Auto-created Syringe 5ml")
    search_products(page, "")


def unlinking_returns_a_product_to_unlinked(page: Page, code: str) -> None:
    select_products(page, code)
    page.get_by_role("button", name="Unlink").click()
    expect(flash(page)).to_contain_text("Unlinked 1 product(s).")
    expect(product_row(page, code)).to_contain_text("Unlinked")
    expect(product_row(page, code).locator("td").nth(4)).to_have_text("")  # no QuickBooks item any more


def audit_log_says_it_in_words(page: Page) -> None:
    open_menu(page, "Audit log")
    rows = page.locator("table.model-list tbody tr")
    expect(rows.first).to_contain_text("Unlinked")
    expect(rows.first.locator("details.technical-details code")).to_be_hidden()  # the action code stays folded
    screenshot(page, "audit-log")


def test_admin_links_products_by_sku_by_auto_create_and_by_hand_then_unlinks(page, live_server, acme_admin, ob, qb):
    for name, sku in QUICKBOOKS_ITEMS:
        qbo_item(qb.url, name, sku)  # items someone keeps in QuickBooks
    for name, code in PRODUCTS:
        ob.product(name, code)
    sign_in(page, live_server, ADMIN_EMAIL)

    loaded_products_show_their_states(page)
    filter_and_search_narrow_the_list(page)
    bulk_actions_link_and_create(page)
    link_by_hand(page, "BN-1", "Elastic bandage roll", "BN-1 'Bandage'", shot="product-link-search")
    expect(state_pill(page, "Linked (2)")).to_be_visible()
    expect(state_pill(page, "Auto-created (1)")).to_be_visible()
    unlinking_returns_a_product_to_unlinked(page, "BN-1")
    expect(state_pill(page, "Linked (1)")).to_be_visible()

    created = [item for item in qb.objects("Item") if item.get("Sku") == "SY-5"]
    assert [item["Name"] for item in created] == ["Syringe 5ml"]
    audit_log_says_it_in_words(page)


# --- manual link mode: an order with an unlinked product fails until it is linked ---------------------------


def choose_manual_link_mode(page: Page) -> None:
    open_menu(page, "Settings", "Product links")
    page.get_by_label("A product without a link").select_option(label="fails its document until linked here")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(flash(page)).to_contain_text("Saved the product link mode.")
    expect(page.get_by_label("A product without a link")).to_have_value("manual")


def order_fails_as_not_linked(page: Page, order: dict, reason: str) -> None:
    open_menu(page, "Integration Activity")
    expect(activity_row(page, order["orderNumber"])).to_contain_text("Sync Failed")
    expect(activity_row(page, order["orderNumber"])).to_contain_text(reason)
    page.get_by_role("link", name=order["orderNumber"], exact=True).click()
    expect(page.locator("#reason")).to_contain_text(reason)
    fix = page.locator("#fix-link")
    expect(fix).to_have_text("Link the product under Product links")
    fix.click()
    expect(page.get_by_label("A product without a link")).to_be_visible()


def retry_until_synced(page: Page, order: dict) -> None:
    open_menu(page, "Integration Activity")
    page.get_by_role("link", name=order["orderNumber"], exact=True).click()
    page.locator("#fix").get_by_role("button", name="Retry").click()
    expect(flash(page)).to_contain_text("Queued 1 row(s) for another try.")
    detail = page.locator("#activity-detail")
    reload_until_visible(page, detail.locator("h1 .badge", has_text="Synced"), timeout=WORKER_TIMEOUT)
    expect(detail.locator("#quickbooks-link")).to_be_visible()


def test_manual_link_mode_fails_an_unlinked_product_until_linked_and_retried(
    page, live_server, acme_admin, worker, ob, qb
):
    sign_in(page, live_server, ADMIN_EMAIL)
    choose_manual_link_mode(page)
    item = qbo_item(qb.url, "Suture kit, sterile")  # the item someone keeps in QuickBooks
    supplier, product = ob.supplier("Sutures Inc"), ob.product("Suture kit", "SK-7", "4.00")
    order = ob.purchase_order(supplier["id"], [(product["id"], 3, "4.00")])
    ob.approve(order["id"])
    sync_now(page, pushed=1, failed=2)  # the vendor; the product and the order wait for a link

    order_fails_as_not_linked(
        page, order, "Product SK-7 'Suture kit' is not linked to a QuickBooks item: link it under Product links"
    )
    expect(product_row(page, "SK-7")).to_contain_text("Unlinked")
    link_by_hand(page, "SK-7", "Suture kit, sterile", "SK-7 'Suture kit'", refresh=True)
    retry_until_synced(page, order)

    [document] = qb.objects("PurchaseOrder")
    assert {line["ItemBasedExpenseLineDetail"]["ItemRef"]["value"] for line in document["Line"]} == {item["Id"]}
