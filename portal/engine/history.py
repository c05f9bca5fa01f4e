"""A history import: count what OpenBoxes holds since a start date, and move the watermarks back to it.

Moving back is safe because nothing is pushed twice: a record version has one activity row at most,
and the link ledger turns a record already in QuickBooks into "up to date" (or an update), never a copy.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from portal.clients.openboxes import APPROVED_PO_STATUSES, SHIPPED_STATUSES
from portal.engine.entities.shared import all_pages
from portal.engine.watermarks import load_raw, load_state, save_state
from portal.extensions import db
from portal.models import EntityLink, QuickBooksConnection, SyncActivity, Tenant
from portal.models.base import utcnow
from portal.sync.entities import POLLED
from portal.sync.history import KindCount
from portal.sync.identity import adjustment_key
from portal.sync.watermark import WatermarkState

SCANNED = ("supplier", "product", "adjustment")  # entities whose watermark is a Scan position and floor


def count_since(tenant: Tenant, client, start: datetime) -> tuple[KindCount, ...]:
    """Per kind the tenant syncs: the records since ``start`` in OpenBoxes, and those not linked yet."""
    locations = client.supplier_locations() if tenant.sync_suppliers else {}  # read once, not once per page
    counters: dict[str, Callable[[], list[str]]] = {
        "supplier": lambda: _newest_first(
            lambda offset: client.suppliers_page(offset=offset, locations=locations), start, "lastUpdated"
        ),
        "product": lambda: _newest_first(lambda offset: client.products_page(offset=offset), start, "lastUpdated"),
        "purchase_order": lambda: orders_since(client, start),
        "shipment": lambda: _shipments_since(client, start),
        "adjustment": lambda: _adjustments_since(client, start),
    }
    enabled = [spec.entity.value for spec in POLLED if getattr(tenant, spec.toggle)]
    return tuple(_count(tenant, kind, counters[kind]()) for kind in enabled if kind in counters)


def _count(tenant: Tenant, kind: str, ids: list[str]) -> KindCount:
    linked = linked_ids(tenant, kind)
    unique = set(ids)
    return KindCount(kind, len(unique), len(unique - linked))


def linked_ids(tenant: Tenant, kind: str) -> set[str]:
    realm = db.session.scalar(select(QuickBooksConnection.realm_id).filter_by(tenant_id=tenant.id))
    query = select(EntityLink.openboxes_id).filter_by(tenant_id=tenant.id, realm_id=realm, entity_type=kind)
    return set(db.session.scalars(query))


def _newest_first(fetch, start: datetime, field: str) -> list[str]:
    """Ids of the records at or after ``start`` on pages sorted by ``field`` descending (to the first older one)."""
    ids, offset = [], 0
    while offset is not None:
        page = fetch(offset)
        for record in page.records:
            if record.get(field) is None or record[field] < start:
                return ids
            ids.append(str(record["id"]))
        offset = page.next_offset
    return ids


def listed_orders(client, start: datetime) -> list[dict]:
    """Approved purchase orders ordered since ``start``, as the list answers them."""

    def fetch(offset):
        return client.purchase_orders_page(offset=offset, statuses=APPROVED_PO_STATUSES, ordered_from=start.date())

    return all_pages(fetch)[0]


def orders_since(client, start: datetime) -> list[str]:
    """Ids of the approved purchase orders ordered since ``start``."""
    return [str(order["id"]) for order in listed_orders(client, start)]


def listed_shipments(client, start: datetime) -> list[dict]:
    """Shipped movements created since ``start`` (the list has no shipped date; it stops at a page of older ones)."""
    rows, offset = [], 0
    while offset is not None:
        page = client.outbound_stock_movements_page(offset=offset, receipt_statuses=SHIPPED_STATUSES)
        recent = [row for row in page.records if row.get("dateCreated") and row["dateCreated"] >= start]
        rows += recent
        offset = page.next_offset if recent else None
    return rows


def _shipments_since(client, start: datetime) -> list[str]:
    return [str(row["id"]) for row in listed_shipments(client, start)]


def listed_adjustments(client, start: datetime) -> list[dict]:
    """Rows of the adjustments report from ``start`` to now."""
    return all_pages(lambda offset: client.adjustments_page(start=start, end=utcnow(), offset=offset))[0]


def listed_adjustment_key(row: dict) -> str:
    """The key an adjustment row's activity row carries (transaction number and product)."""
    return adjustment_key(str((row.get("transaction") or {}).get("transactionNumber")), str(row["product"]["id"]))


def _adjustments_since(client, start: datetime) -> list[str]:
    return [listed_adjustment_key(row) for row in listed_adjustments(client, start)]


def move_back(tenant: Tenant, start: datetime) -> None:
    """Make the next poll read everything since ``start`` again (not committed); links dedupe the pushes.

    Scanned entities restart at ``start`` and keep the hashes they saw. Purchase orders forget the
    baseline of orders the bridge never queued, widen their window to ``start`` for one poll, and remember
    when syncing first watched (orders before it keep their own order date). Shipments page back to ``start``.
    """
    watched_since = tenant.sync_enabled_at or utcnow()
    for entity in SCANNED:
        seen = load_state(tenant, entity).seen
        save_state(tenant, entity, WatermarkState(start, start, seen).to_json())
    stored = load_raw(tenant, "purchase_order")
    queued = set(
        db.session.scalars(
            select(SyncActivity.openboxes_id).filter_by(tenant_id=tenant.id, entity_type="purchase_order")
        )
    )
    hashes = {key: value for key, value in (stored.get("hashes") or {}).items() if key in queued}
    until = stored.get("history_until") or watched_since.isoformat()
    save_state(
        tenant, "purchase_order", {"hashes": hashes, "history_from": start.date().isoformat(), "history_until": until}
    )
    save_state(tenant, "shipment", {**load_raw(tenant, "shipment"), "history_from": start.isoformat()})
    tenant.sync_enabled_at = start.astimezone(UTC)
