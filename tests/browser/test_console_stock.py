"""Stock that follows OpenBoxes, in Chromium: opening stock turned on after its preview (value and account),
and a partial receipt of a synced purchase order shown as its own row, a Bill linked to the PurchaseOrder.
With ``SCREENSHOTS_DIR`` set (``make screenshots``) its screenshots go there for the README."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_console_flow import open_menu
from tests.factories import make_user
from tests.helpers import TEST_PASSWORD
from tests.sync_fixtures import sync

pytestmark = pytest.mark.browser
ADMIN = "admin@acme.test"


@pytest.fixture
def admin(tenant, db):
    make_user(ADMIN, "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()


def test_opening_stock_is_previewed_then_turned_on(page: Page, live_server, admin, ob, db, tenant):
    for name, code, price, quantity in (("Gauze", "GZ-1", "2.50", 12), ("Syringe", "SY-3", "4.00", 3)):
        ob.adjust(ob.product(name, code, price)["id"], quantity)
    sign_in(page, live_server, ADMIN)
    open_menu(page, "Settings", "Sync preferences")
    page.get_by_role("button", name="Preview opening stock").click()
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text("worth 42.00")
    expect(confirmation).to_contain_text("Opening Balance Equity")
    screenshot(page, "opening-stock")
    confirmation.get_by_role("button", name="Book 42.00 as opening stock").click()
    expect(page.get_by_role("button", name="Turn opening stock off")).to_be_visible()
    db.session.refresh(tenant)
    assert tenant.opening_stock


def test_a_partial_receipt_shows_as_a_bill_row_of_its_order(page: Page, live_server, admin, ob, qb, tenant, redis):
    supplier, gauze = ob.supplier("Gauze & Co"), ob.product("Sterile gauze", "GZ-10", "2.50")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 10, "2.50")])
    ob.approve(order["id"])
    sync(tenant, redis)
    ob.receive(order["id"], {order["items"][0]["id"]: 6})
    sync(tenant, redis)
    sign_in(page, live_server, ADMIN)
    open_menu(page, "Integration Activity")
    rows = page.locator("table.model-list tbody tr")
    receipt = rows.filter(has_text=f"{order['orderNumber']}-R1")
    expect(receipt).to_have_count(1)
    expect(receipt.locator("td.col-status")).to_contain_text("Synced")
    expect(receipt.locator("td.col-qbo_link")).to_contain_text(f"Bill {order['orderNumber']}-R1")
    expect(rows.filter(has_text=order["orderNumber"]).locator("td.col-status", has_text="Synced")).to_have_count(2)
    screenshot(page, "receipts")
    [bill] = qb.objects("Bill")
    assert bill["Line"][0]["LinkedTxn"][0]["TxnType"] == "PurchaseOrder"
