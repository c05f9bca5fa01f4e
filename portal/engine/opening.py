"""Opening stock: read the baseline from OpenBoxes (see ``portal.sync.opening`` for the rule) and keep it.

The baseline is kept on the tenant (``opening_baseline``) when syncing is enabled or its start
moves back, with opening stock on; items created afterwards start with it, once, as items are created once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from portal.clients.openboxes import SHIPPED_STATUSES
from portal.engine.entities.receipts import read_received
from portal.engine.entities.shared import all_pages
from portal.engine.history import orders_since
from portal.models import Tenant
from portal.models.base import utcnow
from portal.sync.documents import enum_name, shipped_per_product
from portal.sync.entities import Target
from portal.sync.opening import OpeningStock, add_up, opening_quantities
from portal.sync.receipts import quantities_from_json


def read_opening(client, start: datetime, po_target: str) -> tuple[OpeningStock, list[dict]]:
    """The opening quantities as of ``start`` and the products listed (one on-hand read per product)."""
    taken_at = utcnow()
    products = all_pages(lambda offset: client.products_page(offset=offset))[0]
    on_hand = {str(p["id"]): client.quantity_on_hand(str(p["id"])) for p in products}
    orders = orders_since(client, start)
    added = _ordered(client, orders) if po_target == Target.BILL else _received(client, orders)
    quantities = opening_quantities(on_hand, added, _shipped_since(client, start))
    return OpeningStock(start, taken_at, quantities), products


def _ordered(client, order_ids: list[str]) -> dict[str, Decimal]:
    """Ordered on orders since the start (Bill target: each order's Bill adds its lines' stock)."""
    lines = [item for order_id in order_ids for item in client.purchase_order_items(order_id)]
    return add_up(
        {str((item.get("product") or {}).get("id")): Decimal(str(item.get("quantity") or 0))}
        for item in lines
        if enum_name(item.get("orderItemStatusCode")) != "CANCELED"
    )


def _received(client, order_ids: list[str]) -> dict[str, Decimal]:
    """Received on orders since the start (PurchaseOrder target): the bridge bills those receipts."""
    orders = set(order_ids)
    shipments = all_pages(lambda offset: client.inbound_stock_movements_page(offset=offset))[0]
    ours = [row for row in shipments if str((row.get("order") or {}).get("id")) in orders]
    return add_up(quantities_from_json(read_received(client, row)["received"]) for row in ours)


def _shipped_since(client, start: datetime) -> dict[str, Decimal]:
    """Shipped on movements created since ``start``: the ones a sync from ``start`` invoices."""
    parts, offset = [], 0
    while offset is not None:
        page = client.outbound_stock_movements_page(offset=offset, receipt_statuses=SHIPPED_STATUSES)
        recent = [row for row in page.records if row.get("dateCreated") and row["dateCreated"] >= start]
        for row in recent:
            shipment_id = (client.stock_movement(str(row["id"])).get("associations") or {}).get("shipment") or {}
            if shipment_id.get("id"):
                parts.append(shipped_per_product(client.shipment(str(shipment_id["id"]))))
        offset = page.next_offset if recent else None
    return add_up(parts)


def take_opening(tenant: Tenant, client) -> OpeningStock:
    """Read and keep the baseline as of the tenant's start (``sync_enabled_at``); not committed."""
    stock, _ = read_opening(client, tenant.sync_enabled_at, tenant.po_target)
    tenant.opening_baseline = stock.to_json()
    return stock
