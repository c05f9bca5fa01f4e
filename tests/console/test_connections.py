"""Settings › Integrations: QuickBooks OAuth through the sandbox's consent page, disconnect and reconnect,
the OpenBoxes connection form and its test, starting to sync, and tenant isolation of all of it."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from rq import Queue

from devtools.sandboxes import QuickBooksSandbox
from devtools.seed import map_accounts
from portal.models import (
    AuditEvent,
    EntityLink,
    OpenBoxesConnection,
    ProductLink,
    QuickBooksConnection,
    SyncActivity,
    Tenant,
)
from portal.services.connect_openboxes import NOT_SAVED_YET
from portal.services.qbo_company import link_count
from sandbox.openboxes.api_catalog import APP_VERSION
from tests.conftest import PLUS_REALM, AuthActions, connect_quickbooks
from tests.sync_fixtures import work

ESSENTIALS_REALM = "9341453050000002"
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


# --- helpers: drive the consent page like a browser would ------------------------------------------


def start_connect(auth: AuthActions, **form) -> str:
    """Press "Connect to QuickBooks"; return the consent page URL we are sent to."""
    response = auth.post("/admin/quickbooks/connect", data=form)
    assert response.status_code == 302
    return response.headers["Location"]


def consent(consent_url: str, realm: str = PLUS_REALM, decision: str = "connect") -> str:
    """Load the sandbox consent page and submit its form; return where Intuit sends the browser back."""
    page = requests.get(consent_url, timeout=10)
    page.raise_for_status()
    fields = {name: html.unescape(value) for name, value in HIDDEN_FIELD.findall(page.text)}
    action = urljoin(consent_url, FORM_ACTION.search(page.text).group(1))
    data = {**fields, "realmId": realm, "decision": decision}
    answer = requests.post(action, data=data, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def connect_through_consent(auth: AuthActions, realm: str = PLUS_REALM, **form):
    """The whole flow: Connect, consent, callback; returns the page shown after the callback."""
    back = consent(start_connect(auth, **form), realm)
    return auth.client.get(local(back), follow_redirects=True)


def text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, white space collapsed."""
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(words))


def token_calls(qbo: str) -> dict:
    return QuickBooksSandbox(qbo).counters()["token_calls"]


def connection(db, tenant) -> QuickBooksConnection | None:
    db.session.expire_all()
    return db.session.scalar(db.select(QuickBooksConnection).filter_by(tenant_id=tenant.id))


def events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action)))


def queued_row(db, tenant, number: str, status: str = "queued") -> SyncActivity:
    row = SyncActivity(
        tenant=tenant, entity_type="supplier", openboxes_id=f"s-{number}", openboxes_number=number,
        version="v1", status=status,
    )  # fmt: skip
    db.session.add(row)
    db.session.commit()
    return row


def api_status(qbo: str, access_token: str, realm: str = PLUS_REALM) -> int:
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    return requests.get(f"{qbo}/v3/company/{realm}/companyinfo/{realm}", headers=headers, timeout=10).status_code


@pytest.fixture
def acme(two_tenants, qbo_app, redis, auth):
    auth.login("admin@acme.test")
    return two_tenants["acme"]


def as_other_user(app, email: str, url: str):
    """GET ``url`` as another signed-in user, in a fresh app context (Flask-Login caches the user on ``g``)."""
    with app.app_context():
        other = AuthActions(app.test_client())
        other.login(email)
        return other.client.get(url, follow_redirects=True)


# --- QuickBooks: OAuth --------------------------------------------------------------------------------


def test_connect_sends_the_browser_to_intuit_with_state_scope_and_callback(acme, auth, qbo):
    query = parse_qs(urlsplit(start_connect(auth)).query)
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    assert query["redirect_uri"] == ["http://localhost/admin/quickbooks/callback"]
    assert query["client_id"] == ["sandbox-client-id"] and query["state"][0]


