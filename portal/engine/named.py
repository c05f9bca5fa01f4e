"""Vendors, customers and items: find the linked one, or create it, linking instead on a name clash.

QuickBooks keeps DisplayName unique across Vendor, Customer and Employee (inactive ones included) and
Item names unique among items, so a create can meet an object that already exists. The clash rules are
in ``portal.sync.mappers``; this module applies them with the client. A Redis lock per object keeps
two workers from creating the same vendor at once, and the deterministic requestid makes a repeated
create replay rather than duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

from portal.engine.context import SyncContext
from portal.engine.links import find_link, save_link, save_product_link
from portal.redis_conn import get_redis
from portal.sync.errors import Duplicate, NotLinked, describe_not_linked
from portal.sync.identity import content_hash, request_id, written_fingerprint
from portal.sync.mappers import Mapped, product_to_item

NAME_TYPES = ("Vendor", "Customer", "Employee")
LOCK_SECONDS = 120


def object_lock(ctx: SyncContext, name: str):
    """The realm's lock on one vendor, customer or item while it is created; none for a context that writes
    nothing (a dry run in a web request must neither wait for a worker's create nor delay one)."""
    if not ctx.writes:
        return nullcontext()
    return get_redis().lock(f"ensure:{ctx.realm}:{name}", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)


def ensure_named(
    ctx: SyncContext,
    entity: str,
    key: str,
    build: Callable[[bool], Mapped],
    generation: int = 0,
) -> str:
    """QuickBooks id of the Vendor/Customer for OpenBoxes ``key``, creating it when needed.

    Args:
        entity: Ledger entity type (``"supplier"`` or ``"customer"``).
        key: The OpenBoxes id (a vendor key for foreign-currency vendors).
        build: Mapper call; its argument says whether to apply the clash suffix.
        generation: Request generation of the activity that needs it.
    """
    link = find_link(ctx.tenant_id, ctx.realm, entity, key)
    if link is not None:
        return link.qbo_id
    with object_lock(ctx, f"{entity}:{key}"):
        link = find_link(ctx.tenant_id, ctx.realm, entity, key)
        if link is not None:
            return link.qbo_id
        created, fingerprint = _create_or_adopt(ctx, entity, key, build, generation)
        save_link(ctx.tenant_id, ctx.realm, entity, key, created, fingerprint)
        ctx.commit()
        return str(created["Id"])


def _create_or_adopt(ctx: SyncContext, entity: str, key: str, build, generation: int) -> tuple[dict, str | None]:
    """The object and, when we created it unsuffixed, the fingerprint of what it holds (see ``written_fingerprint``)."""
    for clash in (False, True):
        mapped = build(clash)
        rid = request_id(ctx.realm, f"{entity}-create", key, "c" if clash else "", generation)
        try:
            payload = ctx.outgoing(mapped.payload)
            created = ctx.client.create(mapped.entity, payload, rid)
            return created, None if clash else written_fingerprint(mapped.payload)
        except Duplicate:
            holders = ctx.client.find_by_name(payload["DisplayName"], NAME_TYPES)
            same_type = [row for kind, row in holders if kind == mapped.entity]
            if same_type:
                return same_type[0], None  # someone else's: its content is not known
    raise Duplicate(
        f"The name {mapped.payload['DisplayName']!r} is taken in QuickBooks by another kind of record even with "
        "the suffix: rename one of them, then retry",
        "6240",
    )


def ensure_item(ctx: SyncContext, product: dict, generation: int = 0, *, allow_create: bool | None = None) -> str:
    """QuickBooks Item id for an OpenBoxes product: linked, matched by Sku, or created (auto-create mode).

    Raises:
        NotLinked: The tenant links products by hand and this one is not linked.
    """
    product_id = str(product["id"])
    link = find_link(ctx.tenant_id, ctx.realm, "product", product_id)
    if link is not None:
        return link.qbo_id
    if allow_create is None:
        allow_create = ctx.tenant.product_link_mode == "auto_create"
    if not allow_create:
        code, name = product.get("productCode"), product.get("name")
        raise NotLinked(describe_not_linked("Product", code, name, "item", "Product links"))
    with object_lock(ctx, f"product:{product_id}"):
        link = find_link(ctx.tenant_id, ctx.realm, "product", product_id)
        if link is not None:
            return link.qbo_id
        item, method = _create_or_match_item(ctx, product, generation)
        # The hash the product's own row computes: that row then knows the item already holds this version.
        save_link(ctx.tenant_id, ctx.realm, "product", product_id, item, content_hash(product))
        save_product_link(ctx.tenant_id, ctx.realm, product, item, method)
        ctx.commit()
        return str(item["Id"])


def _create_or_match_item(ctx: SyncContext, product: dict, generation: int) -> tuple[dict, str]:
    refs = ctx.refs()
    sku = product.get("productCode")
    for clash in (False, True):
        mapped = product_to_item(product, refs, clash=clash)
        rid = request_id(ctx.realm, "product-create", str(product["id"]), "c" if clash else "", generation)
        payload = ctx.outgoing(mapped.payload)
        try:
            return ctx.client.create("Item", payload, rid), "auto_created"
        except Duplicate:
            same_sku = [row for row in ctx.client.find_item(name=payload["Name"]) if sku and row.get("Sku") == sku]
            if same_sku:
                return same_sku[0], "matched_sku"
    raise Duplicate(f"The item name {mapped.payload['Name']!r} is taken in QuickBooks: rename one, then retry", "6240")
