"""Polling the three document streams: purchase orders, outbound shipments and adjustments."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.clients.openboxes import APPROVED_PO_STATUSES, SHIPPED_STATUSES
from portal.engine import activity
from portal.engine.fetch import (
    CONNECTION_ERRORS,
    Fetched,
    Reading,
    RecordUnreadable,
    Unreadable,
    identified,
    record_failure,
    record_unreadable,
    rejected_rows,
)
from portal.engine.openboxes import jsonable
from portal.engine.watermarks import load_raw, load_state, observed_until, save_state
from portal.extensions import db
from portal.models import SyncActivity, Tenant
from portal.models.base import utcnow
from portal.sync.dates import parse_openboxes_datetime
from portal.sync.entities import Entity
from portal.sync.errors import SyncError
from portal.sync.identity import PO_ROW_VOLATILE, adjustment_key, content_hash
from portal.sync.money import exchange_rate_from_totals
from portal.sync.snapshots import AdjustmentSnapshot, PurchaseOrderSnapshot, ShipmentSnapshot
from portal.sync.watermark import ADJUSTMENT_OVERLAP, PO_RESCAN_DAYS, Scan, diff_window

PAGE_SIZE = 100


def _all_pages(fetch) -> tuple[list[dict], list]:
    """Every page's records, and the rows the client could not read (``Page.rejected``)."""
    records, rejected, offset = [], [], 0
    while offset is not None:
        page = fetch(offset)
        records += [jsonable(record) for record in page.records]
        rejected += page.rejected
        offset = page.next_offset
    return records, rejected


class ProductCache:
    """Products read once per poll (documents need their price and item details); a failed read too."""

    def __init__(self, client) -> None:
        self.client, self.products = client, {}

    def get(self, product_id: str) -> dict:
        if product_id not in self.products:
            try:
                self.products[product_id] = jsonable(self.client.product(product_id))
            except CONNECTION_ERRORS:
                raise
            except SyncError as error:
                self.products[product_id] = error
        found = self.products[product_id]
        if isinstance(found, SyncError):
            raise found
        return found

    def read(self, reading: Reading, refs: dict[str, str | None]) -> dict[str, dict]:
        """The products ``{id: code}`` of one record, each read as a step of ``reading``."""
        found = {}
        for product_id in sorted(pid for pid in refs if pid):
            with reading.step(f"its product {refs[product_id] or product_id}"):
                found[product_id] = self.get(product_id)
        return found


def _product_refs(products: list) -> dict[str, str | None]:
    """``{id: productCode}`` of the product objects named by a record's lines."""
    return {str(p["id"]): p.get("productCode") for p in products if isinstance(p, dict) and p.get("id")}


def _commit_then_save(tenant: Tenant, entity: str, state: dict, rows: list) -> list:
    db.session.commit()
    save_state(tenant, entity, state)
    db.session.commit()
    return [row for row in rows if row is not None]


# --- purchase orders ----------------------------------------------------------------------------


def _approved_orders(client, run_id: int | None) -> tuple[list[dict], dict[str, Unreadable]]:
    """The approved orders listed, and those listed but unreadable (by id): both take part in the diff."""
    today = utcnow().date()

    def fetch(offset):
        return client.purchase_orders_page(
            offset=offset,
            statuses=APPROVED_PO_STATUSES,
            ordered_from=today - timedelta(days=PO_RESCAN_DAYS),
            ordered_through=today + timedelta(days=1),
        )

    records, rejected = _all_pages(fetch)
    unreadable = {item.key: item for item in rejected_rows(rejected, Entity.PURCHASE_ORDER, run_id)}
    listed = identified(records, Entity.PURCHASE_ORDER, run_id) + [item.record for item in unreadable.values()]
    return listed, unreadable


def _diff_orders(listed: list[dict], previous: dict):
    fingerprint = lambda row: content_hash(row, PO_ROW_VOLATILE)  # noqa: E731
    return diff_window(listed, previous, fingerprint=fingerprint, observed_at=utcnow())


def take_po_baseline(tenant: Tenant, client) -> int:
    """Remember the orders approved right now, so they are never pushed (syncing starts after them).

    OpenBoxes does not expose when an order was approved; this snapshot, taken when syncing is
    enabled, is what tells "approved before" from "approved after".
    """
    diff = _diff_orders(_approved_orders(client, None)[0], {})
    save_state(tenant, "purchase_order", {"hashes": diff.hashes, "baseline_done": True})
    db.session.commit()
    return len(diff.hashes)