def test_full_flow_connects_and_shows_company_facts(acme, auth, qbo, db):
    page = connect_through_consent(auth)
    body = text(page)
    assert "Connected to QuickBooks: Sandbox Company US Plus." in body
    for fact in ("Sandbox Company US Plus", PLUS_REALM, "QuickBooks Online Plus", "USD", "Access token expires"):
        assert fact in body
    stored = connection(db, acme)
    facts = (stored.status, stored.realm_id, stored.plan, stored.home_currency)
    assert facts == ("connected", PLUS_REALM, "Plus", "USD")
    assert stored.multicurrency is False and stored.refresh_expires_at is not None
    assert api_status(qbo, stored.access_token) == 200
    assert token_calls(qbo)["authorization_code"] == 1
    assert [e.details["realm_id"] for e in events(db, "quickbooks.connected")] == [PLUS_REALM]
    assert "has no purchase orders" not in body


def test_multicurrency_company_is_shown_as_such(acme, auth, db):
    body = text(connect_through_consent(auth, realm="9341453050000003"))
    assert "QuickBooks Online Advanced" in body
    assert connection(db, acme).multicurrency is True


def test_refresh_company_details_reads_them_again(acme, auth, qbo, db):
    connect_through_consent(auth)
    QuickBooksSandbox(qbo).change_company(name="Acme Renamed")
    body = text(auth.post("/admin/quickbooks/refresh", data={}, follow_redirects=True))
    assert "Company details read from QuickBooks." in body and "Acme Renamed" in body
    assert connection(db, acme).company_name == "Acme Renamed"


def test_replayed_callback_changes_nothing_and_exchanges_no_second_time(acme, auth, qbo, db):
    back = consent(start_connect(auth))
    auth.client.get(local(back))
    before = connection(db, acme)
    tokens = (before.access_token, before.refresh_token, before.updated_at)
    replay = auth.client.get(local(back), follow_redirects=True)
    assert "already handled; nothing was changed" in text(replay)
    after = connection(db, acme)
    assert (after.access_token, after.refresh_token, after.updated_at) == tokens
    assert token_calls(qbo) == {"authorization_code": 1}
    assert api_status(qbo, after.access_token) == 200  # a second exchange would have poisoned it


def test_state_mismatch_is_refused_and_exchanges_nothing(acme, auth, qbo, db):
    back = consent(start_connect(auth))
    forged = re.sub(r"state=[^&]+", "state=forged-state", back)
    refused = auth.client.get(local(forged), follow_redirects=True)
    assert "unknown or has expired; nothing was changed" in text(refused)
    assert connection(db, acme) is None
    assert token_calls(qbo) == {}
    auth.client.get(local(back))  # the genuine callback still works
    assert connection(db, acme).status == "connected"


def test_callback_of_a_flow_started_by_another_user_is_refused(acme, auth, qbo_app, qbo, db, two_tenants):
    back = consent(start_connect(auth))
    refused = as_other_user(qbo_app, "admin@bolt.test", local(back))
    assert "started by another user" in text(refused)
    assert connection(db, two_tenants["bolt"]) is None and connection(db, acme) is None
    assert token_calls(qbo) == {}
    auth.client.get(local(back))
    assert connection(db, acme).status == "connected"


def test_denied_consent_says_so_plainly(acme, auth, qbo, db):
    back = consent(start_connect(auth), decision="deny")
    assert "error=access_denied" in back
    body = text(auth.client.get(local(back), follow_redirects=True))
    assert "QuickBooks was not connected: access was denied on Intuit's page." in body
    assert connection(db, acme) is None and token_calls(qbo) == {}


def test_plan_without_purchase_orders_is_flagged_with_the_fix(acme, auth, db):
    body = text(connect_through_consent(auth, realm=ESSENTIALS_REALM))
    assert "QuickBooks Online Essentials has no purchase orders" in body
    assert "switch the PO target to Bill (Sync preferences) or upgrade QuickBooks" in body
    assert "has no inventory items" in body
    db.session.get(Tenant, acme.id).po_target = "Bill"
    db.session.commit()
    body = text(auth.client.get("/admin/quickbooks/"))
    assert "has no purchase orders" not in body
    assert "has no inventory items" in body


