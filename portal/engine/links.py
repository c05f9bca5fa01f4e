"""The idempotency ledger: which QuickBooks object each OpenBoxes record became, per realm."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import EntityLink, ProductLink
from portal.sync.names import stored_text


def find_link(tenant_id: int, realm: str, entity: str, openboxes_id: str) -> EntityLink | None:
    query = select(EntityLink).filter_by(
        tenant_id=tenant_id, realm_id=realm, entity_type=entity, openboxes_id=openboxes_id
    )
    return db.session.scalar(query)


def save_link(
    tenant_id: int, realm: str, entity: str, openboxes_id: str, qbo_object: dict, content_hash: str | None
) -> EntityLink:
    """Record (or refresh) the link from a QuickBooks answer: its Id and SyncToken."""
    link = find_link(tenant_id, realm, entity, openboxes_id)
    if link is None:
        link = EntityLink(tenant_id=tenant_id, realm_id=realm, entity_type=entity, openboxes_id=openboxes_id)
        db.session.add(link)
    link.qbo_id = str(qbo_object["Id"])
    link.sync_token = str(qbo_object.get("SyncToken", "0"))
    if content_hash is not None:
        link.content_hash = content_hash
    return link


def save_product_link(tenant_id: int, realm: str, product: dict, item: dict, method: str) -> None:
    """Keep the console's product ↔ item table in step with the ledger."""
    query = select(ProductLink).filter_by(tenant_id=tenant_id, realm_id=realm, openboxes_product_id=str(product["id"]))
    link = db.session.scalar(query)
    if link is None:
        link = ProductLink(tenant_id=tenant_id, realm_id=realm, openboxes_product_id=str(product["id"]))
        link.link_method = method
        db.session.add(link)
    link.product_code = stored_text(product.get("productCode"), 64) or None
    link.product_name = stored_text(product.get("name"), 1000)
    link.qbo_item_id = str(item["Id"])
    link.qbo_item_name = item.get("Name")
