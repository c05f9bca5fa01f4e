"""Password hashes and session tokens are never shown or exported, to anyone."""

from __future__ import annotations

import pytest

from tests.conftest import raw_value

PAGES = ["details/?id={id}", "", "edit/?id={id}", "export/csv/"]


@pytest.mark.parametrize("viewer", ["admin@acme.test", "help@bridge.test"])
def test_user_pages_never_show_a_password_hash_or_session_token(two_tenants, accounts_signin, viewer):
    target = two_tenants["users"]["acme"]
    browser = accounts_signin(viewer)
    pages = {page: browser.client.get(f"/admin/users/{page.format(id=target.id)}") for page in PAGES}
    assert "admin@acme.test" in pages["details/?id={id}"].get_data(as_text=True)
    bodies = {page: response.get_data(as_text=True) for page, response in pages.items()}
    password_hash = raw_value("app_user", "password_hash", target.id)
    for page, body in bodies.items():
        assert password_hash not in body, page
        assert "Password Hash" not in body and "password_hash" not in body, page
    session_token = raw_value("app_user", "session_token", target.id)
    for page, body in bodies.items():
        assert session_token not in body and "Session Token" not in body, page
