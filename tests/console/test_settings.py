"""Settings › Account mappings, Product links and Sync preferences (with "Sync now" and its progress),
against both sandboxes over HTTP, and tenant isolation of every page, action, picker and endpoint."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from devtools.sandboxes import QuickBooksSandbox
from portal.models import (
    AccountMapping,
    AuditEvent,
    EntityLink,
    OpenBoxesProduct,
    ProductLink,
    QuickBooksConnection,
    SyncActivity,
    Tenant,
)
from portal.services.catalogue import search_items
from portal.sync.schedule import next_run_at
from tests.conftest import PLUS_REALM, TEST_PASSWORD, connect_quickbooks
from tests.factories import make_tenant, make_user
from tests.sync_fixtures import activities, work

ADVANCED_REALM = "9341453050000003"
OPTION = re.compile(r'<option value="([^"]*)"[^>]*>([^<]*)</option>')


# --- helpers -------------------------------------------------------------------------------------


def body(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def options(page: str, select_name: str) -> dict[str, str]:
    """value → label of the options of ``<select name=select_name>`` (the empty choice left out)."""
    match = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select named {select_name}"
    return {value: label.strip() for value, label in OPTION.findall(match.group(1)) if value}


def qbo_create(qbo: str, realm: str, entity: str, payload: dict) -> dict:
    """Create an object in a sandbox company through its public API (as someone in QuickBooks would)."""
    token = QuickBooksSandbox(qbo, realm).tokens()["access_token"]
    answer = requests.post(
        f"{qbo}/v3/company/{realm}/{entity.lower()}",
        json=payload,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()[entity]


def qbo_item(qbo: str, name: str, sku: str | None = None, realm: str = PLUS_REALM) -> dict:
    payload = {"Name": name, "Type": "NonInventory", "ExpenseAccountRef": {"value": "9"}}
    return qbo_create(qbo, realm, "Item", payload | ({"Sku": sku} if sku else {}))


def qbo_requests(qb, realm: str = PLUS_REALM) -> int:
    return qb.counters()["realms"].get(realm, {}).get("requests", 0)


def audit_actions(db, tenant_id: int) -> list[str]:
    return [e.action for e in db.session.scalars(db.select(AuditEvent).filter_by(tenant_id=tenant_id))]


@pytest.fixture
def admin(tenant, auth, db):
    """The synced tenant's admin, signed in."""
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    auth.login("admin@acme.test")
    return auth


@pytest.fixture
def bolt(tenant, qbo, db):
    """A second tenant on another QuickBooks company, with one product linked there, and its admin."""
    bolt = make_tenant("Bolt Clinics")
    make_user("admin@bolt.test", "tenant_admin", bolt, TEST_PASSWORD)
    make_user("help@bridge.test", "support", None, TEST_PASSWORD)
    connect_quickbooks(bolt, qbo, realm=ADVANCED_REALM)
    db.session.add(AccountMapping(tenant=bolt, role="inventory_asset", qbo_account_id="4", account_name="Bolt asset"))
    link = dict(tenant=bolt, realm_id=ADVANCED_REALM, openboxes_product_id="bolt-p1")
    db.session.add(
        ProductLink(**link, product_code="BOLT-1", product_name="Bolt gauze", qbo_item_id="1", link_method="manual")
    )
    db.session.add(
        EntityLink(tenant=bolt, realm_id=ADVANCED_REALM, entity_type="product", openboxes_id="bolt-p1", qbo_id="1")
    )
    db.session.commit()
    return bolt


def load_products(auth, tenant_id: int | None = None):
    data = {"tenant": tenant_id} if tenant_id else {}
    response = auth.post("/admin/product_links/load/", data=data)
    assert response.status_code == 302
    return response


def links(db, tenant_id: int) -> dict[str, ProductLink]:
    db.session.expire_all()
    return {
        pl.openboxes_product_id: pl for pl in db.session.scalars(db.select(ProductLink).filter_by(tenant_id=tenant_id))
    }


def ledger(db, tenant_id: int) -> dict[str, str]:
    query = db.select(EntityLink).filter_by(tenant_id=tenant_id, entity_type="product")
    return {link.openboxes_id: link.qbo_id for link in db.session.scalars(query)}


# --- account mappings ----------------------------------------------------------------------------