def test_another_company_is_refused_while_links_exist_unless_reset(acme, auth, qbo, db):
    connect_through_consent(auth)
    db.session.add(EntityLink(tenant=acme, realm_id=PLUS_REALM, entity_type="supplier", openboxes_id="s1", qbo_id="5"))
    history = queued_row(db, acme, "PO-HIST", status="synced")
    body = text(connect_through_consent(auth, realm=ESSENTIALS_REALM))
    assert "Not connected: you chose QuickBooks company 9341453050000002" in body
    assert "tick 'Reset the links'" in body
    assert connection(db, acme).realm_id == PLUS_REALM
    assert token_calls(qbo)["authorization_code"] == 1  # the other company's code was never exchanged

    body = text(connect_through_consent(auth, realm=ESSENTIALS_REALM, reset_links="y"))
    assert "Connected to QuickBooks: Sandbox Company US Essentials." in body
    assert connection(db, acme).realm_id == ESSENTIALS_REALM
    assert db.session.scalars(db.select(EntityLink)).all() == []
    assert db.session.get(SyncActivity, history.id) is not None
    assert events(db, "quickbooks.links_reset")[0].details["entity_link"] == 1


def test_a_linked_product_counts_once_though_it_is_in_both_ledgers(acme, db):
    def product_links(openboxes_id, realm):
        entity = EntityLink(tenant=acme, realm_id=realm, entity_type="product", openboxes_id=openboxes_id, qbo_id="9")
        product = ProductLink(
            tenant=acme, realm_id=realm, openboxes_product_id=openboxes_id, qbo_item_id="9", link_method="auto_created"
        )
        return [entity, product]

    db.session.add_all(product_links("p1", PLUS_REALM) + product_links("p2", ESSENTIALS_REALM))
    db.session.add(ProductLink(tenant=acme, realm_id=PLUS_REALM, openboxes_product_id="p3", qbo_item_id="8",
                               link_method="manual"))  # fmt: skip
    db.session.add(EntityLink(tenant=acme, realm_id=PLUS_REALM, entity_type="supplier", openboxes_id="p1", qbo_id="5"))
    db.session.commit()
    assert link_count(acme.id, PLUS_REALM) == 3  # p1 once, p3 (product ledger only), the supplier
    assert link_count(acme.id, PLUS_REALM, other_realms=True) == 1


# --- QuickBooks: disconnect and reconnect -------------------------------------------------------------


def test_disconnect_revokes_stops_pushes_and_keeps_history(acme, auth, qbo, db, redis):
    connect_through_consent(auth)
    old_token = connection(db, acme).access_token
    db.session.add(EntityLink(tenant=acme, realm_id=PLUS_REALM, entity_type="supplier", openboxes_id="s1", qbo_id="5"))
    synced = queued_row(db, acme, "PO-1", status="synced")
    body = text(auth.post("/admin/quickbooks/disconnect", data={"confirmed": "yes"}, follow_redirects=True))
    assert "Disconnected from QuickBooks." in body
    stored = connection(db, acme)
    assert (stored.status, stored.access_token, stored.refresh_token) == ("disconnected", None, None)
    assert api_status(qbo, old_token) == 401
    assert token_calls(qbo)["revoke"] == 1
    assert db.session.get(SyncActivity, synced.id).status == "synced"
    assert len(db.session.scalars(db.select(EntityLink)).all()) == 1
    assert events(db, "quickbooks.disconnected")[0].details == {"realm_id": PLUS_REALM, "revoked": True}

    waiting = queued_row(db, acme, "PO-2")
    Queue("default", connection=redis).enqueue("jobs.sync.push_activity", waiting.id)
    work(redis)
    db.session.expire_all()
    assert db.session.get(SyncActivity, waiting.id).status == "queued"

    body = text(connect_through_consent(auth))  # same company: links kept, no reset needed
    assert "Connected to QuickBooks: Sandbox Company US Plus. 1 waiting record(s) were queued again." in body
    assert len(db.session.scalars(db.select(EntityLink)).all()) == 1


def test_reconnect_after_needs_reconnect_requeues_queued_rows(acme, auth, qbo, db, redis):
    connect_through_consent(auth)
    stored = connection(db, acme)
    stored.status = "needs_reconnect"
    db.session.commit()
    rows = [queued_row(db, acme, "PO-1"), queued_row(db, acme, "PO-2", status="retrying")]
    queued_row(db, acme, "PO-3", status="synced")
    page = text(auth.client.get("/admin/quickbooks/"))
    assert "needs reconnect" in page and "Reconnect to QuickBooks" in page
    body = text(connect_through_consent(auth))
    assert "2 waiting record(s) were queued again." in body
    job_ids = Queue("default", connection=redis).job_ids
    for row in rows:
        assert any(job_id.startswith(f"push-{row.id}-0-reconnect") for job_id in job_ids)
    assert len(job_ids) == 2
    assert connection(db, acme).status == "connected"


