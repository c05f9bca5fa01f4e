"""What the entity modules share: paging, the product cache, recording rows, upserting names."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from portal.engine import activity
from portal.engine.context import SyncContext
from portal.engine.documents import update_object
from portal.engine.fetch import (
    CONNECTION_ERRORS,
    Fetched,
    Reading,
    identified,
    record_failure,
    rejected_rows,
    split_dated,
)
from portal.engine.links import find_link, save_link
from portal.engine.named import ensure_item, ensure_named
from portal.engine.openboxes import jsonable
from portal.engine.watermarks import save_state
from portal.extensions import db
from portal.models import SyncActivity, Tenant
from portal.models.base import utcnow
from portal.sync.entities import Entity
from portal.sync.errors import SyncError
from portal.sync.identity import written_fingerprint
from portal.sync.mappers import sparse_update
from portal.sync.watermark import Scan, record_last_updated

PAGE_SIZE = 100


def all_pages(fetch) -> tuple[list[dict], list]:
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


def product_refs(products: list) -> dict[str, str | None]:
    """``{id: productCode}`` of the product objects named by a record's lines."""
    return {str(p["id"]): p.get("productCode") for p in products if isinstance(p, dict) and p.get("id")}


def commit_then_save(tenant: Tenant, entity: str, state: dict, rows: list) -> list:
    """Commit the new rows first; only then move the watermark (a crash in between re-reads, never skips)."""
    db.session.commit()
    save_state(tenant, entity, state)
    db.session.commit()
    return [row for row in rows if row is not None]


def record_fetched(tenant: Tenant, entity: Entity, openboxes_id: str, fetched: Fetched, run_id: int):
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


def record_unread(tenant: Tenant, entity: Entity, listed: dict, failure, run_id: int, key=None, **shown):
    return record_failure(tenant.id, entity.value, key or str(listed["id"]), listed, failure, run_id=run_id, **shown)


def has_version(tenant_id: int, entity: str, openboxes_id: str, version: str) -> bool:
    query = select(SyncActivity.id).filter_by(
        tenant_id=tenant_id, entity_type=entity, openboxes_id=openboxes_id, version=version
    )
    return db.session.scalar(query) is not None


def first_seen(tenant_id: int, entity: str, openboxes_id: str) -> datetime:
    """When we first saw this record approved: the earliest activity row, else now.

    OpenBoxes does not expose ``dateApproved``, so the approval date is the poll that first saw it.
    """
    query = select(func.min(SyncActivity.created_at)).filter_by(
        tenant_id=tenant_id, entity_type=entity, openboxes_id=openboxes_id
    )
    first = db.session.scalar(query)
    return first or utcnow()


def scan_pages(scan: Scan, fetch_page, entity: Entity, run_id: int) -> tuple[list, list]:
    """The changed records, and the listed ones the bridge cannot read (each with its failure)."""
    changes, unreadable = [], []
    while not scan.done:
        page = fetch_page(scan.offset)
        records = identified([jsonable(record) for record in page.records], entity, run_id)
        good, undated = split_dated(records, entity, record_last_updated)
        unreadable += undated + rejected_rows(page.rejected, entity, run_id)
        changes += scan.feed(good, listed=len(page.records) + len(page.rejected))
    return changes, unreadable


UP_TO_DATE = "Already up to date in QuickBooks: nothing to send"


def upsert_named(ctx: SyncContext, row: SyncActivity, entity: str, build) -> tuple[dict, Decimal | None]:
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


def ensure_items(ctx: SyncContext, row: SyncActivity, products: list[dict]) -> dict[str, str]:
    return {str(product["id"]): ensure_item(ctx, product, row.request_generation) for product in products}
