"""A tenant admin never sees or changes another tenant's rows; support staff see every tenant."""

import pytest

from portal.models import AccountMapping, SyncActivity, Tenant, User
from tests.factories import seed_tenant_rows

LIST_VIEWS = ["activity", "runs", "mappings", "product_links", "audit", "tenants", "users"]
# The Ledger menu: support staff's alone; a tenant admin is refused every path of it.
SUPPORT_VIEWS = ["entity_links", "watermarks"]
# The OpenBoxes and QuickBooks settings pages have their own isolation tests (tests/console/test_connections.py).
EDITABLE_VIEWS = ["mappings", "product_links", "users", "tenants"]
EXPORTABLE_VIEWS = ["activity", "runs", "mappings", "product_links", "audit"]


@pytest.fixture
def world(two_tenants, db):
    acme_rows = seed_tenant_rows(two_tenants["acme"], "acmemark")
    bolt_rows = seed_tenant_rows(two_tenants["bolt"], "boltmark")
    db.session.commit()
    bolt_rows["tenants"] = two_tenants["bolt"]
    bolt_rows["users"] = two_tenants["users"]["bolt"]
    acme_rows["tenants"] = two_tenants["acme"]
    acme_rows["users"] = two_tenants["users"]["acme"]
    return {"acme": acme_rows, "bolt": bolt_rows}


@pytest.fixture
def acme_admin(world, auth):
    auth.login("admin@acme.test")
    return auth


def _text(response):
    return response.get_data(as_text=True)


def _assert_no_bolt(response):
    body = _text(response)
    assert "boltmark" not in body
    assert "Bolt Clinics" not in body
    assert "admin@bolt.test" not in body


@pytest.mark.parametrize("view", LIST_VIEWS)
def test_list_shows_only_own_tenant(acme_admin, client, view):
    response = client.get(f"/admin/{view}/")
    assert response.status_code == 200
    _assert_no_bolt(response)


@pytest.mark.parametrize("view", LIST_VIEWS)
def test_list_count_ignores_other_tenants(acme_admin, client, view):
    body = _text(client.get(f"/admin/{view}/"))
    assert "<td" in body
    assert body.count('name="rowid"') in (0, 1)


@pytest.mark.parametrize("view", LIST_VIEWS)
def test_detail_of_foreign_row_is_refused(acme_admin, client, world, view):
    response = client.get(f"/admin/{view}/details/?id={world['bolt'][view].id}")
    assert response.status_code == 302
    _assert_no_bolt(client.get(response.headers["Location"]))


@pytest.mark.parametrize("view", LIST_VIEWS)
def test_detail_of_own_row_is_shown(acme_admin, client, world, view):
    response = client.get(f"/admin/{view}/details/?id={world['acme'][view].id}")
    assert response.status_code == 200


@pytest.mark.parametrize("view", EDITABLE_VIEWS)
def test_edit_form_of_foreign_row_is_refused(acme_admin, client, world, view):
    response = client.get(f"/admin/{view}/edit/?id={world['bolt'][view].id}")
    assert response.status_code == 302
    assert "boltmark" not in _text(client.get(response.headers["Location"]))


def test_edit_post_on_foreign_row_changes_nothing(acme_admin, client, world, db):
    target = world["bolt"]["mappings"]
    data = {"role": "inventory_asset", "qbo_account_id": "99", "account_name": "hijacked"}
    acme_admin.post(f"/admin/mappings/edit/?id={target.id}", data=data)
    db.session.expire_all()
    assert db.session.get(AccountMapping, target.id).account_name == "boltmark asset"


@pytest.mark.parametrize("view", ["mappings", "product_links", "users"])
def test_delete_of_foreign_row_is_refused(acme_admin, world, db, view):
    target = world["bolt"][view]
    acme_admin.post(f"/admin/{view}/delete/", data={"id": target.id})
    db.session.expire_all()
    assert db.session.get(type(target), target.id) is not None


