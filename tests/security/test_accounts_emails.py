"""One account per email address whatever its letter case, and only real addresses."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.models import User

NEW_PASSWORD = "0123456789ab"


def _create(admin, email: str):
    """Post the new-user form as shown (the old form had a role select; posting it does no harm)."""
    data = {"email": email, "role": "tenant_admin", "active": "y", "new_password": NEW_PASSWORD}
    return admin.post("/admin/users/new/", data=data)


def _accounts(db, email: str) -> list[User]:
    db.session.expire_all()
    return db.session.scalars(select(User).where(func.lower(User.email) == email.lower())).all()


@pytest.mark.parametrize("spelling", ["HELP@bridge.test", "Help@Bridge.Test", "hElP@bridge.TEST"])
def test_tenant_admin_cannot_shadow_the_support_login_with_another_case(two_tenants, db, accounts_signin, spelling):
    admin = accounts_signin("admin@acme.test")
    _create(admin, spelling)
    assert [user.role for user in _accounts(db, "help@bridge.test")] == ["support"]
    # The real support user still signs in, under any spelling.
    accounts_signin("help@bridge.test")
    accounts_signin(spelling.strip())


def test_renaming_a_user_to_another_case_of_a_taken_email_is_refused(two_tenants, db, accounts_signin):
    admin = accounts_signin("admin@acme.test")
    mine = two_tenants["users"]["acme"]
    _create(admin, "ann@acme.test")
    ann = _accounts(db, "ann@acme.test")[0]
    renamed = {"email": "ADMIN@acme.test", "role": "tenant_admin", "active": "y"}
    admin.post(f"/admin/users/edit/?id={ann.id}", data=renamed)
    assert [user.id for user in _accounts(db, "admin@acme.test")] == [mine.id]


def test_new_emails_are_stored_in_lower_case_and_sign_in_in_any_case(two_tenants, db, accounts_signin):
    admin = accounts_signin("admin@acme.test")
    _create(admin, "New.Person@Acme.TEST")
    assert [user.email for user in _accounts(db, "new.person@acme.test")] == ["new.person@acme.test"]
    accounts_signin("NEW.person@acme.test", NEW_PASSWORD)


@pytest.mark.parametrize("bad", ["not-an-email", "two@@acme.test", "spaces in@acme.test", "nobody@"])
def test_console_refuses_what_is_not_an_email_address(two_tenants, db, accounts_signin, bad):
    admin = accounts_signin("admin@acme.test")
    page = _create(admin, bad)
    assert "is not an email address" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == 3


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["users", "create", *args, "--password", "long enough pw"])


def test_cli_refuses_another_case_of_a_taken_email(two_tenants, app, db):
    result = _cli(app, "--email", "HELP@Bridge.test", "--role", "support")
    assert result.exit_code != 0
    assert "a user with email help@bridge.test already exists" in result.output
    assert len(_accounts(db, "help@bridge.test")) == 1


def test_cli_refuses_what_is_not_an_email_address(two_tenants, app, db):
    result = _cli(app, "--email", "support at bridge", "--role", "support")
    assert result.exit_code != 0
    assert "is not an email address" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 3


def test_database_refuses_a_mixed_case_email_written_around_the_model(two_tenants, db):
    bolt_admin = two_tenants["users"]["bolt"]
    statement = User.__table__.update().where(User.id == bolt_admin.id).values(email="Admin@Bolt.test")
    with pytest.raises(IntegrityError):
        db.session.execute(statement)
    db.session.rollback()