def test_mapping_picker_offers_only_suitable_live_accounts(admin, client, qbo):
    qbo_create(qbo, PLUS_REALM, "Account", {"Name": "Savings", "AcctNum": "1010", "AccountType": "Bank"})
    page = body(client.get("/admin/mappings/"))
    assert list(options(page, "account_inventory_asset").values()) == ["1300 - Inventory Asset"]
    assert list(options(page, "account_accounts_payable").values()) == ["2000 - Accounts Payable (A/P)"]
    assert list(options(page, "account_outbound_revenue").values()) == [
        "4000 - Sales of Product Income",
        "4100 - Services",
    ]
    purchases = list(options(page, "account_inventory_purchases").values())
    assert purchases == ["5000 - Cost of Goods Sold", "5100 - Inventory Shrinkage", "6000 - Purchases"] + [
        "6100 - Shipping and Delivery Expense"
    ]
    deposit = options(page, "account_deposit").values()
    assert "1010 - Savings" in deposit and "1000 - Checking" in deposit
    assert "2000 - Accounts Payable (A/P)" not in deposit


def test_freight_and_other_charges_is_an_optional_expense_role(admin, client, db, tenant):
    page = body(client.get("/admin/mappings/"))
    assert 'Freight and other charges on purchase orders</label> <small class="text-muted">(optional)' in page
    assert list(options(page, "account_purchase_charges").values()) == [
        "5000 - Cost of Goods Sold",
        "5100 - Inventory Shrinkage",
        "6000 - Purchases",
        "6100 - Shipping and Delivery Expense",
    ]
    assert admin.post("/admin/mappings/save/", data={"account_purchase_charges": "12"}).status_code == 302
    db.session.expire_all()
    mapping = db.session.scalar(db.select(AccountMapping).filter_by(tenant_id=tenant.id, role="purchase_charges"))
    assert (mapping.qbo_account_id, mapping.account_name) == ("12", "Shipping and Delivery Expense")
    assert admin.post("/admin/mappings/save/", data={"account_purchase_charges": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(AccountMapping).filter_by(tenant_id=tenant.id, role="purchase_charges")) is None


def test_second_page_load_makes_no_quickbooks_request_until_refreshed(admin, client, qb, qbo):
    client.get("/admin/mappings/")
    before = qbo_requests(qb)
    qbo_create(
        qbo, PLUS_REALM, "Account", {"Name": "Freight In", "AcctNum": "5200", "AccountType": "Cost of Goods Sold"}
    )
    cached = body(client.get("/admin/mappings/"))
    assert qbo_requests(qb) == before + 1  # only our own create above
    assert "5200 - Freight In" not in cached
    assert admin.post("/admin/mappings/refresh/").status_code == 302
    assert "5200 - Freight In" in options(body(client.get("/admin/mappings/")), "account_inventory_purchases").values()


def test_saving_mappings_stores_the_account_and_audits(admin, client, db, tenant):
    client.get("/admin/mappings/")
    response = admin.post("/admin/mappings/save/", data={"account_inventory_purchases": "11", "account_deposit": ""})
    assert response.status_code == 302
    db.session.expire_all()
    rows = {m.role: m for m in db.session.scalars(db.select(AccountMapping).filter_by(tenant_id=tenant.id))}
    assert (rows["inventory_purchases"].qbo_account_id, rows["inventory_purchases"].account_number) == ("11", "6000")
    assert rows["inventory_purchases"].account_name == "Purchases"
    assert "deposit" not in rows  # the optional role was cleared
    assert rows["inventory_asset"].qbo_account_id == "4"  # roles not posted stay as they were
    events = db.session.scalars(db.select(AuditEvent).filter_by(tenant_id=tenant.id, action="mapping.saved")).all()
    assert {e.details["role"] for e in events} == {"inventory_purchases", "deposit"}
    assert "Saved: Inventory purchases, Deposit account." in body(client.get("/admin/mappings/"))


@pytest.mark.parametrize(
    "role, account_id",
    [
        ("inventory_asset", "5"),  # exists, but Accounts Payable does not suit the asset role
        ("inventory_asset", "999"),  # no such account
        ("deposit", "13"),  # exists only in another tenant's company
    ],
)
def test_an_account_the_picker_does_not_offer_is_refused(admin, client, db, tenant, qbo, role, account_id):
    foreign = qbo_create(qbo, ADVANCED_REALM, "Account", {"Name": "Other bank", "AccountType": "Bank"})
    assert foreign["Id"] == "13"
    response = admin.post(
        "/admin/mappings/save/", data={f"account_{role}": account_id, "account_accounts_payable": "5"}
    )
    assert response.status_code == 302
    page = body(client.get("/admin/mappings/"))
    assert f"Nothing saved: QuickBooks account id {account_id} is not an active account suitable for" in page
    db.session.expire_all()
    rows = {
        m.role: m.qbo_account_id for m in db.session.scalars(db.select(AccountMapping).filter_by(tenant_id=tenant.id))
    }
    assert rows["inventory_asset"] == "4" and rows["deposit"] == "1"


def test_a_mapped_account_made_inactive_is_flagged_on_refresh(admin, client, db, tenant, qb):
    qb.control("POST", f"/companies/{PLUS_REALM}/account/4/inactivate")
    admin.post("/admin/mappings/refresh/")
    db.session.expire_all()
    mapping = db.session.scalar(db.select(AccountMapping).filter_by(tenant_id=tenant.id, role="inventory_asset"))
    assert mapping.account_active is False
    page = body(client.get("/admin/mappings/"))
    assert "inactive</span>" in page
    assert options(page, "account_inventory_asset") == {}  # the inactive account is not offered again


def test_an_account_deactivated_while_the_list_is_cached_is_neither_offered_nor_saved(admin, client, db, tenant, qb):
    """The sync found A/P inactive (the 10-minute cache still lists it active); saving re-checks QuickBooks."""
    client.get("/admin/mappings/")  # the list is cached now
    qb.control("POST", f"/companies/{PLUS_REALM}/account/5/inactivate")
    qb.control("POST", f"/companies/{PLUS_REALM}/account/11/inactivate")  # not mapped: only QuickBooks knows
    mapping = db.session.scalar(db.select(AccountMapping).filter_by(tenant_id=tenant.id, role="accounts_payable"))
    mapping.account_active = False  # as a sync's failure diagnosis leaves it
    db.session.commit()
    assert options(body(client.get("/admin/mappings/")), "account_accounts_payable") == {}

    admin.post("/admin/mappings/save/", data={"account_accounts_payable": "5"})
    assert "Nothing saved: QuickBooks account id 5 is not an active account" in body(client.get("/admin/mappings/"))
    admin.post("/admin/mappings/save/", data={"account_inventory_purchases": "11"})
    assert "Nothing saved: QuickBooks account id 11 is not an active account" in body(client.get("/admin/mappings/"))
    db.session.expire_all()
    rows = {m.role: m for m in db.session.scalars(db.select(AccountMapping).filter_by(tenant_id=tenant.id))}
    assert (rows["accounts_payable"].account_active, rows["inventory_purchases"].qbo_account_id) == (False, "9")


def test_the_raw_mapping_form_follows_the_picker_rule(admin, db, tenant):
    admin.post(
        "/admin/mappings/edit/?id=" + str(_mapping_id(db, tenant, "inventory_asset")),
        data={"tenant": tenant.id, "role": "inventory_asset", "qbo_account_id": "5"},
    )
    db.session.expire_all()
    assert db.session.get(AccountMapping, _mapping_id(db, tenant, "inventory_asset")).qbo_account_id == "4"


def _mapping_id(db, tenant, role) -> int:
    return db.session.scalar(db.select(AccountMapping.id).filter_by(tenant_id=tenant.id, role=role))


# --- product links -------------------------------------------------------------------------------


def test_loaded_products_are_listed_unlinked_and_searchable(admin, client, ob):
    ob.product("Gauze pads", "GZ-1")
    ob.product("Surgical tape", "TP-1")
    load_products(admin)
    page = body(client.get("/admin/product_links/"))
    assert "Gauze pads" in page and "Surgical tape" in page
    assert "Unlinked (2)" in page
    found = body(client.get("/admin/product_links/?q=tape"))
    assert "Surgical tape" in found and "Gauze pads" not in found


def test_match_by_sku_links_existing_items_by_sku_else_name(admin, client, db, tenant, ob, qbo):
    gauze, tape = ob.product("Gauze pads", "GZ-1"), ob.product("Surgical tape", "TP-1")
    ob.product("Unknown thing", "UK-1")
    by_sku = qbo_item(qbo, "Gauze (QuickBooks name)", "GZ-1")
    by_name = qbo_item(qbo, "Surgical tape")
    load_products(admin)
    admin.post("/admin/product_links/bulk/", data={"action": "match", "scope": "filtered"})
    found = links(db, tenant.id)
    assert (found[gauze["id"]].qbo_item_id, found[gauze["id"]].link_method) == (by_sku["Id"], "matched_sku")
    assert found[tape["id"]].qbo_item_id == by_name["Id"]
    assert len(found) == 2
    assert ledger(db, tenant.id) == {gauze["id"]: by_sku["Id"], tape["id"]: by_name["Id"]}
    page = body(client.get("/admin/product_links/"))
    assert "Linked 2 product(s)." in page
    assert "UK-1 &#39;Unknown thing&#39;: no QuickBooks item has its Sku or name" in page.replace("'", "&#39;")
    assert audit_actions(db, tenant.id).count("product.linked") == 2


def test_auto_create_makes_items_and_links_them(admin, client, db, tenant, ob, qb):
    gauze = ob.product("Gauze pads", "GZ-1")
    load_products(admin)
    admin.post("/admin/product_links/bulk/", data={"action": "create", "product_id": [gauze["id"]]})
    items = [item for item in qb.objects("Item") if item.get("Sku") == "GZ-1"]
    assert len(items) == 1 and items[0]["Name"] == "Gauze pads"
    assert links(db, tenant.id)[gauze["id"]].link_method == "auto_created"
    assert ledger(db, tenant.id) == {gauze["id"]: items[0]["Id"]}
    assert "Auto-created (1)" in body(client.get("/admin/product_links/"))


def test_manual_link_then_unlink_hands_the_product_back_to_the_link_mode(admin, client, db, tenant, ob, qbo, redis):
    gauze = ob.product("Gauze pads", "GZ-1")
    item = qbo_item(qbo, "Dressings", "DR-9")
    load_products(admin)
    picker = body(client.get(f"/admin/product_links/link/?product_id={gauze['id']}"))
    assert options(picker, "item_id")[item["Id"]] == "Dressings (SKU DR-9)"
    admin.post("/admin/product_links/link/", data={"product_id": gauze["id"], "item_id": item["Id"]})
    assert links(db, tenant.id)[gauze["id"]].link_method == "manual"
    assert ledger(db, tenant.id) == {gauze["id"]: item["Id"]}

    admin.post("/admin/product_links/mode/", data={"mode": "manual"})
    admin.post("/admin/product_links/bulk/", data={"action": "unlink", "product_id": [gauze["id"]]})
    assert links(db, tenant.id) == {} and ledger(db, tenant.id) == {}
    assert {"product.unlinked", "product.link_mode"} <= set(audit_actions(db, tenant.id))

    supplier = ob.supplier("Medline")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 2, "5.00")])
    ob.approve(order["id"])
    admin.post("/admin/preferences/sync-now/")
    work(redis)
    failed = activities(db, entity_type="purchase_order")[0]
    assert failed.status == "sync_failed"
    assert "is not linked to a QuickBooks item: link it under Product links" in failed.message


