"""tenant failure digest: webhook URL, last digest markers (failures, reconnect), weekly reminder week

Revision ID: c38faa9bc251
Revises: 8450f78bd311
Create Date: 2026-11-26 16:57:42.784296

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c38faa9bc251'
down_revision = '8450f78bd311'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_webhook_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('last_digest_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_digest_reconnect', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('digest_reminder_week', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('digest_reminder_week')
        batch_op.drop_column('last_digest_reconnect')
        batch_op.drop_column('last_digest_at')
        batch_op.drop_column('last_digest_failures')
        batch_op.drop_column('digest_webhook_url')