def test_tenant_admin_cannot_delete_tenants(acme_admin, world, db):
    response = acme_admin.post("/admin/tenants/delete/", data={"id": world["acme"]["tenants"].id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(world["acme"]["tenants"]), world["acme"]["tenants"].id) is not None


@pytest.mark.parametrize("view", EXPORTABLE_VIEWS)
def test_export_contains_only_own_tenant(acme_admin, client, view):
    response = client.get(f"/admin/{view}/export/csv/")
    assert response.status_code == 200
    assert "text/csv" in response.headers["Content-Type"]
    _assert_no_bolt(response)


def test_relation_select_offers_only_own_tenant(acme_admin, client):
    body = _text(client.get("/admin/mappings/new/"))
    assert "Acme Medical" in body
    assert "Bolt Clinics" not in body


def test_relation_select_rejects_a_posted_foreign_tenant(acme_admin, world, db):
    bolt = world["bolt"]["tenants"]
    data = {"tenant": bolt.id, "role": "accounts_payable", "qbo_account_id": "33", "account_name": "AP x"}
    acme_admin.post("/admin/mappings/new/", data=data)
    rows = db.session.scalars(db.select(AccountMapping).filter_by(role="accounts_payable")).all()
    assert all(row.tenant_id != bolt.id for row in rows)


def test_ajax_relation_lookup_hides_other_tenants(acme_admin, client):
    bolt = client.get("/admin/users/ajax/lookup/?name=tenant&query=Bolt")
    acme = client.get("/admin/users/ajax/lookup/?name=tenant&query=Acme")
    assert bolt.status_code == 200
    assert bolt.get_json() == []
    assert [name for _, name in acme.get_json()] == ["Acme Medical"]


def test_bulk_action_drops_foreign_ids(acme_admin, world, db):
    ours, theirs = world["acme"]["activity"], world["bolt"]["activity"]
    acme_admin.post("/admin/activity/action/", data={"action": "ignore", "rowid": [ours.id, theirs.id]})
    db.session.expire_all()
    assert db.session.get(SyncActivity, ours.id).status == "skipped"
    assert db.session.get(SyncActivity, theirs.id).status == "sync_failed"


def test_bulk_delete_drops_foreign_ids(acme_admin, world, db):
    theirs = world["bolt"]["mappings"]
    acme_admin.post("/admin/mappings/action/", data={"action": "delete", "rowid": [theirs.id]})
    db.session.expire_all()
    assert db.session.get(AccountMapping, theirs.id) is not None


def test_tenant_admin_cannot_create_a_support_user(acme_admin, world, db):
    data = {"email": "sneaky@acme.test", "role": "support", "active": "y", "new_password": "0123456789ab"}
    acme_admin.post("/admin/users/new/", data=data)
    user = db.session.scalar(db.select(User).filter_by(email="sneaky@acme.test"))
    assert user.role == "tenant_admin"
    assert user.tenant_id == world["acme"]["tenants"].id


def test_tenant_admin_cannot_send_the_worker_ping(acme_admin):
    assert acme_admin.post("/admin/ping").status_code == 403


@pytest.mark.parametrize("path", ["/", "/details/?id={id}", "/export/csv/"])
@pytest.mark.parametrize("view", SUPPORT_VIEWS)
def test_tenant_admin_is_refused_the_ledger(acme_admin, client, world, view, path):
    response = client.get(f"/admin/{view}" + path.format(id=world["acme"][view].id))
    assert response.status_code == 403
    assert "acmemark" not in _text(response)


def test_tenant_admin_menu_has_no_ledger(acme_admin, client):
    body = _text(client.get("/admin/"))
    assert "Audit log" in body
    assert "Ledger" not in body and "Entity links" not in body and "Watermarks" not in body


def test_support_menu_has_the_ledger(world, auth, client):
    auth.login("help@bridge.test")
    body = _text(client.get("/admin/"))
    assert "Ledger" in body and "Entity links" in body and "Watermarks" in body


@pytest.mark.parametrize("view", LIST_VIEWS + SUPPORT_VIEWS)
def test_support_sees_every_tenant(world, auth, client, view):
    auth.login("help@bridge.test")
    body = _text(client.get(f"/admin/{view}/"))
    if view not in ("runs", "audit", "users", "tenants"):
        assert "acmemark" in body
        assert "boltmark" in body
    assert "Acme Medical" in body
    assert "Bolt Clinics" in body


def test_support_can_open_any_tenants_row(world, auth, client):
    auth.login("help@bridge.test")
    assert client.get(f"/admin/mappings/edit/?id={world['bolt']['mappings'].id}").status_code == 200


def test_tenant_filter_offers_only_own_tenant_and_filters(acme_admin, client, world):
    body = _text(client.get("/admin/activity/"))
    assert "Acme Medical" in body
    assert "Bolt Clinics" not in body
    flt = client.get(f"/admin/activity/?flt0_tenant_equals={world['bolt']['tenants'].id}")
    assert flt.status_code == 200
    _assert_no_bolt(flt)


def test_support_filters_by_tenant(world, auth, client):
    auth.login("help@bridge.test")
    response = client.get(f"/admin/activity/?flt0_tenant_equals={world['bolt']['tenants'].id}")
    text = _text(response)
    assert "boltmark" in text
    assert "acmemark" not in text


def _tenant_form(tenant, **changes) -> dict:
    data = {
        "name": tenant.name, "slug": tenant.slug, "timezone": tenant.timezone, "sync_mode": tenant.sync_mode,
        "realtime_interval_minutes": tenant.realtime_interval_minutes, "daily_time": tenant.daily_time,
        "po_target": tenant.po_target, "shipment_target": tenant.shipment_target,
        "product_link_mode": tenant.product_link_mode,
    }  # fmt: skip
    return {**data, **changes}


def test_tenant_form_does_not_reach_the_digest_settings(acme_admin, client, world, db):
    acme = world["acme"]["tenants"]
    form = client.get(f"/admin/tenants/edit/?id={acme.id}").get_data(as_text=True)
    assert 'name="name"' in form and "digest" not in form
    sneaky = {"digest_webhook_url": "http://169.254.169.254/latest/meta-data/", "last_digest_failures": "999"}
    response = acme_admin.post(f"/admin/tenants/edit/?id={acme.id}", data=_tenant_form(acme, **sneaky))
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Tenant, acme.id)
    assert (stored.digest_webhook_url, stored.last_digest_failures) == (None, 0)


