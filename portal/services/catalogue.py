"""The OpenBoxes products a tenant's Product links page lists, with their link state.

Where the list comes from (no single OpenBoxes call is cheap enough to make per page view):

- products seen by polls (``sync_activity`` rows of entity ``product``, newest version wins);
- products already linked (``product_link`` rows of the connected realm);
- products read by "Load products from OpenBoxes" (``openboxes_product``), which pages through the
  whole catalogue once, so products unchanged since syncing was enabled can be linked up front.

Conflicts need the QuickBooks items, which come from the same per-tenant, per-realm cache as the account pickers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import select

from portal.clients.openboxes import walk_pages
from portal.engine.context import SyncContext, load_context
from portal.engine.openboxes import jsonable, openboxes_client
from portal.extensions import db
from portal.models import OpenBoxesProduct, ProductLink, QuickBooksConnection, SyncActivity
from portal.services.accounts import cached_list
from portal.sync.errors import describe_record
from portal.sync.names import stored_text
from portal.sync.product_links import ItemIndex, link_state

LOAD_PAGE_SIZE = 100


@dataclass
class ProductRow:
    product_id: str
    code: str | None = None
    name: str | None = None
    active: bool = True
    item_id: str | None = None
    item_name: str | None = None
    method: str | None = None
    state: str = "unlinked"
    note: str = ""

    @property
    def label(self) -> str:
        """``ABC-1 'Gauze'``, as messages name the product."""
        return describe_record("", self.code, self.name).strip() or self.product_id

    def as_product(self) -> dict:
        return {"id": self.product_id, "code": self.code, "name": self.name}


def compact_item(item: dict) -> dict:
    return {
        "id": str(item["Id"]),
        "name": item.get("Name") or "",
        "sku": item.get("Sku") or None,
        "type": item.get("Type") or "",
        "active": bool(item.get("Active", True)),
        "sync_token": str(item.get("SyncToken", "0")),
    }


def live_items(tenant_id: int, *, refresh: bool = False, ctx: SyncContext | None = None) -> list[dict]:
    """Every item of the tenant's QuickBooks company, inactive ones included, cached like the accounts."""
    ctx = ctx or load_context(tenant_id)
    fetch = lambda: [compact_item(i) for i in ctx.client.query_all("Item", "Active IN (true, false)")]  # noqa: E731
    return cached_list(ctx.tenant_id, ctx.realm, "items", fetch, refresh)


ITEM_SEARCH_LIMIT = 20  # what a person reads in a list; typing more narrows it


def search_items(items: list[dict], query: str, limit: int = ITEM_SEARCH_LIMIT) -> tuple[list[dict], int]:
    """The active items whose name or SKU contains ``query`` (case-insensitive), names starting with it first.

    Returns the first ``limit`` of them by name, and how many matched in all.
    """
    needle = query.strip().casefold()
    active = [item for item in items if item.get("active")]
    found = [i for i in active if needle in i["name"].casefold() or needle in (i.get("sku") or "").casefold()]
    found.sort(key=lambda item: (not item["name"].casefold().startswith(needle), item["name"].casefold()))
    return found[:limit], len(found)


def item_label(item: dict) -> str:
    """``Sterile gauze (SKU GZ-10)``: how a QuickBooks item is named in a picker."""
    return f"{item['name']} (SKU {item['sku']})" if item.get("sku") else item["name"]


def current_realm(tenant_id: int) -> str | None:
    query = select(QuickBooksConnection.realm_id).filter_by(tenant_id=tenant_id)
    return db.session.scalar(query)


def product_rows(tenant_id: int, items: list[dict]) -> dict[str, ProductRow]:
    """Every known product of the tenant by OpenBoxes id, with its link (in the connected realm) and state."""
    rows = _known_products(tenant_id)
    realm = current_realm(tenant_id)
    links = db.session.scalars(select(ProductLink).filter_by(tenant_id=tenant_id, realm_id=realm)) if realm else []
    for link in links:
        row = rows.setdefault(link.openboxes_product_id, ProductRow(link.openboxes_product_id))
        row.code, row.name = row.code or link.product_code, row.name or link.product_name
        row.item_id, row.item_name, row.method = link.qbo_item_id, link.qbo_item_name, link.link_method
    index, owners = ItemIndex(items), link_owners(rows.values())
    for row in rows.values():
        link = {"item_id": row.item_id, "method": row.method} if row.item_id else None
        row.state, row.note = link_state(row.as_product(), link, index, owners)
    return rows


