"""Push one Integration Activity row to QuickBooks and record what happened.

Each entity's pusher maps the row's snapshot (the record as polled) and writes it; dependencies
(vendor, customer, items) are ensured first. ``run_push`` owns the outcome: synced, skipped, retried
with backoff (transient), deferred (throttled), waiting (reconnect) or Sync Failed (permanent).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import select, update

from portal.engine import activity
from portal.engine.context import SyncContext, load_context
from portal.engine.diagnose import explain_failure
from portal.engine.documents import activity_request_id, update_object, write_document
from portal.engine.links import find_link, save_link
from portal.engine.named import ensure_item, ensure_named
from portal.engine.reread import read_again
from portal.extensions import db
from portal.logs import log_context
from portal.models import SyncActivity
from portal.sync.backoff import retry_delay
from portal.sync.documents import (
    adjustment_to_journal_entry,
    check_purchase_order,
    purchase_order_to_qbo,
    shipment_to_qbo,
)
from portal.sync.entities import ActivityStatus, Entity
from portal.sync.errors import (
    AuthExpired,
    Conflict,
    NeedsReconnect,
    SkipRecord,
    SyncError,
    Throttled,
    Transient,
)
from portal.sync.identity import written_fingerprint
from portal.sync.mappers import destination_to_customer, product_to_item, sparse_update, supplier_to_vendor
from portal.sync.refs import vendor_key
from portal.sync.snapshots import (
    AdjustmentSnapshot,
    ProductSnapshot,
    PurchaseOrderSnapshot,
    ShipmentSnapshot,
    SupplierSnapshot,
    UnfetchedSnapshot,
)

UP_TO_DATE = "Already up to date in QuickBooks: nothing to send"


@dataclass
class PushDecision:
    """What ``run_push`` decided: the row's status, and when to try again (seconds) if at all."""

    status: str
    retry_in: float | None = None


# --- name lists ---------------------------------------------------------------------------------


