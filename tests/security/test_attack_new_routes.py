"""Holes an attacker review of the routes added on the reconciliation/console/history day found: the stored
OpenBoxes password following a changed URL to another server, query parameters that Flask's ``url_for`` reads as
its own options, and dates at the ends of the calendar crashing the reconciliation report and the history import."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.models import OpenBoxesConnection
from portal.services.digest import send_all_digests
from portal.sync.history import check_start
from tests.engine.test_digest import MONDAY, digests, fail_rows, smtp  # noqa: F401
from tests.security.test_outbound_openboxes_check import outbound_acme, outbound_silent, run_test  # noqa: F401
from tests.security.web_helpers import web_page_text, web_sign_in

STORED_PASSWORD = "integration-secret-7731"


@pytest.fixture
def outbound_capture():
    """An HTTP server on a loopback port that records every request body it gets (what a hostile host keeps)."""
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            received.append(self.path.encode() + b" " + self.rfile.read(length))
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            received.append(self.path.encode())
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, received
    server.shutdown()
    server.server_close()


def _save(auth, url: str, password: str):
    form = {"base_url": url, "username": "integration", "password": password, "location_id": "1"}
    return auth.post("/admin/openboxes/save", data=form, follow_redirects=True)


def test_a_changed_openboxes_server_never_gets_the_stored_password(outbound_acme, auth, db, outbound_capture):  # noqa: F811
    server, received = outbound_capture
    assert "OpenBoxes settings saved." in web_page_text(_save(auth, "http://127.0.0.1:9/openboxes", STORED_PASSWORD))

    page = web_page_text(_save(auth, f"http://127.0.0.1:{server.server_port}/openboxes", ""))
    run_test(auth)
    auth.client.get("/admin/openboxes/locations")

    assert not any(STORED_PASSWORD.encode() in body for body in received)
    assert "enter the integration user's password again" in page
    db.session.expire_all()
    stored = db.session.scalar(db.select(OpenBoxesConnection).filter_by(tenant_id=outbound_acme.id))
    assert stored.base_url == "http://127.0.0.1:9/openboxes"


def test_the_same_server_keeps_the_stored_password_and_a_new_one_takes_a_typed_password(outbound_acme, auth, db):  # noqa: F811
    _save(auth, "http://127.0.0.1:9/openboxes", STORED_PASSWORD)
    assert "OpenBoxes settings saved." in web_page_text(_save(auth, "http://127.0.0.1:9/other-path", ""))
    assert "OpenBoxes settings saved." in web_page_text(_save(auth, "http://127.0.0.1:10/openboxes", "typed-again"))
    db.session.expire_all()
    stored = db.session.scalar(db.select(OpenBoxesConnection).filter_by(tenant_id=outbound_acme.id))
    assert (stored.base_url, stored.password) == ("http://127.0.0.1:10/openboxes", "typed-again")


@pytest.fixture
def crash_pages(app):
    """Errors answer 500 pages, as in production, instead of reaching the test."""
    app.testing, propagate = False, app.config.get("PROPAGATE_EXCEPTIONS")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    app.testing, app.config["PROPAGATE_EXCEPTIONS"] = True, propagate


@pytest.mark.parametrize("name", ["endpoint", "_method", "_external", "_anchor", "_scheme"])
@pytest.mark.parametrize("path", ["/admin/activity/", "/admin/runs/", "/admin/audit/", "/admin/reconciliation/"])
def test_url_for_options_in_the_query_string_are_refused_not_obeyed(auth, two_tenants, crash_pages, path, name):
    web_sign_in(auth, two_tenants, "acme")
    value = {"_method": "POST", "_scheme": "https"}.get(name, "1")
    response = auth.client.get(path, query_string={name: value})
    assert response.status_code == 400
    assert "http://localhost/" not in response.get_data(as_text=True)


def test_retry_matching_with_an_endpoint_parameter_is_refused(auth, two_tenants, crash_pages):
    web_sign_in(auth, two_tenants, "acme")
    assert auth.post("/admin/activity/retry-matching/?endpoint=x", data={}).status_code == 400


@pytest.mark.parametrize("day", ["9999-12-31", "9999-12-28", "0001-01-01", "0001-01-02"])
@pytest.mark.parametrize("page", ["/admin/reconciliation/", "/admin/reconciliation/csv/"])
def test_the_reconciliation_report_of_a_day_at_the_ends_of_the_calendar_does_not_crash(
    auth, two_tenants, crash_pages, page, day
):
    web_sign_in(auth, two_tenants, "acme")
    for period in ("day", "week", "month"):
        assert auth.client.get(page, query_string={"period": period, "day": day}).status_code == 200


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1, 1, 2), date(1899, 12, 31)])
def test_a_history_import_cannot_start_before_1900(day):
    enabled = datetime(2026, 1, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="too far back"):
        check_start(day, date(2026, 12, 6), enabled, "Europe/Paris")


def test_the_location_picker_reads_one_at_a_time_per_tenant(outbound_acme, auth, app, redis, outbound_silent):  # noqa: F811
    """Parallel picker reads of a silent OpenBoxes would each hold a web worker (two in production) for seconds."""
    app.config["OPENBOXES_TEST_TIMEOUT_SECONDS"] = 1
    _save(auth, f"http://127.0.0.1:{outbound_silent.port}/openboxes", STORED_PASSWORD)
    held = redis.lock(f"openboxes-picker:{outbound_acme.id}", timeout=30)
    assert held.acquire(blocking=False)  # a first read still running
    try:
        answer = auth.client.get("/admin/openboxes/locations").get_json()
    finally:
        held.release()
    assert answer["choices"] == [] and "being read for another page" in answer["problem"]
    assert not outbound_silent.accepted.is_set()


XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def test_a_tenant_admins_markup_in_audit_details_reaches_support_as_text(auth, two_tenants, db):
    """The audit log's technical-details block is built with Markup: what a tenant admin typed stays text."""
    from portal.models import AuditEvent

    web_sign_in(auth, two_tenants, "acme")
    _save(auth, "http://127.0.0.1:9/openboxes", STORED_PASSWORD)
    form = {"base_url": "http://127.0.0.1:9/openboxes", "username": XSS, "password": "", "location_id": XSS}
    auth.post("/admin/openboxes/save", data=form)
    auth.logout()
    web_sign_in(auth, two_tenants, "support")
    event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.details["username"] == XSS
    for page in ("/admin/audit/", f"/admin/audit/details/?id={event.id}", "/admin/audit/?search=script"):
        body = auth.client.get(page).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert" in body


