"""Accessibility: axe-core (axe-playwright-python) finds no serious or critical violation on any console page,
for a tenant admin and for support, on a laptop screen and on a phone."""

from __future__ import annotations

import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from portal.models import SyncActivity
from tests.browser.conftest import sign_in
from tests.security.web_helpers import CONSOLE_PAGES, SUPPORT_PAGES

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")


def blocking_violations(page: Page) -> list[str]:
    """axe's serious and critical findings on the current page, one line per rule with where it failed."""
    found = Axe().run(page).response["violations"]
    return [
        f"{page.url} {rule['id']} ({rule['impact']}): {rule['help']} at {[n['target'] for n in rule['nodes']][:3]}"
        for rule in found
        if rule["impact"] in BLOCKING
    ]


def console_pages(tenant_id: int, row_id: int, support: bool) -> list[str]:
    progress = f"/admin/preferences/progress/?since={int(time.time())}"
    pages = [*CONSOLE_PAGES, progress, f"{progress}&history=2026-10-01"]  # Sync now's, and a history import's bar
    pages += [f"/admin/activity/details/?id={row_id}", "/admin/activity/details/?id=0"]  # the second: not found
    pages += [f"/admin/activity/preview/?id={row_id}"]  # a dry run (no QuickBooks here: it says why it would fail)
    if support:
        pages = [*SUPPORT_PAGES, *pages]
        pages = [path + ("&" if "?" in path else "?") + f"tenant={tenant_id}" for path in pages]
    return pages


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("email", ["admin@acme.test", "help@bridge.test"])
def test_every_console_page_has_no_serious_accessibility_violation(
    page: Page, live_server, console_rows, db, email, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url("/auth/login"))
    problems = blocking_violations(page)
    sign_in(page, live_server, email)
    row_id = db.session.scalar(db.select(SyncActivity.id).filter_by(openboxes_number="ACME-PO-9"))
    for path in console_pages(console_rows["acme"].id, row_id, email.startswith("help")):
        page.goto(live_server.url(path))
        page.wait_for_load_state("load")
        problems += blocking_violations(page)
    assert problems == [], "\n".join(problems)


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two computed ``rgb(r, g, b)`` colours."""

    def luminance(css: str) -> float:
        channels = [int(part) / 255 for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_current_sections_menu_link_stays_readable(page: Page, live_server, console_rows):
    # axe files text over the navbar under "needs review", so it never flagged the theme's active-link colour.
    page.set_viewport_size(VIEWPORTS["laptop"])
    sign_in(page, live_server, "admin@acme.test")
    for path in ("/admin/activity/", "/admin/preferences/"):
        page.goto(live_server.url(path))
        navbar = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).backgroundColor")
        active = page.locator("nav.navbar li.active > .nav-link").first
        colour = active.evaluate("el => getComputedStyle(el).color")
        assert contrast(colour, navbar) >= 4.5, f"{path}: {active.inner_text()!r} is {colour} on {navbar}"