def test_manual_link_refuses_unknown_items_and_items_linked_elsewhere(admin, client, db, tenant, ob, qbo):
    gauze, pads = ob.product("Gauze pads", "GZ-1"), ob.product("Gauze pads large", "GZ-2")
    item = qbo_item(qbo, "Dressings", "DR-9")
    load_products(admin)
    admin.post("/admin/product_links/link/", data={"product_id": gauze["id"], "item_id": "999"})
    assert "Not linked: QuickBooks item id 999 is not in this company" in body(client.get("/admin/product_links/"))
    admin.post("/admin/product_links/link/", data={"product_id": gauze["id"], "item_id": item["Id"]})
    admin.post("/admin/product_links/link/", data={"product_id": pads["id"], "item_id": item["Id"]})
    assert "is already linked to product GZ-1" in body(client.get("/admin/product_links/"))
    assert set(links(db, tenant.id)) == {gauze["id"]}


def test_conflicts_are_shown(admin, client, db, tenant, ob, qbo):
    first, second = ob.product("Gauze pads", "GZ-1"), ob.product("Gauze pads (old)", "ZZ-9")
    ob.product("Bandage", "BD-1")
    item = qbo_item(qbo, "Gauze", "ZZ-9")
    qbo_item(qbo, "Bandage", "OTHER-7")
    load_products(admin)
    admin.post("/admin/product_links/link/", data={"product_id": first["id"], "item_id": item["Id"]})
    page = body(client.get("/admin/product_links/?state=conflict"))
    assert "Conflict (2)" in page
    assert "QuickBooks item 'Gauze' is already linked to product GZ-1 'Gauze pads': unlink it there first" in page
    assert "QuickBooks item 'Bandage' has this name but Sku OTHER-7: link by hand" in page
    admin.post("/admin/product_links/bulk/", data={"action": "match", "product_id": [second["id"]]})
    assert set(links(db, tenant.id)) == {first["id"]}


