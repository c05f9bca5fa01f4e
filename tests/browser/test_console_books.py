"""Do the books match? The reconciliation report, a dry run and a drifted row, worked in Chromium.

A real sync through both sandboxes leaves two synced orders and a Sync Failed one; one synced order is then
deleted in QuickBooks and the drift watch runs. With ``SCREENSHOTS_DIR`` set (``make screenshots``) its
screenshots go there for the README.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.engine.drift import watch_all
from portal.models.base import utcnow
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_console_flow import flash, open_menu
from tests.factories import make_user
from tests.helpers import TEST_PASSWORD
from tests.sync_fixtures import activities, sync

pytestmark = pytest.mark.browser
ADMIN = "admin@acme.test"


@pytest.fixture
def books(tenant, ob, qb, db, redis):
    """Two synced orders (one then deleted in QuickBooks, and seen by the drift watch) and a failed one."""
    supplier, gauze = ob.supplier("Gauze & Co"), ob.product("Sterile gauze", "GZ-10", "2.50")
    for qty in (4, 10):
        ob.approve(ob.purchase_order(supplier["id"], [(gauze["id"], qty, "2.50")])["id"])
    sync(tenant, redis)
    qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")
    ob.approve(ob.purchase_order(supplier["id"], [(gauze["id"], 3, "2.50")])["id"])
    sync(tenant, redis)
    synced, deleted, failed = activities(db, entity_type="purchase_order")
    qb.control("DELETE", f"/companies/{qb.realm}/purchaseorder/{deleted.qbo_id}")
    watch_all(utcnow())
    make_user(ADMIN, "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    return {"synced": synced, "deleted": deleted, "failed": failed}


def test_report_preview_and_drift_in_the_browser(page: Page, live_server, books):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, ADMIN)
    open_menu(page, "Reports", "Reconciliation")
    current = page.locator("nav.navbar li.dropdown.active > a")  # Flatly painted it the navbar's own colour
    assert current.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    expect(page.locator("#recon-summary")).to_contain_text("2 difference(s)")
    expect(page.locator("#onhand-summary")).to_contain_text("0 item(s) differ, 1 match.")  # gauze: 0 and 0
    expect(page.locator("svg[role=img] rect")).to_have_count(6)
    table = page.locator("#recon-table")
    expect(table.locator(".recon-explanation")).to_have_count(2)
    expect(table).to_contain_text("missing in QuickBooks")
    screenshot(page, "reconciliation")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = download.value.path().read_text()
    [po] = [row for row in csv.DictReader(io.StringIO(text)) if row["entity"] == "Purchase order"]
    assert (po["openboxes_count"], po["quickbooks_count"]) == ("3", "1")

    table.locator(".recon-explanation", has_text="failed").get_by_role("link").click()
    page.get_by_role("link", name="Preview what would be sent").click()
    expect(page.locator("#preview-document")).to_contain_text("Create PurchaseOrder")
    expect(page.locator("#preview-document")).to_contain_text('"DocNumber"')
    expect(page.locator("#preview")).to_contain_text("is inactive in QuickBooks")
    screenshot(page, "dry-run")

    page.goto(live_server.url(f"/admin/activity/details/?id={books['deleted'].id}"))
    expect(page.locator("#drift")).to_contain_text("was deleted in QuickBooks")
    screenshot(page, "drift")
    page.get_by_role("button", name="Push again to QuickBooks").click()
    expect(flash(page)).to_contain_text("Queued 1 row(s) to be created again in QuickBooks")

    yesterday = (utcnow() - timedelta(days=1)).date()
    open_menu(page, "Settings", "Sync preferences")
    page.get_by_label("Sync history from").fill(yesterday.isoformat())
    page.get_by_role("button", name="Preview", exact=True).click()
    page.locator("#confirmation").get_by_role("button", name="Show what would be sent").click()
    dry_run = page.locator("#history-dry-run")
    failed = dry_run.locator(".history-sample", has_text=books["failed"].openboxes_number)
    expect(failed.locator(".preview-document")).to_contain_text("Create PurchaseOrder")
    expect(failed).to_contain_text("is inactive in QuickBooks")
    screenshot(page, "history-dry-run")
