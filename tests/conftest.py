"""Shared fixtures: a real Redis, a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the app."""

from __future__ import annotations

import copy
import os

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from devtools.local_redis import ensure_redis
from devtools.sandboxes import QuickBooksSandbox
from portal import create_app
from portal.extensions import db as _db
from tests.factories import make_tenant, make_user

# Helpers live in tests/helpers.py; these names stay importable from here for tests written against conftest.
from tests.helpers import (  # noqa: F401
    CSRF_RE,
    PLUS_REALM,
    TEST_PASSWORD,
    AuthActions,
    ServerLikeClient,
    app_context,
    connect_quickbooks,
    raw_value,
)

pytest_plugins = ["tests.sync_fixtures"]  # both sandboxes, a synced tenant, a burst worker


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


class AppPool:
    """One app reused from test to test, as long as tests leave it as it was built.

    Building an app costs ~50 ms of CPU (Flask-Admin compiles ~1,100 routes): more than half of the fast
    tier's CPU when every test built its own. A test may still change settings (put back afterwards) and
    add routes or views (the app then counts as new, and the next test gets a freshly built one).
    """

    def __init__(self, config: dict) -> None:
        self.config = config
        self.app: Flask | None = None

    def take(self) -> Flask:
        if self.app is None:
            self.app = create_app(self.config)
            self.settings, self.shape = copy.deepcopy(dict(self.app.config)), app_shape(self.app)
        self.app._got_first_request = False  # so routes and views may be added, as on a new app
        return self.app

    def give_back(self) -> None:
        if app_shape(self.app) != self.shape:
            self.app = None
            return
        self.app.config.clear()
        self.app.config.update(copy.deepcopy(self.settings))


def app_shape(app: Flask) -> tuple:
    """What a test could add to or replace in an app: routes, views, blueprints, hooks, extensions."""
    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs, app.error_handler_spec)
    return (
        sorted(str(rule) for rule in app.url_map.iter_rules()),
        sorted(app.view_functions),
        sorted(app.blueprints),
        [{key: len(value) for key, value in hook.items()} for hook in hooks],
        {name: id(extension) for name, extension in app.extensions.items()},
    )


@pytest.fixture(scope="session")
def app_pool(base_config) -> AppPool:
    """The pool of the ``app`` fixture, on a schema created fresh for the run."""
    with app_context(base_config):
        _db.drop_all()
        _db.create_all()
    return AppPool(base_config)


@pytest.fixture
def app(app_pool):
    """An app as built from ``base_config``, its context pushed and every table empty; the session and
    the connection pool are closed after the test."""
    app = app_pool.take()
    with app.app_context():
        try:
            _truncate_all()
            yield app
        finally:
            _db.session.remove()
            _db.engine.dispose()
    app_pool.give_back()


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
    return ServerLikeClient(app, app.response_class, use_cookies=True)


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


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL") or "sqlite (temporary file)"
    return f"database under test: {url.split('@')[-1] if '@' in url else url}"


# --- sandboxes over real HTTP -------------------------------------------------------------------


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
    QuickBooksSandbox(qbo_server.url).reset()
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