def poll_purchase_orders(tenant: Tenant, client, run_id: int) -> list:
    """Re-scan approved orders of the last 90 days; push those that are new or changed since the last poll.

    Without a baseline (it could not be taken when syncing was enabled), orders dated before the day
    syncing was enabled are taken as already approved then.
    """
    stored = load_raw(tenant, "purchase_order")
    listed, unreadable = _approved_orders(client, run_id)
    diff = _diff_orders(listed, stored.get("hashes", {}))
    baseline = not stored.get("baseline_done")
    products = ProductCache(client)
    rows = [
        record_unreadable(tenant.id, Entity.PURCHASE_ORDER, [unreadable[change.key]], run_id)
        if change.key in unreadable
        else [_record_purchase_order(tenant, client, change.record, products, run_id)]
        for change in diff.changes
        if not (baseline and _ordered_before_enabling(change.record, tenant))
    ]
    rows = [row for found in rows for row in found]
    return _commit_then_save(tenant, "purchase_order", {"hashes": diff.hashes, "baseline_done": True}, rows)


def _ordered_before_enabling(row: dict, tenant: Tenant) -> bool:
    ordered = parse_openboxes_datetime(row.get("dateOrdered"))
    enabled = tenant.sync_enabled_at
    return enabled is not None and (ordered is None or ordered.date() < enabled.date())


def _record_purchase_order(tenant: Tenant, client, listed: dict, products: ProductCache, run_id: int):
    try:
        fetched = read_purchase_order(tenant, client, listed, products)
    except RecordUnreadable as failure:
        shown = {"number": listed.get("orderNumber"), "label": listed.get("origin")}
        return _record_failure(tenant, Entity.PURCHASE_ORDER, listed, failure, run_id, **shown)
    if _has_version(tenant.id, "purchase_order", listed["id"], fetched.version):
        return None
    return _record_fetched(tenant, Entity.PURCHASE_ORDER, listed["id"], fetched, run_id)


def read_purchase_order(tenant: Tenant, client, listed: dict, products: ProductCache) -> Fetched:
    """An approved order read in full (detail, lines, their products); RecordUnreadable naming the failing step."""
    reading = Reading(Entity.PURCHASE_ORDER, listed.get("orderNumber"), listed["id"])
    with reading.step("the order"):
        order = jsonable(client.purchase_order(listed["id"]))
    with reading.step("its lines"):
        items = jsonable(client.purchase_order_items(listed["id"]))
        line_products = [item.get("product") for item in items]
    with reading.step("its adjustments"):
        adjustments = jsonable(client.purchase_order_adjustments(listed["id"]))
    found = products.read(reading, _product_refs(line_products))
    with reading.step("the order"):
        origin = order.get("origin") or {}
        snapshot = PurchaseOrderSnapshot(
            order=order,
            items=items,
            organization=origin.get("organization") or {"id": origin.get("id"), "name": origin.get("name")},
            location=origin,
            products=found,
            approved_at=_first_seen(tenant.id, Entity.PURCHASE_ORDER, order["id"]),
            exchange_rate=exchange_rate_from_totals(listed.get("total"), listed.get("totalNormalized")),
            adjustments=adjustments,
        )
        # Adjustments join the version only when there are some: rows stored before they were read keep theirs.
        version = content_hash(
            {"order": order, "items": items, **({"adjustments": adjustments} if adjustments else {})}
        )
        return Fetched(version, snapshot.to_json(), order.get("orderNumber"), origin.get("name"))


def _record_fetched(tenant: Tenant, entity: Entity, openboxes_id: str, fetched: Fetched, run_id: int):
    return activity.record_version(
        tenant.id,
        entity.value,
        openboxes_id,
        fetched.version,
        number=fetched.number,
        label=fetched.label,
        run_id=run_id,
        snapshot=fetched.snapshot,
    )


def _record_failure(tenant: Tenant, entity: Entity, listed: dict, failure, run_id: int, key=None, **shown):
    return record_failure(tenant.id, entity.value, key or str(listed["id"]), listed, failure, run_id=run_id, **shown)


def _has_version(tenant_id: int, entity: str, openboxes_id: str, version: str) -> bool:
    query = select(SyncActivity.id).filter_by(
        tenant_id=tenant_id, entity_type=entity, openboxes_id=openboxes_id, version=version
    )
    return db.session.scalar(query) is not None


def _first_seen(tenant_id: int, entity: str, openboxes_id: str) -> datetime:
    """When we first saw this record approved: the earliest activity row, else now.

    OpenBoxes does not expose ``dateApproved``, so the approval date is the poll that first saw it.
    """
    query = select(func.min(SyncActivity.created_at)).filter_by(
        tenant_id=tenant_id, entity_type=entity, openboxes_id=openboxes_id
    )
    first = db.session.scalar(query)
    return first or utcnow()


# --- outbound shipments -------------------------------------------------------------------------