# --- sync preferences ------------------------------------------------------------------------------

GOOD_PREFS = {
    "sync_mode": "scheduled",
    "realtime_interval_minutes": "5",
    "daily_time": "02:30",
    "timezone": "America/New_York",
    "po_target": "Bill",
    "shipment_target": "SalesReceipt",
    "product_link_mode": "manual",
    "sync_purchase_orders": "y",
    "sync_products": "y",
}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("daily_time", "25:00", "'25:00' is not a time of day: use 24-hour HH:MM"),
        ("daily_time", "2pm", "'2pm' is not a time of day"),
        ("realtime_interval_minutes", "0", "Real-time syncs run every 1 to 5 minutes, not every 0"),
        ("realtime_interval_minutes", "6", "Real-time syncs run every 1 to 5 minutes, not every 6"),
        ("timezone", "Mars/Olympus", "'Mars/Olympus' is not a time zone we know: use a name such as"),
    ],
)
def test_bad_preferences_are_refused_with_the_reason(admin, db, tenant, field, value, message):
    response = admin.post("/admin/preferences/", data={**GOOD_PREFS, field: value})
    assert response.status_code == 200
    assert message in body(response)
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).sync_mode == "manual"


def test_the_tenant_chooses_on_the_preferences_page_to_change_names_quickbooks_cannot_store(admin, client, db, tenant):
    page = body(client.get("/admin/preferences/"))
    assert "Change names QuickBooks cannot store" in page and 'name="transliterate_names"' in page
    assert db.session.get(Tenant, tenant.id).transliterate_names is False  # off unless chosen

    assert admin.post("/admin/preferences/", data={**GOOD_PREFS, "transliterate_names": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).transliterate_names is True
    assert '<input checked class="form-check-input" id="transliterate_names"' in body(client.get("/admin/preferences/"))


def test_saving_preferences_sets_the_tenant_and_its_next_run(admin, db, tenant):
    response = admin.post("/admin/preferences/", data=GOOD_PREFS)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Tenant, tenant.id)
    assert (saved.sync_mode, saved.daily_time, saved.po_target, saved.shipment_target) == (
        "scheduled",
        "02:30",
        "Bill",
        "SalesReceipt",
    )
    assert saved.product_link_mode == "manual"
    assert (saved.sync_purchase_orders, saved.sync_products, saved.sync_suppliers) == (True, True, False)
    local = saved.next_run_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) in ((2, 30), (3, 30))  # 03:30 only on the spring-forward day
    assert {"sync.mode_changed", "preferences.saved"} <= set(audit_actions(db, tenant.id))

    admin.post("/admin/preferences/", data={**GOOD_PREFS, "sync_mode": "manual"})
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).next_run_at is None