def test_the_reconciliation_cache_serves_a_company_only_to_the_tenant_that_read_it(tenant, ob, qb, db, redis):
    """QuickBooks answers are cached per tenant and realm (like the item and account lists): a tenant whose
    connection names the same company but whose token cannot read it gets an error, not the cached documents."""
    from datetime import timedelta

    from portal.engine.context import load_context
    from portal.models import QuickBooksConnection
    from portal.services.recon import ReconReport, period_for, quickbooks_items, reconcile
    from portal.sync.errors import SyncError
    from tests.factories import make_tenant
    from tests.sync_fixtures import sync

    supplier, gauze = ob.supplier("Gauze & Co"), ob.product("Sterile gauze", "GZ-10", "2.50")
    ob.approve(ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])["id"])
    sync(tenant, redis)
    assert reconcile(tenant, period_for(tenant, "week")).error is None  # fills the cache
    other = make_tenant("Bolt Clinics", timezone="America/New_York")
    db.session.add(
        QuickBooksConnection(
            tenant=other,
            realm_id=qb.realm,
            status="connected",
            access_token="not-a-token-for-this-company",
            refresh_token="not-a-refresh-token",
            access_expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    db.session.commit()

    report = reconcile(other, period_for(other, "week"))

    assert report.error is not None
    assert all(line.quickbooks_count == 0 for line in report.lines)
    # The on-hand table's item list is cached the same way: the other tenant's token has to read it itself.
    with pytest.raises(SyncError):
        quickbooks_items(load_context(other.id).client, ReconReport(other, period_for(other, "week")))


def test_an_alert_address_a_mail_server_would_refuse_cannot_silence_the_admins(two_tenants, db, smtp, auth):  # noqa: F811
    """One internationalised address made smtplib refuse the whole digest (the relay offers no SMTPUTF8): the
    tenant's admins stopped getting failure alerts, and nobody was told."""
    web_sign_in(auth, two_tenants, "acme")
    auth.post("/admin/preferences/alert-emails/", data={"alert_emails": "jürgen@acme.test"})
    page = web_page_text(auth.client.get("/admin/preferences/"))
    fail_rows(db, two_tenants["acme"], 1)
    send_all_digests(MONDAY)
    assert [mail.recipients for mail in digests(smtp)] == [["admin@acme.test"]]
    assert "Not saved:" in page and "outside plain ASCII" in page


def test_an_admin_account_a_mail_server_would_refuse_does_not_silence_the_other_admins(two_tenants, db, smtp):  # noqa: F811
    """The same through a user account: a tenant admin can add a user whose address is not plain ASCII."""
    from tests.factories import make_user

    make_user("jürgen@acme.test", "tenant_admin", two_tenants["acme"], "Long-enough-pass-1")
    db.session.commit()
    fail_rows(db, two_tenants["acme"], 1)
    send_all_digests(MONDAY)
    assert [mail.recipients for mail in digests(smtp)] == [["admin@acme.test"]]