def test_tenant_form_refuses_an_unknown_time_zone(acme_admin, world, db):
    acme = world["acme"]["tenants"]
    before = acme.timezone
    page = acme_admin.post(f"/admin/tenants/edit/?id={acme.id}", data=_tenant_form(acme, timezone="America"))
    assert "is not a time zone we know" in page.get_data(as_text=True).replace("&#39;", "'")
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).timezone == before


def _dated_today(db, world):
    from portal.models.base import utcnow

    for side in ("acme", "bolt"):
        world[side]["activity"].snapshot = {"approved_at": utcnow().isoformat()}
    db.session.commit()


@pytest.mark.parametrize("path", ["/admin/reconciliation/", "/admin/reconciliation/csv/"])
def test_reconciliation_shows_only_own_tenant_whatever_tenant_is_asked(acme_admin, client, world, db, path):
    _dated_today(db, world)
    response = client.get(f"{path}?period=month&tenant={world['bolt']['tenants'].id}")
    assert response.status_code == 200
    assert "acmemark-PO-1" in _text(response)  # its own failed row explains a difference
    _assert_no_bolt(response)


def test_support_picks_the_tenant_of_the_reconciliation(world, auth, client, db):
    _dated_today(db, world)
    auth.login("help@bridge.test")
    body = _text(client.get(f"/admin/reconciliation/?period=month&tenant={world['bolt']['tenants'].id}"))
    assert "boltmark-PO-1" in body and "acmemark-PO-1" not in body


def test_preview_of_a_foreign_row_is_refused(acme_admin, client, world):
    assert client.get(f"/admin/activity/preview/?id={world['bolt']['activity'].id}").status_code == 404


def test_history_dry_run_works_on_own_tenant_whatever_tenant_is_posted(acme_admin, client, world):
    """The dry run of "sync from DATE" reads the signed-in admin's tenant, never the one in the form."""
    bolt = world["bolt"]["tenants"].id
    response = acme_admin.post("/admin/preferences/history/dry-run/", data={"day": "2026-01-05", "tenant": bolt})
    body = _text(response)
    assert response.status_code == 200 and "Acme Medical cannot sync from 2026-01-05" in body
    assert "Bolt" not in body
    _assert_no_bolt(response)
