"""receipt entity: inbound receipts of purchase orders become Bills linked to their PurchaseOrders

Revision ID: b8e2d4f6a1c3
Revises: 9c4e2b7d1a30
Create Date: 2026-12-06 06:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8e2d4f6a1c3'
down_revision = '9c4e2b7d1a30'
branch_labels = None
depends_on = None

TABLES = ('entity_link', 'watermark', 'sync_activity')
BEFORE = ('purchase_order', 'supplier', 'shipment', 'product', 'adjustment', 'customer')
AFTER = BEFORE + ('receipt',)


def _allow(values):
    allowed = ", ".join(f"'{value}'" for value in values)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_entity_type_allowed'), type_='check')
            batch_op.create_check_constraint('entity_type_allowed', f"entity_type IN ({allowed})")


def upgrade():
    _allow(AFTER)


def downgrade():
    op.execute("DELETE FROM entity_link WHERE entity_type = 'receipt'")
    op.execute("DELETE FROM watermark WHERE entity_type = 'receipt'")
    op.execute("DELETE FROM sync_activity WHERE entity_type = 'receipt'")
    _allow(BEFORE)
