"""What mappers need to know besides the record: company, mappings, links and tenant options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from portal.sync.entities import PO_TARGETS, SHIPMENT_TARGETS
from portal.sync.errors import MissingReference, NotLinked, describe_not_linked, describe_unmapped_role

INVENTORY_PLANS = frozenset({"Plus", "Advanced"})
ROLE_LABELS = {
    "inventory_purchases": "Inventory purchases",
    "inventory_asset": "Inventory asset",
    "accounts_payable": "Accounts payable",
    "outbound_revenue": "Outbound revenue",
    "inventory_adjustments": "Inventory adjustments",
    "deposit": "Deposit account",
    "purchase_charges": "Freight and other charges on purchase orders",
}
CHARGES_ROLE = "purchase_charges"


@dataclass(frozen=True)
class Account:
    """A mapped QuickBooks account: its id and how people know it (``5000 - COGS``)."""

    id: str
    label: str

    def describe(self) -> str:
        """``5000 - COGS (id 80)``, as error messages name it."""
        return f"{self.label} (id {self.id})"


@dataclass(frozen=True)
class Opening:
    """Opening stock for items created now: the quantity per product id as of the start ``day``."""

    day: date
    quantities: Mapping[str, Decimal] = field(default_factory=dict)
    pending: bool = False  # on, but OpenBoxes could not be read for the baseline yet: no item may guess 0


@dataclass(frozen=True)
class Refs:
    """Everything outside the OpenBoxes record that a mapper reads.

    Attributes:
        plan: QuickBooks plan (``"Plus"``…); Inventory items need Plus or Advanced.
        home_currency: The company's home currency (ISO 4217).
        multicurrency: Whether the company has multicurrency on.
        accounts: Account per role (``portal.models.mapping.ACCOUNT_ROLES``).
        vendors: QuickBooks Vendor id per ``vendor_key(organization id, currency)``.
        customers: QuickBooks Customer id per OpenBoxes destination Location id.
        items: QuickBooks Item id per OpenBoxes product id.
        po_target: ``"PurchaseOrder"`` or ``"Bill"``.
        shipment_target: ``"Invoice"`` or ``"SalesReceipt"``.
        timezone: The tenant's IANA zone; document dates are local dates there.
        server_timezone: The OpenBoxes server's zone, for ``MM/dd/yyyy`` strings without offset.
        inventory_start_date: Earliest date any pushed transaction can carry; Inventory items start
            no later than this (see ``mappers.inventory_start_date``). None: the product's creation day.
        opening: Opening quantity per product id and its start date, when opening stock is on; None: items
            start with 0 (see ``portal.sync.opening``).
    """

    plan: str
    home_currency: str = "USD"
    multicurrency: bool = False
    accounts: Mapping[str, Account] = field(default_factory=dict)
    vendors: Mapping[str, str] = field(default_factory=dict)
    customers: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[str, str] = field(default_factory=dict)
    po_target: str = "PurchaseOrder"
    shipment_target: str = "Invoice"
    timezone: str = "UTC"
    server_timezone: str = "UTC"
    inventory_start_date: date | None = None
    opening: Opening | None = None

    def __post_init__(self) -> None:
        if self.po_target not in PO_TARGETS:
            raise ValueError(f"po_target must be one of {PO_TARGETS}")
        if self.shipment_target not in SHIPMENT_TARGETS:
            raise ValueError(f"shipment_target must be one of {SHIPMENT_TARGETS}")

    @property
    def tracks_inventory(self) -> bool:
        """True when the plan allows Inventory items (Plus, Advanced)."""
        return self.plan in INVENTORY_PLANS

    def account(self, role: str) -> dict:
        """``{"value": id}`` of the account mapped for ``role``. Raises MissingReference."""
        account = self.accounts.get(role)
        if account is None:
            raise MissingReference(describe_unmapped_role(ROLE_LABELS.get(role, role)))
        return {"value": account.id}

    def optional_account(self, role: str) -> dict | None:
        """Like ``account`` but None when the role is not mapped."""
        account = self.accounts.get(role)
        return None if account is None else {"value": account.id}

    def role_for_account(self, account_id: str) -> str | None:
        """The role mapped to a QuickBooks account id (to word a 2500/610 about it), or None."""
        return next((role for role, acct in self.accounts.items() if acct.id == str(account_id)), None)

    def item_ref(self, product: Mapping) -> dict:
        """``{"value": id}`` of the product's linked item. Raises NotLinked naming the product."""
        item = self.items.get(str(product.get("id")))
        if item is None:
            code, name = product.get("productCode"), product.get("name")
            raise NotLinked(describe_not_linked("Product", code, name, "item", "Product links"))
        return {"value": item}

    def vendor_ref(self, organization_id: str, name: str | None, currency: str | None = None) -> dict:
        """``{"value": id}`` of the supplier's vendor (in ``currency``). Raises NotLinked."""
        vendor = self.vendors.get(vendor_key(organization_id, currency, self.home_currency))
        if vendor is None:
            suffix = "" if currency in (None, self.home_currency) else f" in {currency}"
            message = describe_not_linked("Supplier", None, name, f"vendor{suffix}", "Suppliers (sync the supplier)")
            raise NotLinked(message)
        return {"value": vendor}

    def customer_ref(self, location_id: str, name: str | None) -> dict:
        """``{"value": id}`` of the destination's customer. Raises NotLinked."""
        customer = self.customers.get(str(location_id))
        if customer is None:
            raise NotLinked(describe_not_linked("Destination", None, name, "customer", "Customers (sync it)"))
        return {"value": customer}


def vendor_key(organization_id: str, currency: str | None, home_currency: str) -> str:
    """Key of a supplier's vendor: the organization id, plus ``/EUR`` for a foreign-currency vendor.

    QuickBooks fixes a vendor's currency at creation and requires it to match each document's, so a
    supplier billed in two currencies needs two vendors (see ``mappers.supplier_to_vendor``).
    """
    if currency in (None, home_currency):
        return str(organization_id)
    return f"{organization_id}/{currency}"
