"""Finding 1: every response carries a strict Content-Security-Policy, no-framing, no-sniffing and
Referrer-Policy headers, and the console pages give that policy nothing to block."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.factories import seed_tenant_rows
from tests.security.web_helpers import CONSOLE_PAGES, SUPPORT_PAGES, web_sign_in

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLESHEET = re.compile(r'<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"|<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"')
REMOTE_RESOURCE = re.compile(r'<(script|img|iframe|link)\b[^>]*(src|href)="(https?:)?//', re.IGNORECASE)


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def assert_security_headers(response) -> None:
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"
    policy = policy_of(response)
    assert policy.get("frame-ancestors") == ["'none'"]
    assert policy.get("object-src") == ["'none'"]
    assert policy.get("base-uri") == ["'self'"]
    assert "'self'" in policy.get("script-src", [])
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(policy["script-src"])


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/auth/login"),  # a page
        ("get", "/"),  # a redirect
        ("get", "/admin/"),  # a redirect to sign in
        ("get", "/no-such-page"),  # an error page
        ("post", "/auth/login"),  # a refused form (no CSRF token)
        ("get", "/healthz"),
        ("get", "/metrics"),
        ("get", "/static/js/select_all.js"),
        ("get", "/admin/static/admin/js/helpers.js"),
    ],
)
def test_every_response_carries_the_security_headers(client, two_tenants, method, path):
    response = getattr(client, method)(path)
    response.close()  # static files stream from an open file
    assert_security_headers(response)


def test_signed_in_pages_carry_the_headers_and_form_action_allows_intuit(app, client, auth, two_tenants):
    web_sign_in(auth, two_tenants, "acme")
    response = client.get("/admin/quickbooks/")
    assert response.status_code == 200
    assert_security_headers(response)
    auth_url = urlsplit(app.config["QBO_AUTH_URL"])
    # Chrome applies form-action to the 302 that answers "Connect to QuickBooks": Intuit's origin must be allowed.
    assert set(policy_of(response)["form-action"]) == {"'self'", f"{auth_url.scheme}://{auth_url.netloc}"}


def test_the_script_nonce_is_fresh_per_request_and_on_every_inline_script(client, auth, two_tenants):
    web_sign_in(auth, two_tenants, "support")
    nonces = []
    for _ in range(2):
        response = client.get("/admin/activity/")
        nonce = [word for word in policy_of(response)["script-src"] if word.startswith("'nonce-")]
        assert len(nonce) == 1
        nonces.append(nonce[0][len("'nonce-") : -1])
        for attributes in SCRIPT_TAG.findall(response.get_data(as_text=True)):
            assert "src=" in attributes or f'nonce="{nonces[-1]}"' in attributes
    assert nonces[0] != nonces[1]


@pytest.mark.parametrize("who", ["support", "acme"])
def test_console_pages_have_no_inline_handlers_and_load_nothing_from_elsewhere(client, auth, two_tenants, db, who):
    seed_tenant_rows(two_tenants["acme"], "acme")
    db.session.commit()
    web_sign_in(auth, two_tenants, who)
    sheets = set()
    for path in CONSOLE_PAGES + (SUPPORT_PAGES if who == "support" else []):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert INLINE_HANDLER.search(html) is None, f"{path}: an inline event handler the CSP would block"
        assert " style=" not in html, f"{path}: an inline style the CSP would block"
        assert REMOTE_RESOURCE.search(html) is None, f"{path}: a resource from another site"
        sheets |= {a or b for a, b in STYLESHEET.findall(html)}
    assert sheets
    for sheet in sheets:
        response = client.get(sheet)
        css = response.get_data(as_text=True)
        response.close()
        assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", css), f"{sheet} pulls a remote stylesheet"


def test_form_action_lets_intuits_sign_in_hosts_answer_the_connect_redirect():
    from portal.security_headers import form_targets

    production = form_targets("https://appcenter.intuit.com/connect/oauth2")
    assert production.split() == ["'self'", "https://appcenter.intuit.com", "https://*.intuit.com"]
    assert form_targets("http://127.0.0.1:8802/connect/oauth2").split() == ["'self'", "http://127.0.0.1:8802"]
    assert "*.intuit.com" not in form_targets("https://intuit.com.evil.example/connect")
