"""Inbound receipts of purchase orders → Bills linked to their PurchaseOrders: polled and pushed.

Only orders that became QuickBooks PurchaseOrders get receipt Bills; with the Bill target the order's
own Bill already adds the stock. The watermark remembers, per inbound shipment, the change marker it
was read at and what it had received, so an unchanged shipment is never read again.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.engine import activity
from portal.engine.context import SyncContext
from portal.engine.documents import write_document
from portal.engine.entities.handler import Handler
from portal.engine.entities.shared import commit_then_save
from portal.engine.fetch import Reading, RecordUnreadable, note_on_run
from portal.engine.links import find_link
from portal.engine.named import ensure_item
from portal.engine.openboxes import jsonable
from portal.engine.watermarks import load_raw
from portal.extensions import db
from portal.models import SyncActivity, Tenant
from portal.models.base import utcnow
from portal.sync.dates import parse_openboxes_datetime
from portal.sync.entities import ActivityStatus, Entity, Target
from portal.sync.errors import NotLinked, SkipRecord
from portal.sync.receipts import (
    newly_received,
    quantities_from_json,
    quantities_json,
    receipt_key,
    receipt_to_bill,
    receipt_version,
    shipment_received,
    total_received,
)
from portal.sync.snapshots import ReceiptSnapshot

RECEIPT = Entity.RECEIPT.value


def poll_receipts(tenant: Tenant, client, run_id: int) -> list:
    """Bill what each synced PurchaseOrder received since its last receipt Bill (nothing for the Bill target)."""
    seen = load_raw(tenant, RECEIPT).get("seen", {})
    if tenant.po_target != Target.PURCHASE_ORDER:
        return commit_then_save(tenant, RECEIPT, {"seen": seen}, [])
    changed = _changed_shipments(tenant, client, seen)
    rows = []
    for order_id, listed in changed.items():
        try:
            for row in listed:
                seen[row["id"]] = read_received(client, row)
        except RecordUnreadable as failure:
            note_on_run(run_id, failure.error.message)
            continue
        rows.append(_record_receipt(tenant, order_id, listed[0], seen, run_id))
    return commit_then_save(tenant, RECEIPT, {"seen": seen}, rows)


def _changed_shipments(tenant: Tenant, client, seen: dict) -> dict[str, list[dict]]:
    """Inbound shipments of synced orders changed since last read, by order id, newest change first.

    Paging stops at a page with no changed shipment (the list is sorted by lastUpdated). A shipment of an
    order not synced yet waits in the watermark, so a later poll reads it once the order is synced
    without paging back to it.
    """
    changed: dict[str, list[dict]] = {}
    offset = 0
    while offset is not None:
        page = client.inbound_stock_movements_page(offset=offset)
        rows = [jsonable(row) for row in page.records]
        fresh = [row for row in rows if _marker(row) != (seen.get(row["id"]) or {}).get("at")]
        for row in fresh:
            _sort_shipment(tenant, row, seen, changed)
        offset = page.next_offset if fresh else None
    for entry in list(seen.values()):
        order_id = str((entry.get("waiting") or {}).get("order", {}).get("id") or "")
        listed = {row["id"] for row in changed.get(order_id, [])}
        if order_id and entry["waiting"]["id"] not in listed and _order_synced(tenant, order_id):
            changed.setdefault(order_id, []).append(entry["waiting"])
    return changed


def _sort_shipment(tenant: Tenant, row: dict, seen: dict, changed: dict[str, list[dict]]) -> None:
    """A changed shipment: to read now (its order is synced), to wait for its order, or never billed."""
    order_id = str((row.get("order") or {}).get("id") or "")
    if not order_id:
        seen[row["id"]] = {"at": _marker(row)}  # not a purchase order's shipment (a transfer)
    elif _order_synced(tenant, order_id):
        changed.setdefault(order_id, []).append(row)
    else:
        seen[row["id"]] = {"at": _marker(row), "order": row.get("order"), "waiting": row}


def _marker(row: dict) -> str:
    """What tells a changed shipment: its lastUpdated, else (not in every version's list) its status."""
    return f"{row.get('lastUpdated') or ''}|{row.get('currentStatus') or ''}"


def _order_synced(tenant: Tenant, order_id: str) -> bool:
    query = select(SyncActivity.id).filter_by(
        tenant_id=tenant.id, entity_type="purchase_order", openboxes_id=order_id, status=ActivityStatus.SYNCED
    )
    return db.session.scalar(query.limit(1)) is not None


def read_received(client, row: dict) -> dict:
    """What one inbound shipment has received, with the products named, as the watermark keeps it."""
    order = row.get("order") or {}
    with Reading(Entity.RECEIPT, row.get("identifier"), str(row["id"])).step("its received quantities"):
        partial = jsonable(client.partial_receipt(str(row["id"])))
        received = shipment_received(partial)
        products = {
            str(item["product.id"]): {
                "id": item["product.id"],
                "productCode": item.get("product.productCode"),
                "name": item.get("product.name"),
            }
            for container in partial.get("containers") or []
            for item in container.get("shipmentItems") or []
        }
    return {"at": _marker(row), "order": order, "received": quantities_json(received), "products": products}


def _record_receipt(tenant: Tenant, order_id: str, listed: dict, seen: dict, run_id: int):
    """A receipt row for what the order received since its last one; None when nothing new."""
    shipments = {sid: entry for sid, entry in seen.items() if str((entry.get("order") or {}).get("id")) == order_id}
    received = total_received([quantities_from_json(entry.get("received")) for entry in shipments.values()])
    earlier = _receipt_rows(tenant, order_id)
    billed = quantities_from_json(earlier[-1].snapshot.get("received")) if earlier else {}
    quantities = newly_received(received, billed)
    if not quantities:
        return None
    version = receipt_version(received)
    order = listed.get("order") or {}
    products = {
        pid: p for entry in shipments.values() for pid, p in (entry.get("products") or {}).items() if pid in quantities
    }
    snapshot = ReceiptSnapshot(
        order={"id": order_id, "orderNumber": order.get("orderNumber"), "name": order.get("name")},
        received=quantities_json(received),
        quantities=quantities_json(quantities),
        received_at=parse_openboxes_datetime(listed.get("lastUpdated")) or utcnow(),
        sequence=len(earlier) + 1,
        products=products,
        shipments=sorted(shipments),
    )
    return activity.record_version(
        tenant.id,
        RECEIPT,
        receipt_key(order_id, version),
        version,
        number=f"{order.get('orderNumber') or order_id}-R{snapshot.sequence}",
        label=(listed.get("origin") or {}).get("name"),
        run_id=run_id,
        snapshot=snapshot.to_json(),
    )


def _receipt_rows(tenant: Tenant, order_id: str) -> list[SyncActivity]:
    """The order's receipt rows, oldest first (each holds the cumulative quantities it billed up to)."""
    query = (
        select(SyncActivity)
        .filter_by(tenant_id=tenant.id, entity_type=RECEIPT)
        .filter(SyncActivity.openboxes_id.startswith(f"{order_id}-", autoescape=True))
        .order_by(SyncActivity.id)
    )
    return list(db.session.scalars(query))


def reread_receipt(tenant: Tenant, client, listed: dict):
    """Receipts are never recorded unread (a shipment that cannot be read is read again next poll)."""
    raise SkipRecord("This receipt is read again at the next poll.")


def push_receipt(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
    """The Bill of the received quantities, each line linked to its line of the order's PurchaseOrder."""
    snap = ReceiptSnapshot.from_json(row.snapshot)
    number = snap.order.get("orderNumber") or snap.order["id"]
    link = find_link(ctx.tenant_id, ctx.realm, "purchase_order", str(snap.order["id"]))
    if link is None:
        raise NotLinked(
            f"Receipt {row.openboxes_number}: purchase order {number} is not in QuickBooks: sync it first, then retry"
        )
    purchase_order = ctx.client.read("PurchaseOrder", link.qbo_id)
    quantities: dict[str, Decimal] = {}
    for product_id, quantity in quantities_from_json(snap.quantities).items():
        item = ensure_item(
            ctx, snap.products.get(product_id) or {"id": product_id}, row.request_generation, allow_create=False
        )
        quantities[item] = quantities.get(item, Decimal(0)) + quantity
    mapped = receipt_to_bill(
        purchase_order,
        quantities,
        key=row.openboxes_id,
        number=row.openboxes_number or f"{number}-R{snap.sequence}",
        received_at=snap.received_at,
        timezone=ctx.refs().timezone,
        version=row.version,
    )
    return write_document(ctx, row, mapped), mapped.amount


HANDLER = Handler(poll=poll_receipts, read=reread_receipt, push=push_receipt)