def poll_shipments(tenant: Tenant, client, run_id: int) -> list:
    """Shipped outbound movements newest first, each exported once, when first seen shipped.

    Paging stops at a page holding no unseen shipment, or at one changed before syncing was enabled
    (the list is sorted by lastUpdated, so everything after it is older still).
    """
    products, rows, offset = ProductCache(client), [], 0
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
                rows.append(_record_failure(tenant, Entity.SHIPMENT, listed, failure, run_id, **_shown(listed)))
                continue
            if before_enabling(tenant, movement):
                return _commit_then_save(tenant, "shipment", {"checked_at": utcnow().isoformat()}, rows)
            rows.append(_record_shipment(tenant, client, listed, movement, products, run_id))
        offset = page.next_offset if unseen or fresh else None
    return _commit_then_save(tenant, "shipment", {"checked_at": utcnow().isoformat()}, rows)


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
        return _record_failure(tenant, Entity.SHIPMENT, listed, failure, run_id, **_shown(listed))
    return _record_fetched(tenant, Entity.SHIPMENT, listed["id"], fetched, run_id)


def read_shipment(client, listed: dict, movement: dict, products: ProductCache) -> Fetched:
    """A shipped movement read in full: its shipment and products; RecordUnreadable naming the failing step."""
    reading = Reading(Entity.SHIPMENT, listed.get("identifier"), listed["id"])
    with reading.step("its shipment"):
        shipment_id = ((movement.get("associations") or {}).get("shipment") or {}).get("id")
        shipment = jsonable(client.shipment(shipment_id)) if shipment_id else {}
        line_products = [line.get("product") for line in movement.get("lineItems") or []]
        line_products += [_shipment_item_product(entry) for entry in shipment.get("shipmentItems") or []]
    found = products.read(reading, _product_refs(line_products))
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


# --- adjustments --------------------------------------------------------------------------------


def _adjustment_key(row: dict) -> str:
    if not row["product"]["id"]:
        raise KeyError("id")
    return adjustment_key(str((row.get("transaction") or {}).get("transactionNumber")), str(row["product"]["id"]))


def _adjustment_time(row: dict) -> datetime:
    return parse_openboxes_datetime(row.get("dateRecorded") or row.get("transactionDate"))


def poll_adjustments(tenant: Tenant, client, run_id: int) -> list:
    """The adjustments report from the watermark (minus a generous overlap: backdating) to now."""
    listed_until = observed_until()
    state = load_state(tenant, "adjustment")
    start = _adjustment_scan(state, 2).cutoff or tenant.sync_enabled_at or utcnow()
    listed, rejected = _all_pages(lambda offset: client.adjustments_page(start=start, end=utcnow(), offset=offset))
    rows = identified(listed, Entity.ADJUSTMENT, run_id, key=lambda row: _adjustment_time(row) and _adjustment_key(row))
    scan = _adjustment_scan(state, len(rows) + 1)  # the date range is the bound: one "page" of everything
    products = ProductCache(client)
    recorded = [_record_adjustment(tenant, change, products, run_id) for change in scan.feed(rows)]
    unreadable = rejected_rows(rejected, Entity.ADJUSTMENT, run_id, key=_adjustment_key)
    recorded += record_unreadable(tenant.id, Entity.ADJUSTMENT, unreadable, run_id)
    return _commit_then_save(tenant, "adjustment", scan.result(listed_until).to_json(), recorded)


def _adjustment_scan(state, page_size: int) -> Scan:
    return Scan(
        state,
        page_size=page_size,
        overlap=ADJUSTMENT_OVERLAP,
        overlap_rows=0,
        key=_adjustment_key,
        updated_at=_adjustment_time,
    )


def _record_adjustment(tenant: Tenant, change, products: ProductCache, run_id: int):
    row = change.record
    try:
        fetched = read_adjustment(row, products)
    except RecordUnreadable as failure:
        number = (row.get("transaction") or {}).get("transactionNumber")
        return _record_failure(tenant, Entity.ADJUSTMENT, row, failure, run_id, key=change.key, number=number)
    return _record_fetched(tenant, Entity.ADJUSTMENT, change.key, fetched, run_id)


def read_adjustment(row: dict, products: ProductCache) -> Fetched:
    """A report row with its product read; RecordUnreadable naming the failing step."""
    number = (row.get("transaction") or {}).get("transactionNumber")
    reading = Reading(Entity.ADJUSTMENT, number, _adjustment_key(row))
    found = products.read(reading, _product_refs([row["product"]]))
    product = found[str(row["product"]["id"])]
    with reading.step("the adjustment"):
        snapshot = AdjustmentSnapshot(row=row, product=product).to_json()
        return Fetched(content_hash(row), snapshot, number, product.get("name"))
