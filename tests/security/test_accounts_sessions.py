"""A session ends for good: a cookie copied earlier stops working after logout, a password change,
a role or tenant change, and deactivation."""

from __future__ import annotations

from tests.conftest import TEST_PASSWORD


def _copy_session(source, accounts_browser):
    """Another browser holding a copy of ``source``'s session cookie (a stolen or leaked cookie)."""
    thief = accounts_browser()
    cookie = source.client.get_cookie("session")
    thief.client.set_cookie("session", cookie.value)
    return thief


def _signed_in(browser) -> bool:
    return browser.client.get("/admin/users/").status_code == 200


def test_logout_ends_a_copied_session(two_tenants, accounts_signin, accounts_browser):
    victim = accounts_signin("admin@acme.test")
    thief = _copy_session(victim, accounts_browser)
    assert _signed_in(thief)
    victim.logout()
    assert not _signed_in(thief)
    assert thief.client.get("/admin/users/").headers["Location"].startswith("/auth/login")


def test_logout_ends_the_users_sessions_in_other_browsers(two_tenants, accounts_signin):
    laptop, phone = accounts_signin("admin@acme.test"), accounts_signin("admin@acme.test")
    laptop.logout()
    assert not _signed_in(phone)
    assert _signed_in(accounts_signin("admin@acme.test"))  # signing in again works


def test_own_password_change_ends_other_sessions_but_keeps_this_one(two_tenants, accounts_signin, accounts_browser):
    me = two_tenants["users"]["acme"]
    victim = accounts_signin("admin@acme.test")
    thief = _copy_session(victim, accounts_browser)
    data = {"email": "admin@acme.test", "active": "y", "new_password": "a brand new password"}
    assert victim.post(f"/admin/users/edit/?id={me.id}", data=data).status_code == 302
    assert not _signed_in(thief)
    assert _signed_in(victim)


def test_password_set_by_someone_else_ends_the_users_sessions(two_tenants, accounts_signin):
    target = two_tenants["users"]["bolt"]
    session = accounts_signin("admin@bolt.test")
    support = accounts_signin("help@bridge.test")
    data = {"email": "admin@bolt.test", "role": "tenant_admin", "tenant": str(two_tenants["bolt"].id), "active": "y"}
    assert (
        support.post(
            f"/admin/users/edit/?id={target.id}", data={**data, "new_password": "reset by support"}
        ).status_code
        == 302
    )
    assert not _signed_in(session)


def test_role_or_tenant_change_ends_the_users_sessions(two_tenants, accounts_signin):
    target = two_tenants["users"]["acme"]
    session = accounts_signin("admin@acme.test")
    support = accounts_signin("help@bridge.test")
    data = {"email": "admin@acme.test", "role": "tenant_admin", "tenant": str(two_tenants["acme"].id), "active": "y"}
    assert support.post(f"/admin/users/edit/?id={target.id}", data=data).status_code == 302
    assert _signed_in(session)  # saved without a change of access: nothing to end
    moved = {**data, "tenant": str(two_tenants["bolt"].id)}
    assert support.post(f"/admin/users/edit/?id={target.id}", data=moved).status_code == 302
    assert not _signed_in(session)


def test_deactivation_ends_sessions_even_after_reactivation(two_tenants, db, accounts_signin):
    from tests.factories import make_user

    colleague = make_user("second@acme.test", "tenant_admin", two_tenants["acme"], TEST_PASSWORD)
    db.session.commit()
    session = accounts_signin("second@acme.test")
    admin = accounts_signin("admin@acme.test")
    admin.post(f"/admin/users/edit/?id={colleague.id}", data={"email": "second@acme.test"})  # active unticked
    admin.post(f"/admin/users/edit/?id={colleague.id}", data={"email": "second@acme.test", "active": "y"})
    assert not _signed_in(session)
    assert _signed_in(accounts_signin("second@acme.test"))
