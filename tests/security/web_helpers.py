"""Helpers for the web-hardening attacks (tests/security/test_web_*.py): signing in and the Tenants form."""

from __future__ import annotations

from portal.models import Tenant

# Every console page a signed-in user reaches from the menu (header and CSP checks, by HTTP and in the browser).
CONSOLE_PAGES = [
    "/admin/",
    "/admin/activity/",
    "/admin/runs/",
    "/admin/tenants/",
    "/admin/users/",
    "/admin/audit/",
    "/admin/product_links/",
    "/admin/mappings/",
    "/admin/preferences/",
    "/admin/openboxes/",
    "/admin/quickbooks/",
    "/admin/reconciliation/?period=month",
]

# The Ledger menu: support staff only (a tenant admin gets 403).
SUPPORT_PAGES = ["/admin/entity_links/", "/admin/watermarks/"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def web_sign_in(auth, two_tenants, who: str):
    """Sign ``who`` ("acme", "bolt" or "support") in through the login form; returns ``auth``."""
    response = auth.login(two_tenants["users"][who].email)
    assert response.status_code == 302, "sign-in failed"
    return auth


def web_tenant_form(tenant: Tenant, **changes) -> dict:
    """Every field of the Settings › Tenants form as the browser sends it, with ``changes`` applied."""
    data = {
        "name": tenant.name,
        "slug": tenant.slug,
        "timezone": tenant.timezone,
        "sync_mode": tenant.sync_mode,
        "realtime_interval_minutes": tenant.realtime_interval_minutes,
        "daily_time": tenant.daily_time,
        "po_target": tenant.po_target,
        "shipment_target": tenant.shipment_target,
        "product_link_mode": tenant.product_link_mode,
        "sync_purchase_orders": "y",
        "sync_suppliers": "y",
    }
    return {**data, **changes}


def web_page_text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')
