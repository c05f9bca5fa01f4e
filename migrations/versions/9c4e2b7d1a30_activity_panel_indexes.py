"""activity panel indexes: newest first per tenant and overall, by run, by status; trigram search of the number

Revision ID: 9c4e2b7d1a30
Revises: f3a1c9d2b7e4
Create Date: 2026-12-06 06:10:00.000000

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c4e2b7d1a30'
down_revision = 'f3a1c9d2b7e4'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
TRIGRAM_INDEX = 'ix_sync_activity_number_trgm'


def upgrade():
    with op.batch_alter_table('sync_activity', schema=None) as batch_op:
        batch_op.create_index('ix_sync_activity_tenant_updated', ['tenant_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_sync_activity_updated', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_sync_activity_run', ['run_id'], unique=False)
        batch_op.create_index('ix_sync_activity_status_updated', ['status', 'updated_at', 'tenant_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql' and _trigrams_available():
        op.create_index(
            TRIGRAM_INDEX, 'sync_activity', ['openboxes_number'], unique=False,
            postgresql_using='gin', postgresql_ops={'openboxes_number': 'gin_trgm_ops'},
        )
    else:
        # SQLite, or a PostgreSQL role that may not create extensions: a plain index of the same name, so the
        # schema is the same everywhere; the search then reads the tenant's rows instead of the trigrams.
        op.create_index(TRIGRAM_INDEX, 'sync_activity', ['openboxes_number'], unique=False)


def _trigrams_available() -> bool:
    """Create pg_trgm if it is missing; False (logged) when this database role may not."""
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("pg_trgm is not available (%s): the number search gets a plain index", exc.orig)
        return False
    savepoint.commit()
    return True


def downgrade():
    op.drop_index(TRIGRAM_INDEX, table_name='sync_activity')
    with op.batch_alter_table('sync_activity', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_activity_status_updated')
        batch_op.drop_index('ix_sync_activity_run')
        batch_op.drop_index('ix_sync_activity_updated')
        batch_op.drop_index('ix_sync_activity_tenant_updated')
