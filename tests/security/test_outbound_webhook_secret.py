"""The tenant's digest webhook URL (its path is often the credential) is encrypted at rest, and the
migration encrypts URLs stored in plain text before it (and decrypts them again on downgrade)."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import create_engine, text

from portal.app import MIGRATIONS_DIR
from portal.crypto import decrypt
from portal.models import Tenant
from tests.conftest import app_context, raw_value
from tests.test_migrations import _backends, empty_database  # noqa: F401, F811  (a fixture)

HOOK = "http://127.0.0.1:8080/services/T000/B000/XXXXsecretXXXX"
BEFORE = "c38faa9bc251"


def test_the_saved_webhook_url_is_not_stored_in_plain_text(two_tenants, auth, db):
    acme = two_tenants["acme"]
    auth.login("admin@acme.test")
    page = auth.post("/admin/preferences/digest/", data={"digest_webhook_url": HOOK}, follow_redirects=True)
    assert "Saved the failure digest webhook of Acme Medical." in page.get_data(as_text=True)
    stored = raw_value("tenant", "digest_webhook_url", acme.id)
    assert stored and "secret" not in stored and "127.0.0.1" not in stored
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).digest_webhook_url == HOOK


def _tenant_row(url: str) -> dict:
    names = ("sync_purchase_orders", "sync_suppliers", "sync_shipments", "sync_products", "sync_adjustments")
    return {
        "name": "Old", "slug": "old", "timezone": "UTC", "sync_mode": "manual", "realtime_interval_minutes": 5,
        "daily_time": "02:00", "po_target": "Bill", "shipment_target": "Invoice", "product_link_mode": "manual",
        "digest_webhook_url": url, **dict.fromkeys(names, True),
    }  # fmt: skip


def _stored_urls(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        values = [row[0] for row in conn.execute(text("SELECT digest_webhook_url FROM tenant ORDER BY slug"))]
    engine.dispose()
    return values


@pytest.mark.parametrize("empty_database", list(_backends()), indirect=True)
def test_the_migration_encrypts_urls_stored_in_plain_text(empty_database, base_config):  # noqa: F811
    with app_context({**base_config, "SQLALCHEMY_DATABASE_URI": empty_database}):
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
        row = _tenant_row(HOOK)
        insert = text(
            f"INSERT INTO tenant ({', '.join(row)}, created_at, updated_at) "
            f"VALUES ({', '.join(':' + name for name in row)}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        engine = create_engine(empty_database)
        with engine.begin() as conn:
            conn.execute(insert, row)
            conn.execute(insert, {**row, "slug": "old2", "digest_webhook_url": None})
        engine.dispose()

        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        [token, empty] = _stored_urls(empty_database)
        assert "secret" not in token and decrypt(token) == HOOK and empty is None

        flask_migrate.downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
        assert _stored_urls(empty_database) == [HOOK, None]