def test_disconnect_without_connection_changes_nothing(acme, auth, db):
    body = text(auth.post("/admin/quickbooks/disconnect", data={"confirmed": "yes"}, follow_redirects=True))
    assert "nothing to disconnect" in body
    assert events(db, "quickbooks.disconnected") == []


# --- OpenBoxes connection -----------------------------------------------------------------------------


def openboxes_form(ob, password: str = "password", **overrides) -> dict:
    form = {"base_url": ob.url, "username": "admin", "password": password, "location_id": ob.info()["facilityId"]}
    return {**form, **overrides}


def test_openboxes_save_and_test_connection(acme, auth, ob, db):
    saved = auth.post("/admin/openboxes/save", data=openboxes_form(ob), follow_redirects=True)
    assert "OpenBoxes settings saved." in text(saved)
    page = saved.get_data(as_text=True)
    assert 'value="admin"' in page and 'value="password"' not in page
    body = text(auth.post("/admin/openboxes/test", data={}, follow_redirects=True))
    assert f"Connected to OpenBoxes {APP_VERSION}, location Main Warehouse." in body
    db.session.expire_all()
    stored = db.session.scalar(db.select(OpenBoxesConnection).filter_by(tenant_id=acme.id))
    assert stored.last_checked_at is not None and stored.last_check_message.startswith("Connected")
    event = events(db, "openboxes.saved")[0]
    assert event.details["password_changed"] is True and "password" not in str(event.details.values())


def test_openboxes_wrong_password_shows_the_exact_failure(acme, auth, ob):
    auth.post("/admin/openboxes/save", data=openboxes_form(ob, password="wrong"))
    body = text(auth.post("/admin/openboxes/test", data={}, follow_redirects=True))
    assert "Connection failed: OpenBoxes at 127.0.0.1 refused the login of user 'admin'" in body
    assert "fix the user name or password under Settings › OpenBoxes" in body


def test_openboxes_empty_password_keeps_the_stored_one(acme, auth, ob, db):
    auth.post("/admin/openboxes/save", data=openboxes_form(ob))
    auth.post("/admin/openboxes/save", data=openboxes_form(ob, password="", username="admin"))
    db.session.expire_all()
    assert db.session.scalar(db.select(OpenBoxesConnection)).password == "password"
    body = text(auth.post("/admin/openboxes/test", data={}, follow_redirects=True))
    assert "Connected to OpenBoxes" in body


def test_openboxes_form_needs_a_password_first_and_an_http_url(acme, auth, ob, db):
    body = text(auth.post("/admin/openboxes/save", data=openboxes_form(ob, password=""), follow_redirects=True))
    assert "Not saved: enter the OpenBoxes password" in body
    body = text(auth.post("/admin/openboxes/save", data=openboxes_form(ob, base_url="ftp://x.example")))
    assert "Enter the address starting with https://" in body
    assert db.session.scalars(db.select(OpenBoxesConnection)).all() == []


def test_openboxes_private_address_refused_when_the_installation_forbids_it(acme, auth, ob, qbo_app):
    auth.post("/admin/openboxes/save", data=openboxes_form(ob))
    qbo_app.config["OPENBOXES_ALLOW_PRIVATE_NETWORKS"] = False
    body = text(auth.post("/admin/openboxes/test", data={}, follow_redirects=True))
    assert "a private or loopback address (not allowed by this installation's configuration)" in body


# --- starting to sync ----------------------------------------------------------------------------------


def test_start_syncing_from_now_sets_the_cutoff_and_says_so(acme, auth, ob, qbo, db):
    auth.post("/admin/openboxes/save", data=openboxes_form(ob))
    connect_quickbooks(acme, qbo)
    map_accounts(acme)
    db.session.get(Tenant, acme.id).sync_enabled_at = None
    db.session.commit()
    assert "Syncing has not started" in text(auth.client.get("/admin/quickbooks/"))
    body = text(auth.post("/admin/quickbooks/enable", data={"confirmed": "yes"}, follow_redirects=True))
    assert "Syncing enabled; 0 purchase order(s) approved before now will not be pushed" in body
    db.session.expire_all()
    enabled = db.session.get(Tenant, acme.id).sync_enabled_at
    assert enabled is not None and f"Syncing since {enabled:%Y-%m-%d %H:%M} " in body
    assert "Times are in UTC." in body  # Acme's zone, named once
    assert events(db, "sync.enabled")[0].tenant_id == acme.id