def push_supplier(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
    snap = SupplierSnapshot.from_json(row.snapshot)
    organization, location = snap.organization, snap.location
    refs = ctx.refs()
    return _upsert_named(
        ctx, row, "supplier", lambda clash: supplier_to_vendor(organization, location, refs, clash=clash)
    )


def push_product(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
    product = ProductSnapshot.from_json(row.snapshot).product
    link = find_link(ctx.tenant_id, ctx.realm, "product", row.openboxes_id)
    if link is None:
        qbo_id = ensure_item(ctx, product, row.request_generation)
        written = {
            "Id": qbo_id,
            "SyncToken": find_link(ctx.tenant_id, ctx.realm, "product", row.openboxes_id).sync_token,
        }
    elif link.content_hash == row.version:
        ctx.note(UP_TO_DATE)
        return {"Id": link.qbo_id}, None
    else:
        mapped = product_to_item(product, ctx.refs())
        fields = sparse_update(mapped, link.qbo_id, link.sync_token or "0")
        written = update_object(ctx, "Item", link.qbo_id, link.sync_token, fields, row)
    save_link(ctx.tenant_id, ctx.realm, "product", row.openboxes_id, written, row.version)
    return written, None


def _upsert_named(ctx: SyncContext, row: SyncActivity, entity: str, build) -> tuple[dict, Decimal | None]:
    link = find_link(ctx.tenant_id, ctx.realm, entity, row.openboxes_id)
    if link is None:
        qbo_id = ensure_named(ctx, entity, row.openboxes_id, build, row.request_generation)
        link = find_link(ctx.tenant_id, ctx.realm, entity, row.openboxes_id)
        link.content_hash = row.version
        return {"Id": qbo_id}, None
    if link.content_hash == row.version:
        ctx.note(UP_TO_DATE)
        return {"Id": link.qbo_id}, None
    mapped = build(False)
    if link.content_hash == written_fingerprint(mapped.payload):  # created on demand with this very body
        link.content_hash = row.version
        ctx.note(UP_TO_DATE)
        return {"Id": link.qbo_id}, None
    fields = sparse_update(mapped, link.qbo_id, link.sync_token or "0")
    written = update_object(ctx, mapped.entity, link.qbo_id, link.sync_token, fields, row)
    save_link(ctx.tenant_id, ctx.realm, entity, row.openboxes_id, written, row.version)
    return written, None


# --- transactions -------------------------------------------------------------------------------


def _ensure_items(ctx: SyncContext, row: SyncActivity, products: list[dict]) -> dict[str, str]:
    return {str(product["id"]): ensure_item(ctx, product, row.request_generation) for product in products}


def push_purchase_order(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
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
    items = _ensure_items(ctx, row, list(snap.products.values()))
    refs = ctx.refs(vendors={key: vendor}, items=items)
    mapped = purchase_order_to_qbo(
        snap.order,
        snap.items,
        refs,
        approved_at=snap.approved_at,
        adjustments=snap.adjustments,
        exchange_rate=snap.exchange_rate,
        version=row.version,
    )
    return write_document(ctx, row, mapped), mapped.amount


def push_shipment(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
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
    items = _ensure_items(ctx, row, list(products.values()))
    refs = ctx.refs(customers={str(destination["id"]): customer}, items=items)
    prices = {pid: product.get("pricePerUnit") for pid, product in products.items()}
    mapped = shipment_to_qbo(snap.movement, snap.shipment, prices, refs, version=row.version)
    return write_document(ctx, row, mapped), mapped.amount


def push_adjustment(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
    snap = AdjustmentSnapshot.from_json(row.snapshot)
    mapped = adjustment_to_journal_entry(snap.row, snap.product.get("pricePerUnit"), ctx.refs(), version=row.version)
    return write_document(ctx, row, mapped), mapped.amount


PUSHERS = {
    Entity.SUPPLIER: push_supplier,
    Entity.PRODUCT: push_product,
    Entity.PURCHASE_ORDER: push_purchase_order,
    Entity.SHIPMENT: push_shipment,
    Entity.ADJUSTMENT: push_adjustment,
}


# --- the outcome --------------------------------------------------------------------------------


def claim(activity_id: int) -> SyncActivity | None:
    """Atomically move a queued/retrying row to syncing (one worker wins a double delivery)."""
    claimed = db.session.execute(
        update(SyncActivity)
        .where(SyncActivity.id == activity_id, SyncActivity.status.in_(activity.PENDING))
        .values(status=ActivityStatus.SYNCING, attempts=SyncActivity.attempts + 1, next_attempt_at=None)
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    return db.session.scalar(select(SyncActivity).where(SyncActivity.id == activity_id))


def run_push(activity_id: int) -> PushDecision | None:
    """Push one row; None when the row was not pending (already done, or taken by another worker)."""
    row = claim(activity_id)
    if row is None:
        return None
    with log_context(tenant=row.tenant_id, activity=row.id, entity=row.entity_type):
        return _push_claimed(row, activity_id)


def _push_claimed(row: SyncActivity, activity_id: int) -> PushDecision:
    try:
        if UnfetchedSnapshot.holds(row.snapshot):
            read_again(row)  # OpenBoxes could not serve it when polled: read it now, on this row
        ctx = load_context(row.tenant_id)
        row.realm_id = ctx.realm
        row.request_id = activity_request_id(ctx, row)
        db.session.commit()  # never hold a write transaction open across calls to QuickBooks
        written, amount = PUSHERS[row.entity_type](ctx, row)
        activity.mark_synced(row, str(written["Id"]), "; ".join(ctx.notes) or None)
        if amount is not None:
            row.amount = amount
        outcome = PushDecision(ActivityStatus.SYNCED)
    except SkipRecord as skip:
        activity.mark_skipped(row, skip.reason)
        outcome = PushDecision(ActivityStatus.SKIPPED)
    except SyncError as error:
        db.session.rollback()
        row = db.session.get(SyncActivity, activity_id)
        outcome = handle_failure(row, error)
    activity.log_attempt(row)
    db.session.commit()
    return outcome


def handle_failure(row: SyncActivity, error: SyncError) -> PushDecision:
    """Settle a failed attempt: deferred, waiting, retried with backoff, or Sync Failed."""
    if isinstance(error, Throttled):
        activity.mark_deferred(row, error, activity.due_at(error.retry_after_seconds))
        return PushDecision(row.status, error.retry_after_seconds)
    if isinstance(error, NeedsReconnect):
        activity.mark_waiting_for_reconnect(row, error)
        return PushDecision(row.status)
    if isinstance(error, Transient | AuthExpired | Conflict):
        delay = retry_delay(row.attempts, current_app.config["SYNC_RETRY_DELAYS"])
        if delay is None:
            activity.mark_given_up(row, error)
            return PushDecision(ActivityStatus.SYNC_FAILED)
        activity.mark_retrying(row, error, activity.due_at(delay))
        return PushDecision(ActivityStatus.RETRYING, delay)
    activity.mark_failed(row, explain_failure(row, error))
    return PushDecision(ActivityStatus.SYNC_FAILED)