def test_sync_now_shows_the_runs_live_progress(admin, client, db, tenant, ob, redis):
    supplier = ob.supplier("Medline")
    gauze = ob.product("Gauze pads", "GZ-1")
    ob.approve(ob.purchase_order(supplier["id"], [(gauze["id"], 3, "4.00")])["id"])
    response = admin.post("/admin/preferences/sync-now/")
    assert response.status_code == 302
    progress_url = response.headers["Location"]
    page = body(client.get(progress_url))
    assert "Waiting for a worker" in page and "js/sync_progress.js" in page and "<script>" not in page
    json_url = re.search(r'data-url="([^"]+)"', page).group(1)
    assert client.get(json_url).get_json()["state"] == "waiting"

    work(redis)
    progress = client.get(json_url).get_json()
    assert progress["done"] is True and progress["state"] == "done"
    assert progress["fetched"] == 3 and progress["pushed"] == 3 and progress["failed"] == 0
    assert "sync.requested" in audit_actions(db, tenant.id)
    script = client.get("/static/js/sync_progress.js")
    script.close()
    assert script.status_code == 200


def test_sync_now_progress_names_the_failed_records_and_waits_plainly_for_a_reconnect(
    admin, client, db, tenant, ob, qb, redis
):
    supplier = ob.supplier("Medline")
    gauze, tape = ob.product("Gauze pads", "GZ-1"), ob.product("Tape", "TP-1")
    ob.approve(ob.purchase_order(supplier["id"], [(gauze["id"], 3, "4.00")])["id"])
    qb.control("POST", f"/companies/{PLUS_REALM}/account/5/inactivate")  # the purchase order's A/P: it fails
    progress_url = admin.post("/admin/preferences/sync-now/").headers["Location"]
    json_url = re.search(r'data-url="([^"]+)"', body(client.get(progress_url))).group(1)
    work(redis)
    progress = client.get(json_url).get_json()
    assert progress["state"] == "done" and progress["failed"] == 1
    [failure] = progress["failures"]
    row = db.session.scalar(db.select(SyncActivity).filter_by(status="sync_failed"))
    assert failure == {
        "id": row.id,
        "record": row.openboxes_number,
        "reason": row.message,
        "url": f"/admin/activity/details/?id={row.id}",
    }
    page = body(client.get(progress_url))
    assert f'<a href="/admin/activity/details/?id={row.id}">{row.openboxes_number}</a>: ' in page

    db.session.scalar(db.select(QuickBooksConnection).filter_by(tenant_id=tenant.id)).status = "needs_reconnect"
    db.session.commit()
    ob.approve(ob.purchase_order(supplier["id"], [(tape["id"], 1, "2.00")])["id"])
    time.sleep(1.01 - time.time() % 1)  # "since" has whole seconds: the first run must start before it
    since = int(time.time())
    admin.post("/admin/preferences/sync-now/")
    work(redis)
    waiting = client.get(f"/admin/preferences/progress.json?since={since}").get_json()
    assert waiting["state"] == "needs_reconnect" and waiting["pending"] >= 1 and not waiting["done"]
    assert "QuickBooks needs reconnecting" in body(client.get(f"/admin/preferences/progress/?since={since}"))


