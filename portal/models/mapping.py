"""What the tenant admin configures: GL account per role, and product ↔ item links."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import TenantOwned, Timestamps, one_of

ACCOUNT_ROLES = (
    "inventory_purchases",
    "inventory_asset",
    "accounts_payable",
    "outbound_revenue",
    "inventory_adjustments",
    "deposit",
    "purchase_charges",
)
LINK_METHODS = ("auto_created", "matched_sku", "manual")


class AccountMapping(TenantOwned, Timestamps, db.Model):
    __table_args__ = (UniqueConstraint("tenant_id", "role"), one_of("role", ACCOUNT_ROLES))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    qbo_account_id: Mapped[str] = mapped_column(String(32))
    account_number: Mapped[str | None] = mapped_column(String(32))
    account_name: Mapped[str] = mapped_column(String(255))
    account_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        label = f"{self.account_number} - {self.account_name}" if self.account_number else self.account_name
        return f"{self.role}: {label}"


class ProductLink(TenantOwned, Timestamps, db.Model):
    __table_args__ = (
        UniqueConstraint("tenant_id", "realm_id", "openboxes_product_id"),
        one_of("link_method", LINK_METHODS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    realm_id: Mapped[str] = mapped_column(String(32))
    openboxes_product_id: Mapped[str] = mapped_column(String(64))
    product_code: Mapped[str | None] = mapped_column(String(64), index=True)
    product_name: Mapped[str | None] = mapped_column(String(1000))
    qbo_item_id: Mapped[str] = mapped_column(String(32))
    qbo_item_name: Mapped[str | None] = mapped_column(String(100))
    link_method: Mapped[str] = mapped_column(String(16))


class OpenBoxesProduct(TenantOwned, Timestamps, db.Model):
    """A product read by "Load products from OpenBoxes", so the Product links page can list products no
    poll has seen yet (polls only see products changed after syncing was enabled)."""

    __tablename__ = "openboxes_product"
    __table_args__ = (UniqueConstraint("tenant_id", "openboxes_product_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    openboxes_product_id: Mapped[str] = mapped_column(String(64))
    product_code: Mapped[str | None] = mapped_column(String(64))
    product_name: Mapped[str | None] = mapped_column(String(1000))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The product as listed (JSON-safe): what "Auto-create in QuickBooks" maps into an item.
    record: Mapped[dict | None] = mapped_column(JSON)
