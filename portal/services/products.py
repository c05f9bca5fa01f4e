"""Linking OpenBoxes products to QuickBooks items from the console: match, auto-create, link by hand, unlink.

Every change keeps the two link tables in step: the ledger (``entity_link``, what pushes use) and
``product_link`` (what the console shows). Unlinking removes both, so later pushes follow the tenant's
link mode again (auto-create, or fail with "not linked" in manual mode).

Products are addressed by OpenBoxes id and resolved against the tenant's own product list, so an id
that is not one of the tenant's products is dropped without a word.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from portal.audit import record_event
from portal.engine.context import SyncContext, load_context
from portal.engine.links import save_link, save_product_link
from portal.engine.named import ensure_item
from portal.extensions import db
from portal.models import EntityLink, ProductLink, Tenant
from portal.services.accounts import forget_list
from portal.services.catalogue import ProductRow, filter_rows, link_owners, live_items, product_record, product_rows
from portal.sync.errors import SyncError
from portal.sync.product_links import ItemIndex, find_match

BULK_LIMIT = 200  # products per click: keeps a request well inside the web timeout
BULK_ACTIONS = ("match", "create", "unlink")


class LinkRefused(ValueError):
    """A manual link that cannot be made (unknown item, item linked elsewhere, unknown product)."""


@dataclass
class BulkResult:
    done: int = 0
    problems: list[str] = field(default_factory=list)
    remaining: int = 0


def run_bulk(
    tenant_id: int, action: str, ids: list[str] | None = None, state: str | None = None, search: str | None = None
) -> BulkResult:
    """Apply ``action`` (match, create, unlink) to the given products, or (``ids`` None) to all that match
    the filter; at most BULK_LIMIT at a time."""
    if action not in BULK_ACTIONS:
        raise ValueError(f"unknown product action {action!r}")
    ctx = load_context(tenant_id)
    items = live_items(tenant_id, refresh=action != "unlink", ctx=ctx)
    rows = product_rows(tenant_id, items)
    targets = [rows[pid] for pid in dict.fromkeys(ids) if pid in rows] if ids is not None else None
    targets = filter_rows(targets if targets is not None else rows.values(), state, search)
    wanted = [row for row in targets if bool(row.item_id) == (action == "unlink")]
    outcome = BulkResult(remaining=max(0, len(wanted) - BULK_LIMIT))
    handler = {"match": _match, "create": _create, "unlink": _unlink}[action]
    handler(ctx, wanted[:BULK_LIMIT], items, rows, outcome)
    return outcome


def _match(ctx: SyncContext, targets: list[ProductRow], items: list[dict], rows: dict, outcome: BulkResult) -> None:
    index, owners = ItemIndex(items), link_owners(rows.values())
    for row in targets:
        match = find_match(row.as_product(), index, owners)
        if match.item is None:
            outcome.problems.append(f"{row.label}: {match.conflict or 'no QuickBooks item has its Sku or name'}")
            continue
        _save(ctx, row, match.item, "matched_sku")
        owners.setdefault(match.item["id"], {})[row.product_id] = row.label
        outcome.done += 1
    db.session.commit()


def _create(ctx: SyncContext, targets: list[ProductRow], items: list[dict], rows: dict, outcome: BulkResult) -> None:
    for row in targets:
        try:
            product = product_record(ctx.tenant_id, row.product_id)
            item_id = ensure_item(ctx, product, allow_create=True)
        except SyncError as error:
            db.session.rollback()
            outcome.problems.append(f"{row.label}: {error.message}")
            continue
        record_event("product.linked", tenant_id=ctx.tenant_id, details=_details(row, item_id, "auto_created"))
        db.session.commit()
        outcome.done += 1
    forget_list(ctx.tenant_id, ctx.realm, "items")


def _unlink(ctx: SyncContext, targets: list[ProductRow], items: list[dict], rows: dict, outcome: BulkResult) -> None:
    for row in targets:
        _remove_links(ctx.tenant_id, ctx.realm, row.product_id)
        record_event("product.unlinked", tenant_id=ctx.tenant_id, details=_details(row, row.item_id, row.method))
        outcome.done += 1
    db.session.commit()


def link_by_hand(tenant_id: int, product_id: str, item_id: str) -> ProductRow:
    """Link one product to the chosen item of the tenant's company. Raises LinkRefused."""
    ctx = load_context(tenant_id)
    items = live_items(tenant_id, ctx=ctx)
    if not any(item["id"] == item_id for item in items):
        items = live_items(tenant_id, refresh=True, ctx=ctx)
    item = next((item for item in items if item["id"] == item_id), None)
    rows = product_rows(tenant_id, items)
    row = rows.get(product_id)
    if row is None:
        raise LinkRefused("That product is not one of this tenant's products: load products from OpenBoxes first")
    if item is None:
        raise LinkRefused(f"QuickBooks item id {item_id} is not in this company: refresh the items and choose again")
    taken = [label for pid, label in link_owners(rows.values()).get(item_id, {}).items() if pid != product_id]
    if taken:
        raise LinkRefused(f"QuickBooks item '{item['name']}' is already linked to product {taken[0]}: unlink it first")
    _save(ctx, row, item, "manual")
    db.session.commit()
    return row


def _save(ctx: SyncContext, row: ProductRow, item: dict, method: str) -> None:
    product = {"id": row.product_id, "productCode": row.code, "name": row.name}
    save_link(
        ctx.tenant_id, ctx.realm, "product", row.product_id, {"Id": item["id"], "SyncToken": item["sync_token"]}, None
    )
    save_product_link(ctx.tenant_id, ctx.realm, product, {"Id": item["id"], "Name": item["name"]}, method)
    query = select(ProductLink).filter_by(
        tenant_id=ctx.tenant_id, realm_id=ctx.realm, openboxes_product_id=row.product_id
    )
    db.session.scalar(query).link_method = method  # save_product_link keeps an existing link's method
    details = {**_details(row, item["id"], method), "previous_item_id": row.item_id}
    record_event("product.linked", tenant_id=ctx.tenant_id, details=details)


def _remove_links(tenant_id: int, realm: str, product_id: str) -> None:
    db.session.execute(
        delete(ProductLink).filter_by(tenant_id=tenant_id, realm_id=realm, openboxes_product_id=product_id)
    )
    db.session.execute(
        delete(EntityLink).filter_by(
            tenant_id=tenant_id, realm_id=realm, entity_type="product", openboxes_id=product_id
        )
    )


def _details(row: ProductRow, item_id: str | None, method: str | None) -> dict:
    return {"product_id": row.product_id, "product": row.label, "item_id": item_id, "method": method}


def set_link_mode(tenant_id: int, mode: str) -> bool:
    """Set the tenant's product link mode (auto_create or manual); return whether it changed."""
    if mode not in ("auto_create", "manual"):
        raise ValueError(f"Unknown product link mode {mode!r}: choose auto_create or manual")
    tenant = db.session.get(Tenant, tenant_id)
    if tenant.product_link_mode == mode:
        return False
    record_event("product.link_mode", tenant=tenant, details={"from": tenant.product_link_mode, "to": mode})
    tenant.product_link_mode = mode
    db.session.commit()
    return True
