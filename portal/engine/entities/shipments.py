"""Shipped outbound movements → Invoice or SalesReceipt: how they are polled, read again, and pushed."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.clients.openboxes import SHIPPED_STATUSES
from portal.engine.context import SyncContext
from portal.engine.documents import write_document
from portal.engine.entities.handler import Handler
from portal.engine.entities.shared import (
    ProductCache,
    commit_then_save,
    ensure_items,
    product_refs,
    record_fetched,
    record_unread,
)
from portal.engine.fetch import Fetched, Reading, RecordUnreadable, identified, record_unreadable, rejected_rows
from portal.engine.named import ensure_named
from portal.engine.openboxes import jsonable
from portal.engine.watermarks import load_raw
from portal.extensions import db
from portal.models import SyncActivity, Tenant
from portal.models.base import utcnow
from portal.sync.dates import parse_openboxes_datetime
from portal.sync.documents import shipment_to_qbo
from portal.sync.entities import Entity
from portal.sync.errors import SkipRecord
from portal.sync.identity import content_hash
from portal.sync.mappers import Mapped, destination_to_customer
from portal.sync.snapshots import ShipmentSnapshot


def poll_shipments(tenant: Tenant, client, run_id: int) -> list:
    """Shipped outbound movements newest first, each exported once, when first seen shipped.

    Paging stops at a page holding no unseen shipment, or at one changed before syncing was enabled
    (the list is sorted by lastUpdated, so everything after it is older still). After the start date was
    moved back (a history import), paging goes on past pages of seen shipments, down to the start date.
    """
    products, rows, offset = ProductCache(client), [], 0
    importing = bool(load_raw(tenant, "shipment").get("history_from"))  # page back to the start date
    while offset is not None:
        page = client.outbound_stock_movements_page(offset=offset, receipt_statuses=SHIPPED_STATUSES)
        listed_rows = identified([jsonable(row) for row in page.records], Entity.SHIPMENT, run_id)
        unseen = [row for row in listed_rows if not _shipment_seen(tenant, row["id"])]
        unreadable = rejected_rows(page.rejected, Entity.SHIPMENT, run_id)
        fresh = [item for item in unreadable if not _shipment_seen(tenant, item.key)]
        rows += record_unreadable(tenant.id, Entity.SHIPMENT, fresh, run_id)
        for listed in unseen:
            try:
                movement = read_movement(client, listed)
            except RecordUnreadable as failure:
                rows.append(record_unread(tenant, Entity.SHIPMENT, listed, failure, run_id, **_shown(listed)))
                continue
            if before_enabling(tenant, movement):
                return commit_then_save(tenant, "shipment", {"checked_at": utcnow().isoformat()}, rows)
            rows.append(_record_shipment(tenant, client, listed, movement, products, run_id))
        offset = page.next_offset if unseen or fresh or importing else None
    return commit_then_save(tenant, "shipment", {"checked_at": utcnow().isoformat()}, rows)


def _shown(listed: dict) -> dict:
    return {"number": listed.get("identifier"), "label": (listed.get("destination") or {}).get("name")}


def before_enabling(tenant: Tenant, movement: dict) -> bool:
    updated = parse_openboxes_datetime(movement.get("lastUpdated"))
    return bool(tenant.sync_enabled_at and updated and updated < tenant.sync_enabled_at)


def _shipment_seen(tenant: Tenant, movement_id: str) -> bool:
    query = select(SyncActivity.id).filter_by(tenant_id=tenant.id, entity_type="shipment", openboxes_id=movement_id)
    return db.session.scalar(query.limit(1)) is not None


def read_movement(client, listed: dict) -> dict:
    """The stock movement behind a listed shipment (its lastUpdated and shipment id)."""
    with Reading(Entity.SHIPMENT, listed.get("identifier"), listed["id"]).step("the stock movement"):
        return jsonable(client.stock_movement(listed["id"]))


def _record_shipment(tenant: Tenant, client, listed: dict, movement: dict, products: ProductCache, run_id: int):
    try:
        fetched = read_shipment(client, listed, movement, products)
    except RecordUnreadable as failure:
        return record_unread(tenant, Entity.SHIPMENT, listed, failure, run_id, **_shown(listed))
    return record_fetched(tenant, Entity.SHIPMENT, listed["id"], fetched, run_id)


def read_shipment(client, listed: dict, movement: dict, products: ProductCache) -> Fetched:
    """A shipped movement read in full: its shipment and products; RecordUnreadable naming the failing step."""
    reading = Reading(Entity.SHIPMENT, listed.get("identifier"), listed["id"])
    with reading.step("its shipment"):
        shipment_id = ((movement.get("associations") or {}).get("shipment") or {}).get("id")
        shipment = jsonable(client.shipment(shipment_id)) if shipment_id else {}
        line_products = [line.get("product") for line in movement.get("lineItems") or []]
        line_products += [_shipment_item_product(entry) for entry in shipment.get("shipmentItems") or []]
    found = products.read(reading, product_refs(line_products))
    with reading.step("the stock movement"):
        snapshot = ShipmentSnapshot(
            movement=movement, shipment=shipment, destination=movement.get("destination") or {}, products=found
        )
        return Fetched(
            content_hash({"shipment": movement["id"]}),  # exported once: one version per movement
            snapshot.to_json(),
            movement.get("identifier"),
            (movement.get("destination") or {}).get("name"),
        )


def _shipment_item_product(entry: dict) -> dict:
    return (entry.get("inventoryItem") or {}).get("product") or entry.get("product") or {}


def reread_shipment(tenant: Tenant, client, listed: dict) -> Fetched:
    movement = read_movement(client, listed)
    if before_enabling(tenant, movement):
        raise SkipRecord("This shipment was last changed before syncing was enabled, so it is not exported.")
    return read_shipment(client, listed, movement, ProductCache(client))


def prepare_shipment(ctx: SyncContext, row: SyncActivity) -> Mapped:
    snap = ShipmentSnapshot.from_json(row.snapshot)
    destination = snap.destination
    base = ctx.refs()
    customer = ensure_named(
        ctx,
        "customer",
        str(destination["id"]),
        lambda clash: destination_to_customer(destination, base, clash=clash),
        row.request_generation,
    )
    products = snap.products
    items = ensure_items(ctx, row, list(products.values()))
    refs = ctx.refs(customers={str(destination["id"]): customer}, items=items)
    prices = {pid: product.get("pricePerUnit") for pid, product in products.items()}
    return shipment_to_qbo(snap.movement, snap.shipment, prices, refs, version=row.version)


def push_shipment(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
    mapped = prepare_shipment(ctx, row)
    return write_document(ctx, row, mapped), mapped.amount


HANDLER = Handler(poll=poll_shipments, read=reread_shipment, push=push_shipment, prepare=prepare_shipment)
