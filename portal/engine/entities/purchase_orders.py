"""Approved purchase orders → PurchaseOrder or Bill: how they are polled, read again, and pushed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal.clients.openboxes import APPROVED_PO_STATUSES
from portal.engine.context import SyncContext
from portal.engine.documents import write_document
from portal.engine.entities.handler import Handler
from portal.engine.entities.shared import (
    ProductCache,
    all_pages,
    commit_then_save,
    ensure_items,
    first_seen,
    has_version,
    product_refs,
    record_fetched,
    record_unread,
)
from portal.engine.fetch import (
    Fetched,
    Reading,
    RecordUnreadable,
    Unreadable,
    identified,
    record_unreadable,
    rejected_rows,
)
from portal.engine.named import ensure_named
from portal.engine.openboxes import jsonable
from portal.engine.watermarks import load_raw, save_state
from portal.extensions import db
from portal.models import SyncActivity, Tenant
from portal.models.base import utcnow
from portal.sync.dates import parse_openboxes_datetime, purchase_order_dated_at
from portal.sync.documents import check_purchase_order, purchase_order_to_qbo
from portal.sync.entities import Entity
from portal.sync.identity import PO_ROW_VOLATILE, content_hash
from portal.sync.mappers import Mapped, supplier_to_vendor
from portal.sync.money import exchange_rate_from_totals
from portal.sync.receipts import as_placed
from portal.sync.refs import vendor_key
from portal.sync.snapshots import PurchaseOrderSnapshot
from portal.sync.watermark import PO_RESCAN_DAYS, diff_window


def _approved_orders(client, run_id: int | None, since: date | None = None) -> tuple[list[dict], dict[str, Unreadable]]:
    """The approved orders listed, and those listed but unreadable (by id): both take part in the diff.

    The window is the last ``PO_RESCAN_DAYS`` days, or from ``since`` (a pending history import) when earlier.
    """
    today = utcnow().date()
    start = min(today - timedelta(days=PO_RESCAN_DAYS), since or today)

    def fetch(offset):
        return client.purchase_orders_page(
            offset=offset,
            statuses=APPROVED_PO_STATUSES,
            ordered_from=start,
            ordered_through=today + timedelta(days=1),
        )

    records, rejected = all_pages(fetch)
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
    kept = {key: value for key, value in load_raw(tenant, "purchase_order").items() if key == "history_until"}
    save_state(tenant, "purchase_order", {"hashes": diff.hashes, "baseline_done": True, **kept})
    db.session.commit()
    return len(diff.hashes)


def poll_purchase_orders(tenant: Tenant, client, run_id: int) -> list:
    """Re-scan approved orders of the last 90 days; push those that are new or changed since the last poll.

    Without a baseline (it could not be taken when syncing was enabled), orders dated before the day
    syncing was enabled are taken as already approved then.
    """
    stored = load_raw(tenant, "purchase_order")
    since = date.fromisoformat(stored["history_from"]) if stored.get("history_from") else None
    listed, unreadable = _approved_orders(client, run_id, since)
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
    kept = {"history_until": stored["history_until"]} if stored.get("history_until") else {}
    return commit_then_save(tenant, "purchase_order", {"hashes": diff.hashes, "baseline_done": True, **kept}, rows)


def _ordered_before_enabling(row: dict, tenant: Tenant) -> bool:
    ordered = parse_openboxes_datetime(row.get("dateOrdered"))
    enabled = tenant.sync_enabled_at
    return enabled is not None and (ordered is None or ordered.date() < enabled.date())


def _record_purchase_order(tenant: Tenant, client, listed: dict, products: ProductCache, run_id: int):
    try:
        fetched = read_purchase_order(tenant, client, listed, products)
    except RecordUnreadable as failure:
        shown = {"number": listed.get("orderNumber"), "label": listed.get("origin")}
        return record_unread(tenant, Entity.PURCHASE_ORDER, listed, failure, run_id, **shown)
    if has_version(tenant.id, "purchase_order", listed["id"], fetched.version):
        return None
    return record_fetched(tenant, Entity.PURCHASE_ORDER, listed["id"], fetched, run_id)


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
    found = products.read(reading, product_refs(line_products))
    with reading.step("the order"):
        origin = order.get("origin") or {}
        snapshot = PurchaseOrderSnapshot(
            order=order,
            items=items,
            organization=origin.get("organization") or {"id": origin.get("id"), "name": origin.get("name")},
            location=origin,
            products=found,
            approved_at=_dated_at(tenant, listed, order["id"]),
            exchange_rate=exchange_rate_from_totals(listed.get("total"), listed.get("totalNormalized")),
            adjustments=adjustments,
        )
        # Adjustments join the version only when there are some: rows stored before they were read keep theirs.
        # Receiving is billed by receipts: the order's version leaves out what receiving changes.
        placed, placed_items = as_placed(order, items)
        version = content_hash(
            {"order": placed, "items": placed_items, **({"adjustments": adjustments} if adjustments else {})}
        )
        return Fetched(version, snapshot.to_json(), order.get("orderNumber"), origin.get("name"))


def _dated_at(tenant: Tenant, listed: dict, order_id: str):
    history_until = parse_openboxes_datetime(load_raw(tenant, "purchase_order").get("history_until"))
    seen = first_seen(tenant.id, Entity.PURCHASE_ORDER, order_id)
    return purchase_order_dated_at(parse_openboxes_datetime(listed.get("dateOrdered")), seen, history_until)


def reread_purchase_order(tenant: Tenant, client, listed: dict) -> Fetched:
    return read_purchase_order(tenant, client, listed, ProductCache(client))


def prepare_purchase_order(ctx: SyncContext, row: SyncActivity) -> Mapped:
    snap = PurchaseOrderSnapshot.from_json(row.snapshot)
    organization, location = snap.organization, snap.location
    home = ctx.connection.home_currency or "USD"
    base = ctx.refs()
    # A value the books cannot take fails here, before a vendor or item is written.
    currency = check_purchase_order(snap.order, snap.items, snap.adjustments, base).currency
    key = vendor_key(str(organization["id"]), currency, home)
    vendor = ensure_named(
        ctx,
        "supplier",
        key,
        lambda clash: supplier_to_vendor(organization, location, base, currency=currency, clash=clash),
        row.request_generation,
    )
    items = ensure_items(ctx, row, list(snap.products.values()))
    refs = ctx.refs(vendors={key: vendor}, items=items)
    return purchase_order_to_qbo(
        snap.order,
        snap.items,
        refs,
        approved_at=snap.approved_at,
        adjustments=snap.adjustments,
        exchange_rate=snap.exchange_rate,
        version=row.version,
    )


def push_purchase_order(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
    mapped = prepare_purchase_order(ctx, row)
    return write_document(ctx, row, mapped), mapped.amount


HANDLER = Handler(
    poll=poll_purchase_orders, read=reread_purchase_order, push=push_purchase_order, prepare=prepare_purchase_order
)
