"""Browser fixtures: Debian's Chromium driven by Playwright, a live server of the test's app, a real worker.

The live server runs the test's own ``app`` in a thread, so it shares the temp-file SQLite database and the
Redis the test uses; the worker is a real ``python -m jobs.worker`` process started with the same settings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from devtools.seed import connect_openboxes
from tests.conftest import TEST_PASSWORD
from tests.console.test_activity_panel import make_activity
from tests.factories import make_tenant, make_user, seed_tenant_rows
from tests.workers import ROOT, worker_env

# This machine has no network: without these Chromium keeps calling Google's services and logs every refusal.
CHROMIUM_FLAGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
ADMIN_EMAIL = "admin@acme.test"
BROWSER_DIR = Path(__file__).resolve().parent
# `make screenshots` sets SCREENSHOTS_DIR=docs/screenshots: the tests that call screenshot() then refresh the README's.
SCREENSHOTS_DIR = "SCREENSHOTS_DIR"
SHOT_WIDTH, SHOT_MAX_HEIGHT = 1280, 1000
INSTALL_CHROMIUM = (
    "Debian's chromium is not installed (Playwright downloads no browser here). Install it with:\n"
    "    sudo apt-get install chromium\n"
    "or leave the browser tests out: pytest -m 'not browser'"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser/ is a browser test, so ``-m "not browser"`` leaves it out."""
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's ``chromium`` package (Playwright downloads no browser here); a missing one is a failure."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(INSTALL_CHROMIUM, pytrace=False)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_FLAGS}


@pytest.fixture
def page(page: Page) -> Page:
    """Pages wait up to 15 s for what a person would wait for; worker-driven steps pass their own timeout."""
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    return page


class LiveServer:
    """The app served over real HTTP on a free loopback port."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.thread.start()
    yield server
    server.server.shutdown()
    server.thread.join(timeout=10)


@pytest.fixture
def worker(qbo_app, redis, tmp_path) -> Iterator[subprocess.Popen]:
    """A real, long-running worker (with its scheduler) on the test's database and Redis; stopped after."""
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs.worker"], cwd=ROOT, env=worker_env(qbo_app.config), stdout=log, stderr=log
        )
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    print(f"--- worker log ({log_path}) ---\n{log_path.read_text()[-20_000:]}")  # shown when the test failed


@pytest.fixture
def fresh_tenant(db, ob):
    """Acme: OpenBoxes connected to the sandbox and a tenant admin; no QuickBooks, no mappings, not syncing."""
    tenant = make_tenant("Acme Medical", timezone="America/New_York", sync_enabled_at=None)
    connect_openboxes(tenant, ob)
    make_user(ADMIN_EMAIL, "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    return tenant


def sign_in(page: Page, live: LiveServer, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto(live.url("/auth/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".navbar")).to_contain_text(email)


@pytest.fixture
def console_rows(two_tenants, db, redis):
    """Acme and Bolt with a row of every table each, and one failed Acme purchase order."""
    acme = two_tenants["acme"]
    seed_tenant_rows(acme, "acme")
    make_activity(db, acme, "ACME-PO-9")
    db.session.commit()
    return two_tenants


def screenshot(page: Page, name: str) -> None:
    """Check the page loaded (menu, one ``h1``, no error page), then, when ``SCREENSHOTS_DIR`` is set, save it
    there as ``name``.png: 1280 px wide (a phone's own width when narrower), at most 1000 px of the page."""
    expect(page.locator("nav.navbar")).to_be_visible()
    expect(page.locator("main h1, #main h1, h1").first).to_be_visible()
    assert not any(code in page.title() for code in ("404", "500", "403")), page.title()
    page.wait_for_load_state("load")
    folder = os.environ.get(SCREENSHOTS_DIR)
    if not folder:
        return
    viewport = page.viewport_size or {"width": SHOT_WIDTH, "height": 800}
    if viewport["width"] > 800:
        page.set_viewport_size({"width": SHOT_WIDTH, "height": 800})
    height = min(page.evaluate("document.documentElement.scrollHeight"), SHOT_MAX_HEIGHT)
    width = page.viewport_size["width"]
    Path(folder).mkdir(parents=True, exist_ok=True)
    clip = {"x": 0, "y": 0, "width": width, "height": max(height, page.viewport_size["height"])}
    page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True, clip=clip)
    if viewport["width"] > 800:
        page.set_viewport_size(viewport)