def test_start_syncing_asks_first_and_says_what_is_left_out(acme, auth, ob, qbo, db):
    auth.post("/admin/openboxes/save", data=openboxes_form(ob))
    connect_quickbooks(acme, qbo)
    map_accounts(acme)
    db.session.get(Tenant, acme.id).sync_enabled_at = None
    db.session.commit()
    page = auth.post("/admin/quickbooks/enable", data={})
    body = text(page)
    assert page.status_code == 200 and "Start syncing Acme Medical from now?" in body
    assert "Leave out everything approved, shipped or changed before now" in body
    assert 'name="confirmed" value="yes"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).sync_enabled_at is None and events(db, "sync.enabled") == []


def test_start_syncing_is_refused_until_the_setup_is_complete(acme, auth, qbo, db):
    """Nothing connected, nothing mapped, and an Essentials company with purchase orders as PurchaseOrder."""
    db.session.get(Tenant, acme.id).sync_enabled_at = None
    connect_quickbooks(acme, qbo, realm=ESSENTIALS_REALM).plan = "Essentials"
    db.session.commit()
    body = text(auth.post("/admin/quickbooks/enable", data={"confirmed": "yes"}, follow_redirects=True))
    assert "Acme Medical cannot start syncing yet" in body
    assert "Connect OpenBoxes (Settings › OpenBoxes)." in body
    assert "Map the accounts for " in body and "Accounts payable" in body
    assert "Switch purchase orders to Bill" in body and "Essentials has no purchase orders" in body
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).sync_enabled_at is None and events(db, "sync.enabled") == []


def test_disconnect_asks_first_naming_the_company_and_the_waiting_rows(acme, auth, qbo, db):
    stored = connect_quickbooks(acme, qbo)
    stored.company_name = "Acme Books"
    db.session.commit()
    body = text(auth.post("/admin/quickbooks/disconnect", data={}))
    assert "Disconnect Acme Medical from QuickBooks?" in body
    assert "Revoke this bridge's access to Acme Books at Intuit" in body and "Keep 0 record(s) waiting" in body
    assert connection(db, acme).status == "connected" and events(db, "quickbooks.disconnected") == []


# --- isolation ----------------------------------------------------------------------------------------


@pytest.fixture
def bolt_connected(two_tenants, qbo_app, qbo, ob, db):
    """Bolt has both connections; Acme has none."""
    bolt = two_tenants["bolt"]
    stored = connect_quickbooks(bolt, qbo)
    stored.company_name = "boltmark Books"
    db.session.add(OpenBoxesConnection(tenant=bolt, **{**openboxes_form(ob, username="boltmark-sync")}))
    db.session.commit()
    return bolt


def test_tenant_admin_cannot_see_another_tenants_connections(bolt_connected, acme, auth):
    for page in ("/admin/quickbooks/", "/admin/openboxes/"):
        response = auth.client.get(f"{page}?tenant={bolt_connected.id}")
        assert response.status_code == 200
        assert "boltmark" not in text(response) and "Bolt Clinics" not in text(response)


@pytest.mark.parametrize("action", ["disconnect", "enable", "refresh"])
def test_tenant_admin_cannot_act_on_another_tenants_quickbooks(bolt_connected, acme, auth, db, action):
    before = connection(db, bolt_connected)
    state = (before.status, before.access_token, before.company_name, bolt_connected.sync_enabled_at)
    auth.post(f"/admin/quickbooks/{action}", data={"tenant": bolt_connected.id, "confirmed": "yes"})
    after = connection(db, bolt_connected)
    assert (after.status, after.access_token, after.company_name, after.tenant.sync_enabled_at) == state


def test_tenant_admin_connect_always_lands_in_own_tenant(bolt_connected, acme, auth, db):
    connect_through_consent(auth, realm=ESSENTIALS_REALM, tenant=bolt_connected.id)
    assert connection(db, acme).realm_id == ESSENTIALS_REALM
    assert connection(db, bolt_connected).realm_id == PLUS_REALM


