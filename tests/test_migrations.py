"""The migrations are the schema: one head, and `flask db upgrade` builds exactly what the models say,
on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import os
import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from portal.app import MIGRATIONS_DIR
from portal.config import database_url
from portal.extensions import db
from tests.conftest import app_context


def _backends():
    yield pytest.param("sqlite", id="sqlite")
    if (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres"):
        yield pytest.param("postgresql", id="postgresql")


@pytest.fixture
def empty_database(request, tmp_path):
    """A brand-new empty database of the requested backend, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    server_url = database_url({"DATABASE_URL": os.environ["TEST_DATABASE_URL"]}, None)
    name = f"migr_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _upgrade(url: str, base_config: dict):
    with app_context({**base_config, "SQLALCHEMY_DATABASE_URI": url}) as app:
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        yield app


def schema_shape(url: str) -> dict:
    """Tables → columns, nullability, indexes, unique and check constraint names: what must match."""
    engine = create_engine(url)
    inspector = inspect(engine)
    shape = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        uniques = sorted(u["name"] for u in inspector.get_unique_constraints(table))
        shape[table] = {
            "columns": {c["name"]: c["nullable"] for c in inspector.get_columns(table)},
            # PostgreSQL also lists the index behind each unique constraint; SQLite does not.
            "indexes": sorted(i["name"] for i in inspector.get_indexes(table) if i["name"] not in uniques),
            "uniques": uniques,
            "checks": sorted(c["name"] for c in inspector.get_check_constraints(table)),
            "fks": sorted(f["name"] for f in inspector.get_foreign_keys(table)),
        }
    engine.dispose()
    return shape


def test_there_is_exactly_one_migration_head():
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.mark.parametrize("empty_database", list(_backends()), indirect=True)
def test_upgrade_builds_exactly_the_models(empty_database, base_config):
    for _app in _upgrade(empty_database, base_config):
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []


@pytest.mark.parametrize("empty_database", list(_backends()), indirect=True)
def test_upgrade_gives_the_same_schema_on_every_backend(empty_database, base_config, tmp_path):
    reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    for _ in _upgrade(reference, base_config):
        pass
    for _ in _upgrade(empty_database, base_config):
        pass
    assert schema_shape(empty_database) == schema_shape(reference)


PANEL_INDEXES = {
    "ix_sync_activity_tenant_updated": ["tenant_id", "updated_at", "id"],
    "ix_sync_activity_updated": ["updated_at", "id"],
    "ix_sync_activity_run": ["run_id"],
    "ix_sync_activity_status_updated": ["status", "updated_at", "tenant_id"],
    "ix_sync_activity_number_trgm": ["openboxes_number"],
}


@pytest.mark.parametrize("empty_database", list(_backends()), indirect=True)
def test_upgrade_creates_the_panel_indexes_with_trigrams_on_postgresql(empty_database, base_config):
    for _app in _upgrade(empty_database, base_config):
        with db.engine.connect() as conn:
            indexes = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("sync_activity")}
            assert {name: indexes.get(name) for name in PANEL_INDEXES} == PANEL_INDEXES
            if conn.dialect.name == "postgresql":
                definition = conn.scalar(
                    text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_sync_activity_number_trgm'")
                )
                assert "USING gin" in definition and "gin_trgm_ops" in definition