def test_sync_now_refuses_a_tenant_that_has_not_turned_syncing_on(admin, client, db, tenant, redis):
    db.session.get(Tenant, tenant.id).sync_enabled_at = None
    db.session.commit()
    admin.post("/admin/preferences/sync-now/")
    assert "Syncing is not turned on for Acme Medical" in body(client.get("/admin/preferences/"))
    assert redis.llen("rq:queue:high") == 0


# --- isolation -------------------------------------------------------------------------------------


def test_tenant_admin_cannot_read_another_tenants_pages(bolt, tenant, auth, client, ob):
    ob.product("Gauze pads", "GZ-1")
    auth.login("admin@bolt.test")
    for url in ("/admin/mappings/", "/admin/product_links/", "/admin/preferences/"):
        page = body(client.get(f"{url}?tenant={tenant.id}"))
        assert "Bolt Clinics" in page and "Acme Medical" not in page, url
    mappings = body(client.get(f"/admin/mappings/?tenant={tenant.id}"))
    assert mappings.count("not mapped</span>") == 6  # Bolt maps one role of seven; Acme maps all
    products = body(client.get(f"/admin/product_links/?tenant={tenant.id}"))
    assert "BOLT-1" in products and "GZ-1" not in products


def test_tenant_admin_cannot_change_another_tenants_settings(bolt, tenant, auth, client, db, ob, redis):
    gauze = ob.product("Gauze pads", "GZ-1")
    auth.login("help@bridge.test")
    load_products(auth, tenant.id)
    auth.logout()
    auth.login("admin@bolt.test")
    auth.post("/admin/mappings/save/", data={"tenant": tenant.id, "account_inventory_asset": "4"})
    auth.post("/admin/preferences/", data={**GOOD_PREFS, "tenant": tenant.id})
    auth.post("/admin/product_links/mode/", data={"tenant": tenant.id, "mode": "manual"})
    auth.post("/admin/product_links/bulk/", data={"tenant": tenant.id, "action": "create", "product_id": [gauze["id"]]})
    auth.post("/admin/product_links/link/", data={"tenant": tenant.id, "product_id": gauze["id"], "item_id": "1"})
    assert client.get(f"/admin/product_links/link/?tenant={tenant.id}&product_id={gauze['id']}").status_code == 404
    auth.post("/admin/product_links/load/", data={"tenant": tenant.id})
    auth.post("/admin/product_links/refresh/", data={"tenant": tenant.id})
    auth.post("/admin/mappings/refresh/", data={"tenant": tenant.id})
    auth.post("/admin/preferences/sync-now/", data={"tenant": tenant.id})
    db.session.expire_all()
    acme = db.session.get(Tenant, tenant.id)
    assert (acme.sync_mode, acme.product_link_mode) == ("manual", "auto_create")
    assert links(db, tenant.id) == {} and ledger(db, tenant.id) == {}
    assert not {"mapping.saved", "sync.requested", "product.link_mode"} & set(audit_actions(db, tenant.id))
    assert redis.llen("rq:queue:high") == 0  # no poll of Acme (Bolt has no OpenBoxes to poll)
    assert db.session.scalar(db.select(OpenBoxesProduct.id).filter_by(tenant_id=bolt.id)) is None


def test_bulk_product_actions_drop_foreign_ids(bolt, admin, db, tenant, ob, qbo):
    gauze = ob.product("Gauze pads", "GZ-1")
    qbo_item(qbo, "Gauze pads", "GZ-1")
    load_products(admin)
    admin.post("/admin/product_links/bulk/", data={"action": "unlink", "product_id": ["bolt-p1"]})
    admin.post("/admin/product_links/bulk/", data={"action": "match", "product_id": ["bolt-p1", gauze["id"]]})
    assert set(links(db, bolt.id)) == {"bolt-p1"} and ledger(db, bolt.id) == {"bolt-p1": "1"}
    assert set(links(db, tenant.id)) == {gauze["id"]}


