"""Fixtures for the account and session attacks (tests/security/test_accounts_*.py)."""

from __future__ import annotations

import contextvars

import pytest
from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD, AuthActions


class FreshContextClient(FlaskClient):
    """A browser whose every request runs in its own app context, as in production.

    The ``app`` fixture keeps one app context pushed, and Flask reuses it for test requests, so ``g``
    (where Flask-Login caches the signed-in user) would carry over from one request, or one client, to
    the next. A copied cookie must be judged by the server alone.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def accounts_browser(app):
    """Make a new browser (no cookies yet) with its own sign-in helper."""

    def new_browser() -> AuthActions:
        return AuthActions(FreshContextClient(app, app.response_class, use_cookies=True))

    return new_browser


@pytest.fixture
def accounts_signin(accounts_browser):
    """Sign ``email`` in from a new browser; the browser's ``client`` and CSRF token come with it."""

    def sign_in(email: str, password: str = TEST_PASSWORD) -> AuthActions:
        browser = accounts_browser()
        response = browser.login(email, password)
        assert response.status_code == 302, f"{email} could not sign in"
        return browser

    return sign_in
