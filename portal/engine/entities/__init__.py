"""The pipeline's half of the entity registry: one module per OpenBoxes entity.

Each module holds how its entity is polled, read again when OpenBoxes could not serve it, and pushed to
QuickBooks, and ends with its ``HANDLER``. The pure half (labels, toggles, targets, web pages) is
``portal.sync.entities.REGISTRY``; ``HANDLERS`` must cover every polled entity of it (a test checks).
"""

from __future__ import annotations

from portal.engine.entities import adjustments, products, purchase_orders, receipts, shipments, suppliers
from portal.engine.entities.handler import Handler
from portal.sync.entities import Entity

HANDLERS: dict[Entity, Handler] = {
    Entity.SUPPLIER: suppliers.HANDLER,
    Entity.PRODUCT: products.HANDLER,
    Entity.PURCHASE_ORDER: purchase_orders.HANDLER,
    Entity.SHIPMENT: shipments.HANDLER,
    Entity.ADJUSTMENT: adjustments.HANDLER,
    Entity.RECEIPT: receipts.HANDLER,
}