def test_progress_endpoint_is_tenant_scoped(bolt, admin, client, tenant, ob, redis, auth):
    response = admin.post("/admin/preferences/sync-now/")
    since = re.search(r"since=(\d+)", response.headers["Location"]).group(1)
    work(redis)
    own = client.get(f"/admin/preferences/progress.json?since={since}").get_json()
    assert own["run_id"] is not None
    auth.logout()
    auth.login("admin@bolt.test")
    foreign = client.get(f"/admin/preferences/progress.json?tenant={tenant.id}&since={since}").get_json()
    assert foreign["run_id"] is None  # Bolt's own (empty) progress, never Acme's run
    auth.logout()
    auth.login("help@bridge.test")
    support = client.get(f"/admin/preferences/progress.json?tenant={tenant.id}&since={since}").get_json()
    assert support["run_id"] == own["run_id"]


def test_support_picks_a_tenant_and_can_change_its_settings(bolt, tenant, auth, client, db, ob, qbo):
    gauze = ob.product("Gauze pads", "GZ-1")
    auth.login("help@bridge.test")
    overview = body(client.get("/admin/mappings/"))
    assert "Bolt asset" in overview and "Inventory Asset" in overview  # every tenant's rows
    assert '<select id="tenant-chooser"' in overview
    assert "Choose the tenant" in body(client.get("/admin/preferences/"))
    assert "1300 - Inventory Asset" in body(client.get(f"/admin/mappings/?tenant={tenant.id}"))
    auth.post("/admin/mappings/save/", data={"tenant": tenant.id, "account_inventory_purchases": "11"})
    auth.post("/admin/preferences/", data={**GOOD_PREFS, "tenant": tenant.id})
    load_products(auth, tenant.id)
    auth.post("/admin/product_links/bulk/", data={"tenant": tenant.id, "action": "create", "product_id": [gauze["id"]]})
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).sync_mode == "scheduled"
    assert _mapping_account(db, tenant, "inventory_purchases") == "11"
    assert set(links(db, tenant.id)) == {gauze["id"]}
    assert "GZ-1" in body(client.get(f"/admin/product_links/?tenant={tenant.id}"))
    assert db.session.scalar(db.select(QuickBooksConnection.realm_id).filter_by(tenant_id=bolt.id)) == ADVANCED_REALM


def _mapping_account(db, tenant, role) -> str:
    return db.session.scalar(db.select(AccountMapping.qbo_account_id).filter_by(tenant_id=tenant.id, role=role))


# --- next_run_at (pure) ----------------------------------------------------------------------------


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "mode, now, settings, expected",
    [
        ("manual", "2026-03-08T12:00:00", {}, None),
        ("realtime", "2026-03-08T12:00:42", {"interval_minutes": 1}, "2026-03-08T12:01:00"),
        ("realtime", "2026-03-08T06:58:10", {"interval_minutes": 5}, "2026-03-08T07:03:00"),
        # An ordinary winter day in New York (UTC-5): later today, or tomorrow once the time has passed.
        ("scheduled", "2026-01-15T05:00:00", {"daily_time": "02:00"}, "2026-01-15T07:00:00"),
        ("scheduled", "2026-01-15T07:00:00", {"daily_time": "02:00"}, "2026-01-16T07:00:00"),
        # Spring forward, 2026-03-08: 02:00–02:59 does not exist; 02:30 runs at 03:30 EDT (07:30 UTC).
        ("scheduled", "2026-03-08T05:00:00", {"daily_time": "02:30"}, "2026-03-08T07:30:00"),
        ("scheduled", "2026-03-08T05:00:00", {"daily_time": "01:30"}, "2026-03-08T06:30:00"),
        ("scheduled", "2026-03-08T05:00:00", {"daily_time": "03:30"}, "2026-03-08T07:30:00"),
        ("scheduled", "2026-03-08T08:00:00", {"daily_time": "02:30"}, "2026-03-09T06:30:00"),
        # Fall back, 2026-11-01: 01:30 happens twice; it runs once, at the first (EDT, 05:30 UTC).
        ("scheduled", "2026-11-01T04:00:00", {"daily_time": "01:30"}, "2026-11-01T05:30:00"),
        ("scheduled", "2026-11-01T05:30:00", {"daily_time": "01:30"}, "2026-11-02T06:30:00"),
        ("scheduled", "2026-11-01T04:00:00", {"daily_time": "02:00"}, "2026-11-01T07:00:00"),
        ("scheduled", "2026-10-31T23:00:00", {"daily_time": "23:59"}, "2026-11-01T03:59:00"),
        # Other zones: Tokyo has no DST; UTC itself.
        ("scheduled", "2026-03-08T12:00:00", {"daily_time": "09:00", "timezone": "Asia/Tokyo"}, "2026-03-09T00:00:00"),
        ("scheduled", "2026-03-08T12:00:00", {"daily_time": "12:00", "timezone": "UTC"}, "2026-03-09T12:00:00"),
    ],
)
def test_next_run_at(mode, now, settings, expected):
    settings = {"timezone": "America/New_York", **settings}
    assert next_run_at(mode, _utc(now), **settings) == (expected and _utc(expected))


