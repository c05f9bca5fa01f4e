"""Shared fixtures: a real Redis, a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the app."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from portal import create_app
from portal.extensions import db as _db
from portal.local_redis import ensure_redis
from tests.factories import make_tenant, make_user

pytest_plugins = ["tests.sync_fixtures"]  # both sandboxes, a synced tenant, a burst worker

TEST_PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis: TEST_REDIS_URL (db 13 by default), or a private redis-server started for the run."""
    wanted = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    url, process = ensure_redis(wanted)
    if process is not None:
        url = url.rsplit("/", 1)[0] + "/13"
    yield url
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite"


@pytest.fixture(scope="session")
def encryption_key():
    return Fernet.generate_key().decode()


@pytest.fixture(scope="session")
def base_config(database_url, redis_url, encryption_key, tmp_path_factory):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(database_url),
        "REDIS_URL": redis_url,
        "ENCRYPTION_KEYS": [encryption_key],
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashes keep the suite quick
        # Every test client signs in from 127.0.0.1: the suite's own failed logins must not use up that
        # address's budget. Tests of the per-address limit set their own.
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 10_000,
        # Nothing ever calls Intuit: until a test points these at the sandbox, they lead to a closed local port.
        "QBO_AUTH_URL": "http://127.0.0.1:9/connect/oauth2",
        "QBO_TOKEN_URL": "http://127.0.0.1:9/oauth2/v1/tokens/bearer",
        "QBO_REVOKE_URL": "http://127.0.0.1:9/v2/oauth2/tokens/revoke",
        "QBO_API_BASE": "http://127.0.0.1:9",
    }


def _sqlalchemy_url(url: str) -> str:
    from portal.config import database_url

    return database_url({"DATABASE_URL": url}, instance_path=None) if url.startswith("postgres") else url


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


@pytest.fixture(scope="session")
def _schema(base_config):
    with app_context(base_config):
        _db.drop_all()
        _db.create_all()


@pytest.fixture
def app(base_config, _schema):
    with app_context(base_config) as app:
        _truncate_all()
        yield app


def _truncate_all():
    for table in reversed(_db.metadata.sorted_tables):
        _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def redis(app):
    from portal.redis_conn import get_redis

    connection = get_redis()
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def client(app):
    return app.test_client()


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


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def two_tenants(db):
    """Tenants Acme and Bolt, each with a tenant admin, plus one support user."""
    acme, bolt = make_tenant("Acme Medical"), make_tenant("Bolt Clinics")
    users = {
        "acme": make_user("admin@acme.test", "tenant_admin", acme, TEST_PASSWORD),
        "bolt": make_user("admin@bolt.test", "tenant_admin", bolt, TEST_PASSWORD),
        "support": make_user("help@bridge.test", "support", None, TEST_PASSWORD),
    }
    db.session.commit()
    return {"acme": acme, "bolt": bolt, "users": users}


def raw_value(table: str, column: str, row_id: int):
    """Read a column straight from the database, bypassing the ORM's decryption."""
    return _db.session.execute(text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}).scalar()


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL") or "sqlite (temporary file)"
    return f"database under test: {url.split('@')[-1] if '@' in url else url}"


# --- sandboxes over real HTTP -------------------------------------------------------------------

PLUS_REALM = "9341453050000001"


@pytest.fixture(scope="session")
def qbo_server():
    """The QuickBooks sandbox on a free loopback port for the whole run (reset before each use)."""
    from sandbox.quickbooks import make_app
    from sandbox.serving import serve_in_thread

    server = serve_in_thread(make_app())
    yield server
    server.stop()


@pytest.fixture
def qbo(qbo_server):
    """A freshly reset QuickBooks sandbox; returns its base URL."""
    import requests

    requests.post(f"{qbo_server.url}/_sandbox/reset", timeout=10).raise_for_status()
    return qbo_server.url


@pytest.fixture
def qbo_app(app, qbo):
    """The app pointed at the QuickBooks sandbox."""
    from portal.app import allow_loopback_oauth

    app.config.update(
        QBO_CLIENT_ID="sandbox-client-id",
        QBO_CLIENT_SECRET="sandbox-client-secret",
        QBO_AUTH_URL=f"{qbo}/connect/oauth2",
        QBO_TOKEN_URL=f"{qbo}/oauth2/v1/tokens/bearer",
        QBO_REVOKE_URL=f"{qbo}/v2/oauth2/tokens/revoke",
        QBO_API_BASE=qbo,
    )
    allow_loopback_oauth(app.config["QBO_TOKEN_URL"])
    return app


def connect_quickbooks(tenant, qbo_url: str, realm: str = PLUS_REALM):
    """Give ``tenant`` a QuickBooksConnection holding fresh sandbox tokens for ``realm``."""
    from datetime import UTC, datetime

    import requests

    from portal.models import QuickBooksConnection
    from portal.qbo_tokens import store_token_response

    answer = requests.post(f"{qbo_url}/_sandbox/companies/{realm}/tokens", timeout=10)
    answer.raise_for_status()
    connection = QuickBooksConnection(tenant=tenant, realm_id=realm, status="connected")
    store_token_response(connection, answer.json(), datetime.now(UTC))
    _db.session.add(connection)
    _db.session.commit()
    return connection
