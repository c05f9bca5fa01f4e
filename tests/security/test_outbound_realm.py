"""A tenant admin edits ``realmId`` in the QuickBooks OAuth callback to another tenant's company: the realm
is proven with the new token before it is stored, and QuickBooks lists are cached per tenant and realm."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from portal.models import AuditEvent, QuickBooksConnection
from tests.conftest import PLUS_REALM, connect_quickbooks
from tests.console.test_connections import consent, local, start_connect, text

BOLT_REALM = "9341453050000002"
BOLT_ACCOUNT = "Bolt Private Clearing 7731"


@pytest.fixture
def outbound_bolt_company(two_tenants, qbo_app, qbo, redis):
    """Bolt is connected to its own company, which has an account only Bolt should ever see."""
    connection = connect_quickbooks(two_tenants["bolt"], qbo, BOLT_REALM)
    headers = {"Authorization": f"Bearer {connection.access_token}", "Accept": "application/json"}
    account = {"Name": BOLT_ACCOUNT, "AccountType": "Bank", "AccountSubType": "Checking"}
    answer = requests.post(f"{qbo}/v3/company/{BOLT_REALM}/account", json=account, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return connection


def swapped(callback: str, realm: str) -> str:
    """The callback URL with its realmId replaced (what the hostile admin types in the address bar)."""
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return f"{parts.path}?{urlencode({**query, 'realmId': realm})}"


def stored_connection(db, tenant) -> QuickBooksConnection | None:
    db.session.expire_all()
    return db.session.scalar(db.select(QuickBooksConnection).filter_by(tenant_id=tenant.id))


def test_a_realm_edited_in_the_callback_is_refused_and_not_stored(two_tenants, outbound_bolt_company, auth, client, db):
    acme = two_tenants["acme"]
    auth.login("help@bridge.test")
    client.get(f"/admin/mappings/?tenant={two_tenants['bolt'].id}")  # Bolt's accounts are now in the cache
    auth.logout()
    auth.login("admin@acme.test")
    callback = consent(start_connect(auth), PLUS_REALM)  # Acme consents to its own company

    page = text(client.get(swapped(callback, BOLT_REALM), follow_redirects=True))

    assert "this QuickBooks sign-in does not give access to company 9341453050000002" in page
    connection = stored_connection(db, acme)
    assert connection is None or connection.realm_id != BOLT_REALM
    assert BOLT_ACCOUNT not in client.get("/admin/mappings/").get_data(as_text=True)
    refused = db.session.scalars(db.select(AuditEvent).filter_by(action="quickbooks.realm_refused")).all()
    assert [(event.tenant_id, event.details["realm_id"]) for event in refused] == [(acme.id, BOLT_REALM)]


def test_the_untouched_callback_still_connects(two_tenants, outbound_bolt_company, auth, client, db):
    auth.login("admin@acme.test")
    callback = consent(start_connect(auth), PLUS_REALM)
    page = text(client.get(local(callback), follow_redirects=True))
    assert "Connected to QuickBooks: Sandbox Company US Plus." in page
    assert stored_connection(db, two_tenants["acme"]).realm_id == PLUS_REALM


def test_a_tenant_naming_another_tenants_realm_never_reads_its_cached_lists(
    two_tenants, outbound_bolt_company, qbo, auth, client, db
):
    """Defence in depth: even a connection that names Bolt's company (stored before the check existed)
    with Acme's own tokens only ever shows what Acme's tokens can read."""
    auth.login("help@bridge.test")
    bolt_page = client.get(f"/admin/mappings/?tenant={two_tenants['bolt'].id}").get_data(as_text=True)
    assert BOLT_ACCOUNT in bolt_page
    auth.logout()
    acme = connect_quickbooks(two_tenants["acme"], qbo, PLUS_REALM)
    acme.realm_id = BOLT_REALM
    db.session.commit()

    auth.login("admin@acme.test")
    for page in ("/admin/mappings/", "/admin/product_links/"):
        body = client.get(page).get_data(as_text=True)
        assert BOLT_ACCOUNT not in body and not re.search(r"Sandbox Company US Essentials", body)
