"""Nobody deletes their own account from the console, and every user deletion is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, User
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user


@pytest.fixture
def colleague(two_tenants, db):
    user = make_user("second@acme.test", "tenant_admin", two_tenants["acme"], TEST_PASSWORD)
    db.session.commit()
    return user


def _delete(browser, way: str, user_id: int):
    if way == "button":
        return browser.post("/admin/users/delete/", data={"id": user_id}, follow_redirects=True)
    return browser.post("/admin/users/action/", data={"action": "delete", "rowid": [user_id]}, follow_redirects=True)


def _exists(db, user_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(User, user_id) is not None


@pytest.mark.parametrize("way", ["button", "list action"])
@pytest.mark.parametrize("who", ["admin@acme.test", "help@bridge.test"])
def test_nobody_deletes_their_own_account(two_tenants, db, accounts_signin, way, who):
    me = db.session.scalar(select(User).where(User.email == who))
    browser = accounts_signin(who)
    page = _delete(browser, way, me.id).get_data(as_text=True)
    assert _exists(db, me.id)
    assert "You cannot delete your own account. Ask another admin or support staff." in page
    assert "Deleted 1" not in page


@pytest.mark.parametrize("way", ["button", "list action"])
def test_deleting_a_user_is_audited_with_the_email(two_tenants, colleague, db, accounts_signin, way):
    acme_admin = two_tenants["users"]["acme"]
    browser = accounts_signin("admin@acme.test")
    _delete(browser, way, colleague.id)
    assert not _exists(db, colleague.id)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.deleted")).all()
    assert [(e.tenant_id, e.user_id, e.details) for e in events] == [
        (two_tenants["acme"].id, acme_admin.id, {"email": "second@acme.test"})
    ]
