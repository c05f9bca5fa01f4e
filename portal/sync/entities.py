"""The entity registry's pure half: entities, statuses, QuickBooks targets, labels and toggles.

Everything else that differs per entity is derived from ``REGISTRY``: the CHECK constraints
(``portal.models.sync``), the preference toggles and their labels, and the order pollers run in.
The impure half (how it is polled, read again and pushed) is one module per entity in
``portal/engine/entities/``, collected in ``portal.engine.entities.HANDLERS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Entity(StrEnum):
    """An OpenBoxes record kind the bridge tracks (values are stored in the database)."""

    PURCHASE_ORDER = "purchase_order"
    SUPPLIER = "supplier"
    SHIPMENT = "shipment"
    PRODUCT = "product"
    ADJUSTMENT = "adjustment"
    CUSTOMER = "customer"
    RECEIPT = "receipt"


class ActivityStatus(StrEnum):
    """Where one Integration Activity row stands (values are stored in the database)."""

    QUEUED = "queued"
    SYNCING = "syncing"
    SYNCED = "synced"
    RETRYING = "retrying"
    SYNC_FAILED = "sync_failed"
    SKIPPED = "skipped"


class Target(StrEnum):
    """The QuickBooks document a purchase order or a shipment becomes."""

    PURCHASE_ORDER = "PurchaseOrder"
    BILL = "Bill"
    INVOICE = "Invoice"
    SALES_RECEIPT = "SalesReceipt"


@dataclass(frozen=True)
class EntitySpec:
    """What the console and the scheduler know about one entity.

    Attributes:
        entity: The entity.
        toggle: The ``Tenant`` column that turns its sync on; None when it is never polled on its
            own (customers are created on demand for shipments).
        toggle_label: How the preferences page names the toggle.
        targets: The QuickBooks documents it can become, first the default; empty when fixed.
        quickbooks_page: QuickBooks' web page of what it became (``{id}`` its id), by target (``None``
            when fixed); see ``portal.sync.deeplinks``.
        openboxes_page: OpenBoxes' web page of the record (``{id}`` its id); None when it has none.
    """

    entity: Entity
    toggle: str | None = None
    toggle_label: str = ""
    targets: tuple[Target, ...] = ()
    quickbooks_page: Mapping[Target | None, str] = field(default_factory=dict)
    openboxes_page: str | None = None

    @property
    def label(self) -> str:
        """``Purchase order``, as the activity panel names it."""
        return self.entity.replace("_", " ").capitalize()


# Dependencies first, so vendors and items usually exist before the documents that use them.
# The web pages are the ones the two web apps use today (neither documents them as an API).
REGISTRY: tuple[EntitySpec, ...] = (
    EntitySpec(
        Entity.SUPPLIER,
        "sync_suppliers",
        "Suppliers (vendors)",
        quickbooks_page={None: "vendordetail?nameId={id}"},
        openboxes_page="/organization/edit/{id}",
    ),
    EntitySpec(
        Entity.PRODUCT,
        "sync_products",
        "Products (items)",
        quickbooks_page={None: "items"},  # QuickBooks has no per-item page address: the item list
        openboxes_page="/inventoryItem/showStockCard/{id}",
    ),
    EntitySpec(
        Entity.PURCHASE_ORDER,
        "sync_purchase_orders",
        "Purchase orders",
        (Target.PURCHASE_ORDER, Target.BILL),
        quickbooks_page={Target.PURCHASE_ORDER: "purchaseorder?txnId={id}", Target.BILL: "bill?txnId={id}"},
        openboxes_page="/order/show/{id}",
    ),
    EntitySpec(
        Entity.SHIPMENT,
        "sync_shipments",
        "Outbound shipments",
        (Target.INVOICE, Target.SALES_RECEIPT),
        quickbooks_page={Target.INVOICE: "invoice?txnId={id}", Target.SALES_RECEIPT: "salesreceipt?txnId={id}"},
        openboxes_page="/stockMovement/show/{id}",
    ),
    EntitySpec(
        Entity.ADJUSTMENT,
        "sync_adjustments",
        "Inventory adjustments",
        quickbooks_page={None: "journal?txnId={id}"},
        openboxes_page="/inventoryItem/showStockCard/{id}",  # the adjusted product's stock card
    ),
    EntitySpec(Entity.CUSTOMER, quickbooks_page={None: "customerdetail?nameId={id}"}),
    # Receipts follow the purchase-order toggle (no toggle of their own, so no label) and are only
    # billed for orders that became PurchaseOrders; after purchase orders so those are linked first.
    EntitySpec(Entity.RECEIPT, "sync_purchase_orders", quickbooks_page={None: "bill?txnId={id}"}),
)
SPECS: dict[Entity, EntitySpec] = {spec.entity: spec for spec in REGISTRY}

ENTITY_TYPES: tuple[str, ...] = tuple(entity.value for entity in Entity)
ACTIVITY_STATUSES: tuple[str, ...] = tuple(status.value for status in ActivityStatus)
POLLED: tuple[EntitySpec, ...] = tuple(spec for spec in REGISTRY if spec.toggle)
# Preferences page order (unchanged from before the registry).
TOGGLE_LABELS: dict[str, str] = {
    spec.toggle: spec.toggle_label
    for spec in sorted(POLLED, key=lambda s: list(Entity).index(s.entity))
    if spec.toggle and spec.toggle_label
}
ENTITY_TOGGLES: tuple[str, ...] = tuple(TOGGLE_LABELS)
PO_TARGETS: tuple[str, ...] = tuple(target.value for target in SPECS[Entity.PURCHASE_ORDER].targets)
SHIPMENT_TARGETS: tuple[str, ...] = tuple(target.value for target in SPECS[Entity.SHIPMENT].targets)


def entity_label(entity: str) -> str:
    """``Purchase order`` for ``purchase_order``."""
    return SPECS[Entity(entity)].label
