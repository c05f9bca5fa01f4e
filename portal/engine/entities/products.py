"""Products → Items: how they are polled, read again, and pushed."""

from __future__ import annotations

from decimal import Decimal

from portal.engine import activity
from portal.engine.context import SyncContext
from portal.engine.documents import update_object
from portal.engine.entities.handler import Handler
from portal.engine.entities.shared import PAGE_SIZE, UP_TO_DATE, commit_then_save, scan_pages
from portal.engine.fetch import Fetched, Reading, record_unreadable
from portal.engine.links import find_link, save_link
from portal.engine.named import ensure_item
from portal.engine.openboxes import jsonable
from portal.engine.watermarks import load_state, observed_until
from portal.models import SyncActivity, Tenant
from portal.sync.entities import Entity
from portal.sync.identity import content_hash
from portal.sync.mappers import product_to_item, sparse_update
from portal.sync.snapshots import ProductSnapshot
from portal.sync.watermark import Scan


def poll_products(tenant: Tenant, client, run_id: int) -> list:
    listed_until = observed_until()
    state = load_state(tenant, "product")
    scan = Scan(state, page_size=PAGE_SIZE)
    changes, unreadable = scan_pages(scan, lambda offset: client.products_page(offset=offset), Entity.PRODUCT, run_id)
    rows = record_unreadable(tenant.id, Entity.PRODUCT, unreadable, run_id) + [
        activity.record_version(
            tenant.id,
            "product",
            change.key,
            change.hash,
            number=change.record.get("productCode"),
            label=change.record.get("name"),
            run_id=run_id,
            snapshot=ProductSnapshot(change.record).to_json(),
        )
        for change in changes
    ]
    return commit_then_save(tenant, "product", scan.result(listed_until).to_json(), rows)


def reread_product(tenant: Tenant, client, listed: dict) -> Fetched:
    reading = Reading(Entity.PRODUCT, listed.get("productCode"), str(listed["id"]))
    with reading.step("the product"):
        product = jsonable(client.product(str(listed["id"])))
        snapshot = ProductSnapshot(product).to_json()
        return Fetched(content_hash(product), snapshot, product.get("productCode"), product.get("name"))


def push_product(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
    product = ProductSnapshot.from_json(row.snapshot).product
    link = find_link(ctx.tenant_id, ctx.realm, "product", row.openboxes_id)
    if link is None:
        qbo_id = ensure_item(ctx, product, row.request_generation)
        saved = find_link(ctx.tenant_id, ctx.realm, "product", row.openboxes_id)
        # A dry run never flushes, so the link ensure_item just added is not found: a new item's token is "0".
        written = {"Id": qbo_id, "SyncToken": saved.sync_token if saved is not None else "0"}
    elif link.content_hash == row.version:
        ctx.note(UP_TO_DATE)
        return {"Id": link.qbo_id}, None
    else:
        mapped = product_to_item(product, ctx.refs())
        fields = sparse_update(mapped, link.qbo_id, link.sync_token or "0")
        written = update_object(ctx, "Item", link.qbo_id, link.sync_token, fields, row)
    save_link(ctx.tenant_id, ctx.realm, "product", row.openboxes_id, written, row.version)
    return written, None


HANDLER = Handler(poll=poll_products, read=reread_product, push=push_product)
