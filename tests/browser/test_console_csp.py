"""The console under its Content-Security-Policy in Chromium: no page reports a violation, and the
handlers that used to be inline (row delete confirmation, "With selected" actions, the filter menu) work."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from portal.models import Tenant
from tests.browser.conftest import sign_in
from tests.browser.test_console_flow import filter_status
from tests.security.web_helpers import CONSOLE_PAGES, SUPPORT_PAGES

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
});
"""


class ViolationWatch:
    """Collects CSP reports from the console and from the page's securitypolicyviolation events."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.found.append(f"{self.page.url}: {message.text}")

    def visit(self, path: str, live) -> None:
        """Open ``path``; the page must be served under the CSP (a page without one cannot report anything)."""
        self.collect()
        response = self.page.goto(live.url(path))
        self.page.wait_for_load_state("load")
        assert "script-src 'self' 'nonce-" in (response.headers.get("content-security-policy") or ""), path

    def collect(self) -> list[str]:
        try:
            events = self.page.evaluate("window.__cspViolations || []")
        except Exception:  # noqa: BLE001 - no document yet
            events = []
        self.found += [f"{self.page.url}: {event}" for event in events if event not in self.found]
        if events:
            self.page.evaluate("window.__cspViolations = []")
        return self.found


@pytest.mark.parametrize("email", ["admin@acme.test", "help@bridge.test"])
def test_console_pages_report_no_csp_violation(page: Page, live_server, console_rows, email):
    watch = ViolationWatch(page)
    watch.visit("/auth/login", live_server)
    sign_in(page, live_server, email)
    pages = [*CONSOLE_PAGES, f"/admin/preferences/progress/?since={int(time.time())}"]
    support = email.startswith("help")
    if support:
        pages = [*SUPPORT_PAGES, *pages]
        pages = [path + ("&" if "?" in path else "?") + f"tenant={console_rows['acme'].id}" for path in pages]
    for path in pages:
        watch.visit(path, live_server)
        expect(page.locator("nav.navbar")).to_be_visible()
        # The menus are "javascript:void(0)" links opened by Bootstrap; the Ledger is support's alone.
        for menu in ("Settings", "Ledger") if support else ("Settings",):
            page.locator("nav.navbar").get_by_role("link", name=menu, exact=True).click()
    page.wait_for_timeout(1_500)  # the progress page polls its JSON once
    assert watch.collect() == [], "\n".join(watch.found)


def test_former_inline_handlers_work_without_violations(page: Page, live_server, console_rows, db):
    watch = ViolationWatch(page)
    sign_in(page, live_server, "help@bridge.test")
    watch.visit("/admin/activity/", live_server)
    filter_status(page, "Sync Failed")  # the filter menu's links used onclick="return false"
    expect(page).to_have_url(re.compile(r"flt\d+_status_equals=sync_failed"))

    watch.visit("/admin/tenants/", live_server)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator("table.model-list tbody tr", has_text="Bolt Clinics").locator("form.icon button").click()
    page.wait_for_timeout(500)
    assert dialogs == ["Are you sure you want to delete this record?"]  # dismissed: nothing deleted

    page.locator("table.model-list tbody tr", has_text="Bolt Clinics").locator("input.action-checkbox").check()
    page.get_by_role("button", name="With selected").click()
    page.locator(".dropdown-menu").get_by_role("link", name="Delete").click()
    page.wait_for_timeout(500)
    assert dialogs[1:] == ["Delete the selected records?"]
    db.session.expire_all()
    assert db.session.query(Tenant).count() == 2
    assert watch.collect() == [], "\n".join(watch.found)