def link_owners(rows) -> dict[str, dict[str, str]]:
    """Item id → {product id: label} of the products linked to it."""
    owners: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.item_id:
            owners.setdefault(row.item_id, {})[row.product_id] = row.label
    return owners


def _known_products(tenant_id: int) -> dict[str, ProductRow]:
    rows: dict[str, ProductRow] = {}
    loaded = select(
        OpenBoxesProduct.openboxes_product_id,
        OpenBoxesProduct.product_code,
        OpenBoxesProduct.product_name,
        OpenBoxesProduct.active,
    ).filter_by(tenant_id=tenant_id)
    for product_id, code, name, active in db.session.execute(loaded):
        rows[product_id] = ProductRow(product_id, code, name, bool(active))
    polled = (
        select(SyncActivity.openboxes_id, SyncActivity.openboxes_number, SyncActivity.label)
        .filter_by(tenant_id=tenant_id, entity_type="product")
        .order_by(SyncActivity.id)
    )
    for product_id, code, name in db.session.execute(polled):
        row = rows.setdefault(product_id, ProductRow(product_id))
        row.code, row.name = code or row.code, name or row.name
    return rows


def filter_rows(rows, state: str | None = None, search: str | None = None) -> list[ProductRow]:
    """Rows in ``state`` whose code, name or item name contains ``search`` (any case), by code then name."""
    needle = (search or "").strip().lower()

    def wanted(row: ProductRow) -> bool:
        if state and row.state != state:
            return False
        return not needle or any(needle in (text or "").lower() for text in (row.code, row.name, row.item_name))

    return sorted(filter(wanted, rows), key=lambda r: ((r.code or "").lower(), (r.name or "").lower()))


def load_products(tenant_id: int) -> int:
    """Read every product (inactive ones too) from the tenant's OpenBoxes into the catalogue; return the count."""
    query = select(OpenBoxesProduct).filter_by(tenant_id=tenant_id)
    known = {product.openboxes_product_id: product for product in db.session.scalars(query)}
    count = 0
    with openboxes_client(tenant_id) as client:
        for page in walk_pages(partial(client.products_page, include_inactive=True), page_size=LOAD_PAGE_SIZE):
            for record in page.records:
                _store(tenant_id, known, jsonable(record))
            count += len(page.records)
    db.session.commit()
    return count


def _store(tenant_id: int, known: dict, record: dict) -> None:
    product_id = str(record["id"])
    row = known.get(product_id)
    if row is None:
        row = known[product_id] = OpenBoxesProduct(tenant_id=tenant_id, openboxes_product_id=product_id)
        db.session.add(row)
    row.product_code = stored_text(record.get("productCode"), 64) or None
    row.product_name = stored_text(record.get("name"), 1000)
    row.active = record.get("active") is not False
    row.record = record


def product_record(tenant_id: int, product_id: str) -> dict:
    """The OpenBoxes product as last read (catalogue, else the newest poll), else read now."""
    query = select(OpenBoxesProduct.record).filter_by(tenant_id=tenant_id, openboxes_product_id=product_id)
    loaded = db.session.scalar(query)
    if loaded:
        return loaded
    latest = (
        select(SyncActivity.snapshot)
        .filter_by(tenant_id=tenant_id, entity_type="product", openboxes_id=product_id)
        .order_by(SyncActivity.id.desc())
        .limit(1)
    )
    snapshot = db.session.scalar(latest)
    if snapshot and snapshot.get("product"):
        return snapshot["product"]
    with openboxes_client(tenant_id) as client:
        return jsonable(client.product(product_id))
