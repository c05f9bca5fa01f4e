"""Inventory adjustments → JournalEntry: how they are polled, read again, and pushed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from portal.engine.context import SyncContext
from portal.engine.documents import write_document
from portal.engine.entities.handler import Handler
from portal.engine.entities.shared import (
    ProductCache,
    all_pages,
    commit_then_save,
    product_refs,
    record_fetched,
    record_unread,
)
from portal.engine.fetch import Fetched, Reading, RecordUnreadable, identified, record_unreadable, rejected_rows
from portal.engine.watermarks import load_state, observed_until
from portal.models import SyncActivity, Tenant
from portal.models.base import utcnow
from portal.sync.dates import parse_openboxes_datetime
from portal.sync.documents import adjustment_to_journal_entry
from portal.sync.entities import Entity
from portal.sync.identity import adjustment_key, content_hash
from portal.sync.mappers import Mapped
from portal.sync.snapshots import AdjustmentSnapshot
from portal.sync.watermark import ADJUSTMENT_OVERLAP, Scan


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
    listed, rejected = all_pages(lambda offset: client.adjustments_page(start=start, end=utcnow(), offset=offset))
    rows = identified(listed, Entity.ADJUSTMENT, run_id, key=lambda row: _adjustment_time(row) and _adjustment_key(row))
    scan = _adjustment_scan(state, len(rows) + 1)  # the date range is the bound: one "page" of everything
    products = ProductCache(client)
    recorded = [_record_adjustment(tenant, change, products, run_id) for change in scan.feed(rows)]
    unreadable = rejected_rows(rejected, Entity.ADJUSTMENT, run_id, key=_adjustment_key)
    recorded += record_unreadable(tenant.id, Entity.ADJUSTMENT, unreadable, run_id)
    return commit_then_save(tenant, "adjustment", scan.result(listed_until).to_json(), recorded)


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
        return record_unread(tenant, Entity.ADJUSTMENT, row, failure, run_id, key=change.key, number=number)
    return record_fetched(tenant, Entity.ADJUSTMENT, change.key, fetched, run_id)


def read_adjustment(row: dict, products: ProductCache) -> Fetched:
    """A report row with its product read; RecordUnreadable naming the failing step."""
    number = (row.get("transaction") or {}).get("transactionNumber")
    reading = Reading(Entity.ADJUSTMENT, number, _adjustment_key(row))
    found = products.read(reading, product_refs([row["product"]]))
    product = found[str(row["product"]["id"])]
    with reading.step("the adjustment"):
        snapshot = AdjustmentSnapshot(row=row, product=product).to_json()
        return Fetched(content_hash(row), snapshot, number, product.get("name"))


def reread_adjustment(tenant: Tenant, client, listed: dict) -> Fetched:
    return read_adjustment(listed, ProductCache(client))


def prepare_adjustment(ctx: SyncContext, row: SyncActivity) -> Mapped:
    snap = AdjustmentSnapshot.from_json(row.snapshot)
    return adjustment_to_journal_entry(snap.row, snap.product.get("pricePerUnit"), ctx.refs(), version=row.version)


def push_adjustment(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
    mapped = prepare_adjustment(ctx, row)
    return write_document(ctx, row, mapped), mapped.amount


HANDLER = Handler(poll=poll_adjustments, read=reread_adjustment, push=push_adjustment, prepare=prepare_adjustment)
