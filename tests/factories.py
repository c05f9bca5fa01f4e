"""Small builders for test rows (added to the session, committed by the caller)."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.models import Tenant, User
from portal.models.base import utcnow


def make_tenant(name: str, **fields) -> Tenant:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    fields.setdefault("sync_enabled_at", utcnow().replace(microsecond=0))
    tenant = Tenant(name=name, slug=slug, **fields)
    db.session.add(tenant)
    return tenant


def make_user(email: str, role: str, tenant: Tenant | None, password: str) -> User:
    user = User(email=email, role=role, tenant=tenant)
    user.set_password(password)
    db.session.add(user)
    return user


def seed_tenant_rows(tenant: Tenant, marker: str) -> dict:
    """One row of every tenant-owned table, each carrying ``marker`` where text is shown."""
    from decimal import Decimal

    from portal.models import (
        AccountMapping,
        AuditEvent,
        EntityLink,
        OpenBoxesConnection,
        ProductLink,
        QuickBooksConnection,
        SyncActivity,
        SyncRun,
        Watermark,
    )

    realm = f"realm-{marker}"
    rows = {
        "mappings": AccountMapping(
            tenant=tenant, role="inventory_asset", qbo_account_id="81", account_name=f"{marker} asset"
        ),
        "product_links": ProductLink(
            tenant=tenant,
            realm_id=realm,
            openboxes_product_id=f"p-{marker}",
            product_code=f"{marker}-sku",
            product_name=f"{marker} gauze",
            qbo_item_id="19",
            qbo_item_name=f"{marker} gauze",
            link_method="auto_created",
        ),
        "openboxes": OpenBoxesConnection(
            tenant=tenant,
            base_url=f"http://{marker}.ob.test",
            username=f"{marker}-sync",
            password="pw-1234567",
            location_id="L1",
        ),
        "quickbooks": QuickBooksConnection(
            tenant=tenant, realm_id=realm, company_name=f"{marker} Books", access_token="a", refresh_token="r"
        ),
        "entity_links": EntityLink(
            tenant=tenant, realm_id=realm, entity_type="supplier", openboxes_id=f"s-{marker}", qbo_id="56"
        ),
        "watermarks": Watermark(tenant=tenant, entity_type="product", position=f"{marker}-pos"),
        "runs": SyncRun(tenant=tenant, trigger="manual", fetched=3),
        "activity": SyncActivity(
            tenant=tenant,
            entity_type="purchase_order",
            openboxes_id=f"po-{marker}",
            openboxes_number=f"{marker}-PO-1",
            version="v1",
            status="sync_failed",
            attempts=4,
            message=f"{marker} failure",
            amount=Decimal("12.50"),
        ),
        "audit": AuditEvent(tenant=tenant, action="mapping.saved", details={"marker": marker}),
    }
    db.session.add_all(rows.values())
    return rows
