"""Helpers the tests import: an app context, signing in, raw column reads, a QuickBooks connection.

The fixtures live in ``conftest.py``; the engine's fixtures and its queue helpers (``work``, ``sync``…) in
``sync_fixtures.py``; the sandboxes are driven through ``devtools.sandboxes``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text

from devtools import seed
from devtools.sandboxes import PLUS_REALM, QuickBooksSandbox
from portal import create_app
from portal.extensions import db as _db
from portal.models import QuickBooksConnection

__all__ = [
    "CSRF_RE",
    "PLUS_REALM",
    "TEST_PASSWORD",
    "AuthActions",
    "app_context",
    "connect_quickbooks",
    "raw_value",
]

TEST_PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def app_context(config: dict):
    """An app built from ``config`` with its context pushed; its connection pool is closed after."""
    app = create_app(config)
    with app.app_context():
        try:
            yield app
        finally:
            _db.session.remove()
            _db.engine.dispose()


class AuthActions:
    """Sign in and out through the real login form, keeping the CSRF token for later POSTs."""

    def __init__(self, client):
        self.client = client
        self.csrf_token = None

    def login(self, email, password=TEST_PASSWORD):
        page = self.client.get("/auth/login")
        token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
        response = self.client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})
        self.csrf_token = token
        return response

    def logout(self):
        return self.client.post("/auth/logout", data={"csrf_token": self.csrf_token})

    def post(self, url, data=None, **kwargs):
        """POST a form with the session's CSRF token."""
        return self.client.post(url, data={**(data or {}), "csrf_token": self.csrf_token}, **kwargs)


def raw_value(table: str, column: str, row_id: int):
    """Read a column straight from the database, bypassing the ORM's decryption."""
    return _db.session.execute(text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}).scalar()


def connect_quickbooks(tenant, qbo_url: str, realm: str = PLUS_REALM) -> QuickBooksConnection:
    """Give ``tenant`` a committed QuickBooksConnection holding fresh sandbox tokens for ``realm``."""
    connection = seed.connect_quickbooks(tenant, QuickBooksSandbox(qbo_url, realm))
    _db.session.commit()
    return connection


class ServerLikeClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``, as on a server.

    The ``app`` fixture keeps one app context pushed and Flask reuses it for test requests, so without
    this Flask-Login's cached user and Flask-WTF's CSRF token would carry over from one request (or one
    client) to the next, and "signed out" or "session revoked" could pass for the wrong reason.
    """

    def open(self, *args, **kwargs):
        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)
