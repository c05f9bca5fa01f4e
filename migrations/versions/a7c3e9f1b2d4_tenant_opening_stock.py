"""tenant opening stock: inventory items start with OpenBoxes' on-hand quantity at the start date

Revision ID: a7c3e9f1b2d4
Revises: d81f0c3a5e62
Create Date: 2026-12-06 07:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7c3e9f1b2d4"
down_revision = "d81f0c3a5e62"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opening_stock", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('opening_baseline', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("opening_stock")
