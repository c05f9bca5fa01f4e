"""tenant alert_emails: addresses a tenant admin names for failure alerts, besides the admins themselves

Revision ID: b4d8e2f6a1c3
Revises: b8e2d4f6a1c3
Create Date: 2026-12-06 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d8e2f6a1c3'
down_revision = 'b8e2d4f6a1c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_emails', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('alert_emails')
