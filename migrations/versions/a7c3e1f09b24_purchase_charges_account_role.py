"""account mappings: a role for freight and other charges on purchase orders (order adjustments)

Revision ID: a7c3e1f09b24
Revises: e5b7c2d9a4f1
Create Date: 2026-12-06 03:30:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "a7c3e1f09b24"
down_revision = "e5b7c2d9a4f1"
branch_labels = None
depends_on = None

OLD_ROLES = (
    "inventory_purchases",
    "inventory_asset",
    "accounts_payable",
    "outbound_revenue",
    "inventory_adjustments",
    "deposit",
)
NEW_ROLES = OLD_ROLES + ("purchase_charges",)


def _allow(roles):
    allowed = ", ".join(f"'{role}'" for role in roles)
    with op.batch_alter_table("account_mapping", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_account_mapping_role_allowed"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_account_mapping_role_allowed"), f"role IN ({allowed})")


def upgrade():
    _allow(NEW_ROLES)


def downgrade():
    op.execute("DELETE FROM account_mapping WHERE role = 'purchase_charges'")
    _allow(OLD_ROLES)
