"""A tenant admin can never change a user's role or tenant (their own included); support can, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, User
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user


@pytest.fixture
def team(two_tenants, db):
    """Acme has two admins; Bolt one; plus one support user."""
    make_user("second@acme.test", "tenant_admin", two_tenants["acme"], TEST_PASSWORD)
    db.session.commit()
    return two_tenants


def _stored(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _ids(team, db) -> dict:
    return {
        "own": _stored(db, "admin@acme.test").id,
        "colleague": _stored(db, "second@acme.test").id,
        "bolt": team["bolt"].id,
    }


# What a hostile tenant admin posts on top of a normal edit: every way to name a role or a tenant.
EDIT_ATTACKS = {
    "role support, tenant omitted": {"role": "support"},
    "role support, tenant empty": {"role": "support", "tenant": ""},
    "role support and other tenant": {"role": "support", "tenant": "{bolt}"},
    "other tenant only": {"tenant": "{bolt}"},
    "hidden column names": {"tenant_id": "{bolt}", "role": "support", "is_support": "y"},
    "unknown role": {"role": "owner"},
}


def _fill(data: dict, ids: dict) -> dict:
    return {key: value.format(**ids) for key, value in data.items()}


@pytest.mark.parametrize("target", ["own", "colleague"])
@pytest.mark.parametrize("attack", list(EDIT_ATTACKS), ids=list(EDIT_ATTACKS))
def test_tenant_admin_cannot_change_a_role_or_tenant_by_editing(team, db, accounts_signin, target, attack):
    ids = _ids(team, db)
    email = "admin@acme.test" if target == "own" else "second@acme.test"
    admin = accounts_signin("admin@acme.test")
    data = {"email": email, "active": "y", **_fill(EDIT_ATTACKS[attack], ids)}
    admin.post(f"/admin/users/edit/?id={ids[target]}", data=data)
    user = _stored(db, email)
    assert (user.role, user.tenant_id) == ("tenant_admin", team["acme"].id)
    # The attacker's own standing is unchanged too: still not support, still Acme's.
    me = _stored(db, "admin@acme.test")
    assert (me.role, me.tenant_id) == ("tenant_admin", team["acme"].id)
    assert "help@bridge.test" not in admin.client.get("/admin/users/").get_data(as_text=True)


CREATE_ATTACKS = {
    "role support": {"role": "support"},
    "role support and other tenant": {"role": "support", "tenant": "{bolt}"},
    "other tenant": {"role": "tenant_admin", "tenant": "{bolt}"},
    "hidden tenant id": {"tenant_id": "{bolt}"},
}


@pytest.mark.parametrize("attack", list(CREATE_ATTACKS), ids=list(CREATE_ATTACKS))
def test_tenant_admin_creates_only_tenant_admins_of_their_tenant(team, db, accounts_signin, attack):
    ids = _ids(team, db)
    admin = accounts_signin("admin@acme.test")
    # What the form as shown would post (the base form had a role select), with the attack on top.
    data = {"email": "new@acme.test", "role": "tenant_admin", "active": "y", "new_password": "0123456789ab"}
    admin.post("/admin/users/new/", data={**data, **_fill(CREATE_ATTACKS[attack], ids)})
    created = _stored(db, "new@acme.test")
    assert created is not None
    assert (created.role, created.tenant_id) == ("tenant_admin", team["acme"].id)


@pytest.mark.parametrize("form_page", ["new/", "edit/?id={own}", "edit/?id={colleague}"])
def test_tenant_admin_forms_have_no_role_or_tenant_field(team, db, accounts_signin, form_page):
    ids = _ids(team, db)
    admin = accounts_signin("admin@acme.test")
    url = f"/admin/users/{form_page.format(**ids)}"
    body = admin.client.get(url).get_data(as_text=True)
    assert 'name="email"' in body
    assert 'name="role"' not in body
    assert 'name="tenant"' not in body
    if "edit" in form_page:  # the form as shown saves, and is no role change
        email = "admin@acme.test" if "own" in form_page else "second@acme.test"
        assert admin.post(url, data={"email": email, "active": "y"}).status_code == 302
        assert _role_events(db) == []


def test_self_promotion_does_not_open_support_pages(team, db, accounts_signin):
    ids = _ids(team, db)
    admin = accounts_signin("admin@acme.test")
    promote = {"email": "admin@acme.test", "role": "support", "active": "y"}
    admin.post(f"/admin/users/edit/?id={ids['own']}", data=promote)
    assert admin.client.get("/admin/tenants/new/").status_code != 200
    body = admin.client.get("/admin/users/").get_data(as_text=True)
    assert "admin@bolt.test" not in body


def _role_events(db) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.role_changed")).all()


def test_support_moving_a_user_is_audited_under_both_tenants(team, db, accounts_signin):
    ids = _ids(team, db)
    support = accounts_signin("help@bridge.test")
    data = {"email": "second@acme.test", "role": "tenant_admin", "tenant": str(ids["bolt"]), "active": "y"}
    assert support.post(f"/admin/users/edit/?id={ids['colleague']}", data=data).status_code == 302
    assert _stored(db, "second@acme.test").tenant_id == ids["bolt"]
    events = _role_events(db)
    assert sorted(event.tenant_id for event in events) == sorted([team["acme"].id, ids["bolt"]])
    for event in events:
        assert event.details["email"] == "second@acme.test"
        assert (event.details["old_tenant"], event.details["new_tenant"]) == ("Acme Medical", "Bolt Clinics")
        assert event.user_id == _stored(db, "help@bridge.test").id


def test_support_promoting_a_tenant_admin_is_audited_with_old_and_new_role(team, db, accounts_signin):
    ids = _ids(team, db)
    support = accounts_signin("help@bridge.test")
    data = {"email": "second@acme.test", "role": "support", "tenant": str(team["acme"].id), "active": "y"}
    support.post(f"/admin/users/edit/?id={ids['colleague']}", data=data)
    promoted = _stored(db, "second@acme.test")
    assert (promoted.role, promoted.tenant_id) == ("support", None)
    events = _role_events(db)
    assert sorted(events, key=lambda e: e.tenant_id is None)[0].tenant_id == team["acme"].id
    assert {event.tenant_id for event in events} == {team["acme"].id, None}  # the old tenant's log, and support's
    assert {(e.details["old_role"], e.details["new_role"]) for e in events} == {("tenant_admin", "support")}


def test_support_must_pick_a_tenant_for_a_tenant_admin(team, db, accounts_signin):
    support = accounts_signin("help@bridge.test")
    data = {"email": "fresh@acme.test", "role": "tenant_admin", "active": "y", "new_password": "0123456789ab"}
    page = support.post("/admin/users/new/", data=data, follow_redirects=True)
    assert "A tenant admin belongs to a tenant: pick one." in page.get_data(as_text=True)
    assert _stored(db, "fresh@acme.test") is None