def test_tenant_admin_cannot_change_or_test_another_tenants_openboxes(bolt_connected, acme, auth, ob, db):
    auth.post("/admin/openboxes/save", data={**openboxes_form(ob, username="hijack"), "tenant": bolt_connected.id})
    auth.post("/admin/openboxes/test", data={"tenant": bolt_connected.id})
    db.session.expire_all()
    bolt = db.session.scalar(db.select(OpenBoxesConnection).filter_by(tenant_id=bolt_connected.id))
    assert (bolt.username, bolt.last_checked_at) == ("boltmark-sync", None)
    ours = db.session.scalar(db.select(OpenBoxesConnection).filter_by(tenant_id=acme.id))
    assert ours.username == "hijack" and ours.last_checked_at is not None


def test_support_sees_every_tenant_and_acts_on_the_one_picked(bolt_connected, two_tenants, auth, db, redis, qbo):
    auth.login("help@bridge.test")
    listing = text(auth.client.get("/admin/quickbooks/"))
    assert "Acme Medical" in listing and "Bolt Clinics" in listing and "boltmark Books" in listing
    assert 'value="boltmark-sync"' in auth.client.get(f"/admin/openboxes/?tenant={bolt_connected.id}").get_data(True)
    body = text(auth.client.get(f"/admin/quickbooks/?tenant={bolt_connected.id}"))
    assert "Tenant: Bolt Clinics" in body and "boltmark Books" in body
    auth.post("/admin/quickbooks/disconnect", data={"tenant": bolt_connected.id, "confirmed": "yes"})
    assert connection(db, bolt_connected).status == "disconnected"
    acme = two_tenants["acme"]
    connect_through_consent(auth, realm=ESSENTIALS_REALM, tenant=acme.id)
    assert connection(db, acme).realm_id == ESSENTIALS_REALM
    body = text(auth.post("/admin/openboxes/test", data={"tenant": bolt_connected.id}, follow_redirects=True))
    assert "refused the login of user 'boltmark-sync'" in body and "Tenant: Bolt Clinics" in body


def test_support_without_a_tenant_is_asked_to_choose_one(two_tenants, qbo_app, auth, db):
    auth.login("help@bridge.test")
    body = text(auth.post("/admin/quickbooks/disconnect", data={"confirmed": "yes"}, follow_redirects=True))
    assert "Choose a tenant first." in body


def test_pages_need_a_signed_in_user(client, two_tenants):
    for page in ("/admin/quickbooks/", "/admin/openboxes/", "/admin/quickbooks/callback?state=x&code=y"):
        response = client.get(page)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- the location picker ------------------------------------------------------------------------------


def test_openboxes_locations_lists_the_facilities_openboxes_offers(acme, auth, ob):
    auth.post("/admin/openboxes/save", data=openboxes_form(ob))
    answer = auth.client.get("/admin/openboxes/locations").get_json()
    assert answer["problem"] == ""
    labels = [label for _, label in answer["choices"]]
    assert labels == ["Main Warehouse (MW)", "North Depot (ND)"]  # customers (wards) and suppliers are no facilities
    assert answer["choices"][0][0] == ob.info()["facilityId"]
    page = auth.client.get("/admin/openboxes/").get_data(as_text=True)
    assert 'data-url="/admin/openboxes/locations"' in page and "openboxes_locations.js" in page


def test_openboxes_locations_says_why_when_openboxes_cannot_be_reached(acme, auth, ob, db):
    auth.post("/admin/openboxes/save", data=openboxes_form(ob))
    ob.fault(route="/openboxes/api/locations", kind="error", status=503, count=5)
    answer = auth.client.get("/admin/openboxes/locations").get_json()
    assert answer["choices"] == []
    assert "The list of locations could not be read from OpenBoxes" in answer["problem"]
    assert answer["problem"].endswith("Type the id.")
    page = auth.client.get("/admin/openboxes/").get_data(as_text=True)
    assert re.search(r'<input [^>]*id="location_id"', page)  # the typed id: the page never waits on OpenBoxes


def test_openboxes_locations_before_saving_asks_for_the_settings_first(acme, auth, ob):
    answer = auth.client.get("/admin/openboxes/locations").get_json()
    assert answer == {"choices": [], "problem": NOT_SAVED_YET}
