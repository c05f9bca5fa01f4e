"""What the connected QuickBooks company is (name, plan, currency) and which features its plan lacks."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.engine.context import load_context
from portal.extensions import db
from portal.models import EntityLink, ProductLink, QuickBooksConnection, Tenant
from portal.sync.errors import SyncError
from portal.sync.refs import INVENTORY_PLANS

OFFERING_SKU_PREFIX = "QuickBooks Online "


def connection_of(tenant_id: int) -> QuickBooksConnection | None:
    return db.session.scalar(select(QuickBooksConnection).filter_by(tenant_id=tenant_id))


def link_count(tenant_id: int, realm: str, *, other_realms: bool = False) -> int:
    """Records of the tenant linked to ``realm`` (or, with ``other_realms``, to any other), each counted once.

    A product is usually in both ledgers (its ``EntityLink`` and its ``ProductLink``); only product links
    without a matching entity link add to the entity links.
    """

    def realm_matches(model):
        return model.realm_id != realm if other_realms else model.realm_id == realm

    entity_links = select(func.count()).where(EntityLink.tenant_id == tenant_id, realm_matches(EntityLink))
    same_product = select(EntityLink.id).where(
        EntityLink.tenant_id == ProductLink.tenant_id,
        EntityLink.realm_id == ProductLink.realm_id,
        EntityLink.entity_type == "product",
        EntityLink.openboxes_id == ProductLink.openboxes_product_id,
    )
    product_only = select(func.count()).where(
        ProductLink.tenant_id == tenant_id, realm_matches(ProductLink), ~same_product.exists()
    )
    return db.session.scalar(entity_links) + db.session.scalar(product_only)


def refresh_company_facts(tenant_id: int) -> str | None:
    """Read name, plan, home currency and multicurrency from QuickBooks; the problem text, or None."""
    try:
        client = load_context(tenant_id).client
        info, preferences = client.company_info(), client.preferences()
    except SyncError as error:
        db.session.rollback()
        return error.message
    connection = connection_of(tenant_id)
    currency = preferences.get("CurrencyPrefs", {})
    connection.company_name = (info.get("CompanyName") or "")[:255] or None
    connection.plan = plan_from_company_info(info)
    connection.home_currency = (currency.get("HomeCurrency") or {}).get("value") or None
    connection.multicurrency = bool(currency.get("MultiCurrencyEnabled"))
    db.session.commit()
    return None


def plan_from_company_info(info: dict) -> str | None:
    """``Plus`` from the OfferingSku ``QuickBooks Online Plus`` (None when QuickBooks does not say)."""
    for pair in info.get("NameValue") or []:
        if pair.get("Name") == "OfferingSku" and pair.get("Value"):
            return pair["Value"].removeprefix(OFFERING_SKU_PREFIX).strip()[:32] or None
    return None


def plan_warnings(connection: QuickBooksConnection | None, tenant: Tenant) -> list[str]:
    """Features the company's plan lacks, said before any sync fails on them."""
    if connection is None or not connection.plan or connection.plan in INVENTORY_PLANS:
        return []
    plan = f"QuickBooks Online {connection.plan}"
    warnings = [
        f"{plan} has no inventory items: products are created as non-inventory items, so QuickBooks does "
        "not track their quantities. Upgrade to Plus or Advanced to track inventory."
    ]
    if tenant.po_target == "PurchaseOrder":
        warnings.insert(
            0,
            f"{plan} has no purchase orders, and purchase orders are set to sync as PurchaseOrder: they would "
            "fail. Fix: switch the PO target to Bill (Sync preferences) or upgrade QuickBooks to Plus or Advanced.",
        )
    return warnings
