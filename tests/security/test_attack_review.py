"""Holes an attacker review of the fixed console found: a Flask-Admin return-to link leaving the site,
DNS pinning missed for international host names, formula cells behind a space or line feed, the OAuth
code percent-encoded in a login link, and non-ASCII digits in a daily time."""

from __future__ import annotations

import ipaddress

import pytest
import requests

from portal.accesslog import redact
from portal.admin.base import spreadsheet_safe
from portal.clients.netguard import PinnedAdapter, pin
from portal.sync.schedule import parse_daily_time
from tests.security.test_outbound_openboxes_check import outbound_acme, outbound_silent, save_openboxes  # noqa: F401
from tests.security.web_helpers import web_sign_in


@pytest.mark.parametrize(
    "target", ["http:/evil.example/phish", "https://evil.example/", "//evil.example/", "/\\evil.example/", "evil"]
)
def test_a_return_to_link_never_leaves_the_site(auth, two_tenants, target):
    web_sign_in(auth, two_tenants, "acme")
    response = auth.client.get("/admin/activity/details/", query_string={"id": 999, "url": target})
    assert response.status_code == 400
    assert "evil" not in response.headers.get("Location", "")


def test_a_return_to_link_within_the_site_still_works(auth, two_tenants):
    web_sign_in(auth, two_tenants, "acme")
    response = auth.client.get("/admin/activity/details/", query_string={"id": 999, "url": "/admin/activity/?page=1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/activity/?page=1")


@pytest.mark.parametrize("url", ["http://bücher.example:8080/hook", "http://ex%61mple.com/", "https://example.com/"])
def test_a_pinned_session_sends_every_spelling_of_the_host_to_the_checked_address(url):
    session = requests.Session()
    pin(session, "http://bücher.example:8080", ipaddress.ip_address("93.184.216.34"))
    prepared = session.prepare_request(requests.Request("GET", url))
    assert isinstance(session.get_adapter(prepared.url), PinnedAdapter)


@pytest.mark.parametrize("cell", [" =2+2", "  @SUM(A1)", '\n=HYPERLINK("x")', "-1+2"])
def test_formula_cells_behind_spaces_or_a_line_feed_are_quoted(cell):
    assert spreadsheet_safe(cell) == "'" + cell


def test_the_oauth_code_is_blanked_inside_a_login_link_too():
    line = "GET /auth/login?next=/admin/quickbooks/callback?code%3DAB12%26state%3Dxyz%26realmId%3D93 HTTP/1.1"
    assert "AB12" not in redact(line) and "xyz" not in redact(line) and "93 " not in redact(line)


@pytest.mark.parametrize("value", ["1٣:0٥", "02:0０"])
def test_a_daily_time_takes_ascii_digits_only(value):
    with pytest.raises(ValueError):
        parse_daily_time(value)


def test_loading_products_from_a_silent_openboxes_ends_at_the_deadline(outbound_acme, auth, app, outbound_silent):  # noqa: F811
    app.config["OPENBOXES_TEST_TIMEOUT_SECONDS"] = 1
    save_openboxes(auth, f"http://127.0.0.1:{outbound_silent.port}")
    response = auth.post("/admin/product_links/load/", data={}, follow_redirects=True)
    assert response.status_code == 200
    assert "Could not load the products:" in response.get_data(as_text=True)


def test_openboxes_reads_inside_a_console_request_have_a_deadline_and_jobs_do_not(outbound_acme, auth, app):  # noqa: F811
    from portal.engine.openboxes import openboxes_client

    app.config["OPENBOXES_TEST_TIMEOUT_SECONDS"] = 1
    save_openboxes(auth, "http://127.0.0.1:9")
    with app.test_request_context("/admin/product_links/load/"):
        with openboxes_client(outbound_acme.id) as client:
            assert client._request_timeout() <= 1
    with openboxes_client(outbound_acme.id) as client:
        assert client._request_timeout() == 30
