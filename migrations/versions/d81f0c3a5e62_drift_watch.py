"""drift watch: rows flagged as edited or deleted in QuickBooks; each connection's last look at the change feed

Revision ID: d81f0c3a5e62
Revises: b4d8e2f6a1c3
Create Date: 2026-12-06 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd81f0c3a5e62'
down_revision = 'b4d8e2f6a1c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drift', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('drift_detail', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('drift_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_sync_activity_drift_allowed'), "drift IN ('edited', 'deleted')")
    with op.batch_alter_table('quickbooks_connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cdc_checked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('quickbooks_connection', schema=None) as batch_op:
        batch_op.drop_column('cdc_checked_at')
    with op.batch_alter_table('sync_activity', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_sync_activity_drift_allowed'), type_='check')
        batch_op.drop_column('drift_seen_at')
        batch_op.drop_column('drift_detail')
        batch_op.drop_column('drift')