@pytest.mark.parametrize(
    "settings",
    [
        {"mode": "realtime", "interval_minutes": 0},
        {"mode": "realtime", "interval_minutes": 6},
        {"mode": "scheduled", "daily_time": "24:00"},
        {"mode": "scheduled", "daily_time": "7:5"},
        {"mode": "scheduled", "timezone": "Mars/Olympus"},
        {"mode": "scheduled", "timezone": "../etc/passwd"},
        {"mode": "hourly"},
    ],
)
def test_next_run_at_refuses_bad_settings(settings):
    mode = settings.pop("mode")
    with pytest.raises(ValueError):
        next_run_at(mode, _utc("2026-03-08T12:00:00"), **settings)


# --- sync history from a date ---


def test_history_preview_asks_first_then_confirming_shows_the_import_progress_bar(admin, client, db, tenant, redis):
    day = (tenant.sync_enabled_at - timedelta(days=30)).date()
    preview = admin.post("/admin/preferences/history/", data={"day": day.isoformat()})
    page = body(preview)
    assert preview.status_code == 200 and f"Sync Acme Medical from {day}?" in page
    assert "Send 0 approved purchase orders." in page and "Use at least 0 QuickBooks requests" in page
    db.session.refresh(tenant)
    assert tenant.sync_enabled_at.date() > day  # the preview changes nothing

    confirmed = admin.post("/admin/preferences/history/", data={"day": day.isoformat(), "confirmed": "yes"})
    assert confirmed.status_code == 302
    page = body(client.get(confirmed.headers["Location"]))
    assert f"Importing history from {day}" in page and '<progress id="import-bar"' in page
    db.session.refresh(tenant)
    assert tenant.sync_enabled_at.astimezone(ZoneInfo("America/New_York")).date() == day


@pytest.mark.parametrize(
    ("day", "said"),
    [("2999-01-01", "is in the future: choose today or a day before it"), ("", "Choose the date to sync from")],
)
def test_history_from_a_future_or_missing_day_is_refused(admin, client, day, said):
    page = body(admin.post("/admin/preferences/history/", data={"day": day}, follow_redirects=True))
    assert said in page


def test_history_is_refused_until_the_setup_is_complete(admin, client, db, tenant):
    db.session.execute(db.delete(AccountMapping).filter_by(tenant_id=tenant.id, role="accounts_payable"))
    db.session.commit()
    page = body(admin.post("/admin/preferences/history/", data={"day": "2026-01-05"}))
    assert "cannot sync from 2026-01-05" in page and "Map the accounts for Accounts payable" in page


def test_item_search_answers_the_matching_items_of_the_cache_names_starting_with_it_first(admin, client, qbo):
    for n in range(3):
        qbo_item(qbo, f"Bandage {n}", f"BD-{n}")
    qbo_item(qbo, "Elastic wrap", "BANDAGE-EW")  # matches by SKU only: after the names that start with it
    qbo_item(qbo, "Gauze", None)
    answer = client.get("/admin/product_links/items/?query=band").get_json()
    assert [label for _, label in answer["items"]] == [
        "Bandage 0 (SKU BD-0)", "Bandage 1 (SKU BD-1)", "Bandage 2 (SKU BD-2)", "Elastic wrap (SKU BANDAGE-EW)"
    ]  # fmt: skip
    assert answer["total"] == 4


def test_item_search_shows_at_most_twenty_and_counts_them_all():
    items = [{"id": str(n), "name": f"Item {n:03}", "sku": None, "active": n != 5} for n in range(300)]
    shown, total = search_items(items, "item")
    assert total == 299 and len(shown) == 20 and shown[5]["name"] == "Item 006"  # inactive items never offered


def test_link_page_without_script_narrows_the_list_by_its_search(admin, client, tenant, ob, qbo):
    gauze = ob.product("Gauze pads", "GZ-1")
    qbo_item(qbo, "Item one", None)
    qbo_item(qbo, "Dressings", "DR-9")
    load_products(admin)
    narrowed = body(client.get(f"/admin/product_links/link/?product_id={gauze['id']}&q=dress"))
    assert list(options(narrowed, "item_id").values()) == ["Dressings (SKU DR-9)"]
    assert "1 matching item(s)." in narrowed
