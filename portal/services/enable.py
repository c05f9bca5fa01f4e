"""Turning syncing on for a tenant: the historical cutoff, and the purchase-order baseline."""

from __future__ import annotations

from portal.engine.openboxes import openboxes_client
from portal.engine.poll_documents import take_po_baseline
from portal.extensions import db
from portal.models import Tenant
from portal.models.base import utcnow
from portal.sync.errors import SyncError


def enable_sync(tenant_id: int) -> str:
    """Set ``sync_enabled_at`` to now and snapshot the orders approved so far; return a status line.

    Only records created, approved or shipped from now on reach QuickBooks. If OpenBoxes cannot be
    reached, the first poll takes the baseline instead (at day granularity).
    """
    tenant = db.session.get(Tenant, tenant_id)
    tenant.sync_enabled_at = utcnow().replace(microsecond=0)  # OpenBoxes stamps whole seconds
    db.session.commit()
    try:
        with openboxes_client(tenant_id) as client:
            count = take_po_baseline(tenant, client)
    except SyncError as error:
        return f"Syncing enabled; the purchase-order baseline will be taken at the first poll ({error.message})"
    return f"Syncing enabled; {count} purchase order(s) approved before now will not be pushed"
