"""Opening stock at setup: the preview (what it will book, to which account), turning it on or off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from portal.audit import record_event
from portal.engine.context import account_label
from portal.engine.openboxes import openboxes_client
from portal.engine.opening import read_opening, take_opening
from portal.extensions import db
from portal.models import AccountMapping, Tenant
from portal.models.base import utcnow
from portal.sync.dates import zone
from portal.sync.opening import opening_value


@dataclass(frozen=True)
class OpeningPreview:
    """What turning opening stock on books: as of ``start``, ``items`` items worth ``total`` to ``account``."""

    start: datetime
    items: int
    total: Decimal
    account: str
    unpriced: tuple[str, ...]


def _asset_account(tenant_id: int) -> str:
    mapping = db.session.scalar(select(AccountMapping).filter_by(tenant_id=tenant_id, role="inventory_asset"))
    if mapping is None:
        raise ValueError("Map the Inventory asset account first (Settings › Account mappings)")
    return account_label(mapping)


def preview_opening(tenant_id: int) -> OpeningPreview:
    """Read OpenBoxes once (on hand per product, receipts and shipments since the start) and value it.

    Raises:
        ValueError: No inventory asset account is mapped.
        SyncError: OpenBoxes could not be read.
    """
    tenant = db.session.get(Tenant, tenant_id)
    account = _asset_account(tenant_id)
    start = tenant.sync_enabled_at or utcnow()
    with openboxes_client(tenant_id) as client:
        stock, products = read_opening(client, start, tenant.po_target)
    value = opening_value(stock, products)
    return OpeningPreview(start, value.items, value.total, account, value.unpriced)


def opening_lines(tenant_id: int, preview: OpeningPreview) -> list[str]:
    """What confirming does, in the words of the confirmation page."""
    tenant = db.session.get(Tenant, tenant_id)
    local = preview.start.astimezone(zone(tenant.timezone or "UTC"))
    lines = [
        f"Each inventory item the bridge creates in QuickBooks from now on starts with OpenBoxes' quantity on hand "
        f"on {local:%Y-%m-%d %H:%M} ({tenant.timezone or 'UTC'}), net of the receipts and shipments since then "
        "that the bridge sends itself.",
        f"{preview.items} item(s) have stock then, worth {preview.total:,.2f} at their price per unit: QuickBooks "
        f"books it to {preview.account}, against Opening Balance Equity.",
        "Items already in QuickBooks keep their quantity; so does every item when you turn this off again.",
    ]
    if preview.unpriced:
        lines.append(f"Without a price per unit (valued at 0): {', '.join(preview.unpriced[:10])}.")
    return lines


def set_opening_stock(tenant_id: int, on: bool) -> None:
    """Turn opening stock on (taking the baseline now when syncing is enabled, else at Start syncing) or off."""
    tenant = db.session.get(Tenant, tenant_id)
    tenant.opening_stock = on
    if on and tenant.sync_enabled_at is not None:
        with openboxes_client(tenant_id) as client:
            take_opening(tenant, client)
    record_event("sync.opening_stock", tenant=tenant, details={"on": on})
    db.session.commit()
