"""Where the opening-stock baseline is kept: on the tenant (``opening_baseline``)."""

from __future__ import annotations

from portal.models import Tenant
from portal.sync.opening import OpeningStock


def stored_opening(tenant: Tenant) -> OpeningStock | None:
    """The kept baseline when the tenant has opening stock on and one was taken; else None."""
    if not tenant.opening_stock or not tenant.opening_baseline:
        return None
    return OpeningStock.from_json(tenant.opening_baseline)
