"""The reconciliation report: OpenBoxes (our activity rows) against QuickBooks, per entity and period.

QuickBooks is read sparingly, as reads are billed: one query per entity per period (paged with
STARTPOSITION/MAXRESULTS), its answer cached per tenant and realm in Redis for ``RECON_CACHE_SECONDS``. The
comparison itself is pure (``portal.sync.recon``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.engine.context import load_context
from portal.engine.openboxes import openboxes_client
from portal.extensions import db
from portal.models import ProductLink, QuickBooksConnection, SyncActivity, Tenant
from portal.models.base import utcnow
from portal.redis_conn import get_redis
from portal.sync.dates import local_date
from portal.sync.entities import entity_label
from portal.sync.errors import SyncError
from portal.sync.identity import parse_marker
from portal.sync.money import CENT, to_decimal
from portal.sync.recon import (
    DOCUMENT_ENTITIES,
    BooksDoc,
    BooksItem,
    EntityRecon,
    LinkedProduct,
    OnHandRecon,
    Period,
    RecordRow,
    amount_refs,
    compare,
    compare_on_hand,
    document_date,
    inventory_links,
    mapped_amount,
)
from portal.sync.recon import period_of as make_period
from portal.sync.refs import Refs

RECON_CACHE_SECONDS = 900
PAGE_SIZE = 1000
# Rows first seen this long before the period can still hold a document dated in it only if OpenBoxes
# dated it later than we saw it: not expected, so older rows are not read.
LOOKBACK = timedelta(days=2)
# OpenBoxes 0.9 documents no route for the stock of many products at a location: one read per linked
# inventory product, at most this many per report (the rest are shown as not read).
MAX_ON_HAND_READS = 200
ITEM_FIELDS = "Id, Name, Sku, QtyOnHand, Type"


@dataclass
class ReconReport:
    """One tenant, one period: a line per document entity; ``error`` when QuickBooks could not be read."""

    tenant: Tenant
    period: Period
    lines: list[EntityRecon] = field(default_factory=list)
    error: str | None = None
    quickbooks_queries: int = 0
    on_hand: OnHandRecon = field(default_factory=OnHandRecon)
    on_hand_error: str | None = None
    on_hand_capped: int = 0  # linked inventory products past MAX_ON_HAND_READS, not read

    @property
    def differences(self) -> int:
        """How many records or documents differ, over every entity."""
        return sum(len(line.explanations) for line in self.lines)


def books_entity(tenant: Tenant, entity: str) -> str:
    """The QuickBooks document an entity becomes for this tenant."""
    return {"purchase_order": tenant.po_target, "shipment": tenant.shipment_target}.get(entity, "JournalEntry")


def period_for(tenant: Tenant, kind: str, day: date | None = None) -> Period:
    """The period of ``kind`` holding ``day`` (today in the tenant's zone when not given)."""
    return make_period(kind, day or local_date(utcnow(), tenant.timezone or "UTC"))


def reconcile(tenant: Tenant, period: Period) -> ReconReport:
    """Both sides of every document entity of the tenant in ``period``."""
    report = ReconReport(tenant, period)
    records = openboxes_records(tenant, period)
    try:
        ctx = load_context(tenant.id)
    except SyncError as error:
        report.error = str(error)
        ctx = None
    for entity in DOCUMENT_ENTITIES:
        target = books_entity(tenant, entity)
        docs: list[BooksDoc] = []
        if ctx is not None and report.error is None:
            try:
                docs = quickbooks_documents(ctx.client, target, entity, period, report)
            except SyncError as error:
                report.error = f"QuickBooks could not be read: {error}"
        report.lines.append(compare(entity, target, records.get(entity, []), docs))
    if ctx is not None and report.error is None:
        report.on_hand = items_on_hand(tenant, ctx.client, report)
    return report


def items_on_hand(tenant: Tenant, client, report: ReconReport) -> OnHandRecon:
    """Each product linked to a QuickBooks inventory item: on hand at the facility now, on both sides."""
    try:
        books = quickbooks_items(client, report)
    except SyncError as error:
        report.on_hand_error = f"QuickBooks items could not be read: {error}"
        return OnHandRecon()
    query = select(ProductLink).filter_by(tenant_id=tenant.id, realm_id=client.realm_id).order_by(ProductLink.id)
    links = [
        LinkedProduct(link.openboxes_product_id, link.product_code or link.product_name or "", link.qbo_item_id)
        for link in db.session.scalars(query)
    ]
    tracked, _ = inventory_links(links, books)
    report.on_hand_capped = max(0, len(tracked) - MAX_ON_HAND_READS)
    quantities = openboxes_on_hand(tenant, client.realm_id, tracked[:MAX_ON_HAND_READS], report)
    return compare_on_hand(links, quantities, books)


def quickbooks_items(client, report: ReconReport) -> dict[str, BooksItem]:
    """The company's inventory items by id: from the tenant's cache, else one paged query of a few fields."""
    key, redis = f"{cache_prefix(report.tenant.id, client.realm_id)}items", get_redis()
    cached = redis.get(key)
    if cached is not None:
        rows = json.loads(cached)
    else:
        found = client.query_all("Item", "Type = 'Inventory'", page_size=PAGE_SIZE, fields=ITEM_FIELDS)
        rows = [[str(x["Id"]), x.get("Name") or "", str(x.get("QtyOnHand") or 0)] for x in found]
        report.quickbooks_queries += 1
        redis.set(key, json.dumps(rows), ex=RECON_CACHE_SECONDS)
    return {qbo_id: BooksItem(qbo_id, name, to_decimal(qty) or Decimal(0)) for qbo_id, name, qty in rows}


def openboxes_on_hand(tenant: Tenant, realm: str, links: list[LinkedProduct], report: ReconReport) -> dict:
    """On hand at the tenant's facility per product id (cached with the QuickBooks answers); None where unread."""
    key, redis = f"{cache_prefix(tenant.id, realm)}onhand", get_redis()
    cached = json.loads(redis.get(key) or "{}")
    missing = [link.product_id for link in links if link.product_id not in cached]
    if missing:
        try:
            with openboxes_client(tenant.id) as client:
                for product_id in missing:
                    cached[product_id] = str(client.quantity_on_hand(product_id))
        except SyncError as error:
            report.on_hand_error = f"OpenBoxes on hand could not be read: {error}"
        redis.set(key, json.dumps(cached), ex=RECON_CACHE_SECONDS)
    return {product_id: Decimal(value) for product_id, value in cached.items()}


def openboxes_records(tenant: Tenant, period: Period) -> dict[str, list[RecordRow]]:
    """The newest row of each OpenBoxes record whose document date falls in ``period``, by entity."""
    since = datetime.combine(period.start, time(), tzinfo=UTC) - LOOKBACK
    query = (
        select(SyncActivity)
        .where(SyncActivity.tenant_id == tenant.id, SyncActivity.entity_type.in_(DOCUMENT_ENTITIES))
        .where(SyncActivity.updated_at >= since)
        .order_by(SyncActivity.id)
    )
    newest: dict[tuple[str, str], SyncActivity] = {}
    for row in db.session.scalars(query):
        newest[(row.entity_type, row.openboxes_id)] = row
    found: dict[str, list[RecordRow]] = {}
    refs = amount_refs(_company_refs(tenant))
    for (entity, _), row in newest.items():
        if period.contains(document_date(entity, row.snapshot, tenant.timezone or "UTC")):
            found.setdefault(entity, []).append(_record(row, refs))
    return found


def _company_refs(tenant: Tenant) -> Refs:
    connection = db.session.scalar(select(QuickBooksConnection).filter_by(tenant_id=tenant.id))
    return Refs(
        plan=(connection.plan if connection else None) or "Plus",
        home_currency=(connection.home_currency if connection else None) or "USD",
        multicurrency=bool(connection and connection.multicurrency),
        po_target=tenant.po_target,
        shipment_target=tenant.shipment_target,
        timezone=tenant.timezone or "UTC",
    )


def _record(row: SyncActivity, refs: Refs) -> RecordRow:
    """The row as the report sees it; a row not pushed yet gets the total its document would carry."""
    amount = row.amount if row.amount is not None else mapped_amount(row.entity_type, row.snapshot, refs)
    return RecordRow(row.id, row.openboxes_id, row.openboxes_number, row.status, amount, row.qbo_id, row.message)


def quickbooks_documents(client, target: str, entity: str, period: Period, report: ReconReport) -> list[BooksDoc]:
    """The period's ``target`` documents: from the realm's cache, else one paged query."""
    key = f"{cache_prefix(report.tenant.id, client.realm_id)}{target}:{period.start}:{period.end}"
    redis = get_redis()
    cached = redis.get(key)
    if cached is not None:
        rows = json.loads(cached)
    else:
        where = f"TxnDate >= '{period.start}' AND TxnDate <= '{period.end}'"
        rows = [_compact(doc) for doc in client.query_all(target, where, page_size=PAGE_SIZE)]
        report.quickbooks_queries += 1
        redis.set(key, json.dumps(rows), ex=RECON_CACHE_SECONDS)
    return [_books_doc(row, entity) for row in rows]


def cache_prefix(tenant_id: int, realm: str) -> str:
    """Per tenant and realm, like the item and account lists: a realm's answers are served only to the tenant
    whose own token read them, never to another tenant whose connection merely names the same company."""
    return f"recon:{tenant_id}:{realm}:"


def _compact(doc: dict) -> list:
    return [str(doc["Id"]), str(doc.get("TotalAmt", 0)), doc.get("DocNumber"), doc.get("PrivateNote")]


def _books_doc(row: list, entity: str) -> BooksDoc:
    qbo_id, total, number, note = row
    marker = parse_marker(note)
    ours = marker.openboxes_id if marker is not None and marker.entity == entity else None
    return BooksDoc(qbo_id, (to_decimal(total) or Decimal(0)).quantize(CENT), number, ours)


def forget_cached(tenant: Tenant) -> None:
    """Drop the cached answers of the tenant's QuickBooks company (on request), so the next report reads again."""
    connection = db.session.scalar(select(QuickBooksConnection).filter_by(tenant_id=tenant.id))
    if connection is None:
        return
    redis = get_redis()
    for key in redis.scan_iter(f"{cache_prefix(tenant.id, connection.realm_id)}*"):
        redis.delete(key)


CSV_HEADER = [
    "tenant",
    "period",
    "entity",
    "quickbooks_document",
    "openboxes_count",
    "openboxes_amount",
    "openboxes_without_amount",
    "quickbooks_count",
    "quickbooks_amount",
    "count_difference",
    "amount_difference",
    "explained_by",
]


def report_rows(report: ReconReport, tenant_name: str, row_url) -> list[list]:
    """The report as CSV rows (header first): one per entity, each naming the tenant; ``explained_by`` lists
    reason, record and row address."""
    rows: list[list] = [CSV_HEADER]
    for line in report.lines:
        explained = "; ".join(
            f"{item.reason}: {item.label}" + (f" ({row_url(item.activity_id)})" if item.activity_id else "")
            for item in line.explanations
        )
        rows.append(
            [
                tenant_name,
                f"{report.period.start}..{report.period.end}",
                entity_label(line.entity),
                line.books_entity,
                line.openboxes_count,
                line.openboxes_amount,
                line.unknown_amounts,
                line.quickbooks_count,
                line.quickbooks_amount,
                line.count_difference,
                line.amount_difference,
                explained,
            ]
        )
    return rows


ITEM_CSV_HEADER = [
    "tenant",
    "product",
    "openboxes_product_id",
    "quickbooks_item",
    "quickbooks_item_id",
    "openboxes_on_hand",
    "quickbooks_qty_on_hand",
    "difference",
    "note",
]


def item_rows(report: ReconReport, tenant_name: str) -> list[list]:
    """On hand per linked inventory product as CSV rows (header first); an unread OpenBoxes side is blank.

    With no item to list, one row says why (the report's error, or no link to an inventory item)."""
    rows: list[list] = [ITEM_CSV_HEADER]
    for item in report.on_hand.items:
        link = item.product
        unread = item.openboxes is None
        rows.append(
            [tenant_name, link.label, link.product_id, item.item_name, link.qbo_item_id]
            + ["" if unread else item.openboxes, item.quickbooks, "" if unread else item.difference]
            + ["OpenBoxes on hand not read" if unread else ""]
        )
    if not report.on_hand.items:
        why = report.error or report.on_hand_error or "No product is linked to a QuickBooks inventory item"
        rows.append([tenant_name, "", "", "", "", "", "", "", why])
    return rows
