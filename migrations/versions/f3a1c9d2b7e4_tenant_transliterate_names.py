"""tenant transliterate_names: change names beyond a US company's character set instead of failing

Revision ID: f3a1c9d2b7e4
Revises: a7c3e1f09b24
Create Date: 2026-12-06 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a1c9d2b7e4'
down_revision = 'a7c3e1f09b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transliterate_names', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('transliterate_names')
