"""Turning syncing on for a tenant: the historical cutoff, and the purchase-order baseline."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.engine.entities.purchase_orders import take_po_baseline
from portal.engine.openboxes import openboxes_client
from portal.engine.opening import take_opening
from portal.extensions import db
from portal.models import AccountMapping, OpenBoxesConnection, QuickBooksConnection, SyncActivity, Tenant
from portal.models.base import utcnow
from portal.models.mapping import ACCOUNT_ROLES
from portal.sync.accounts import OPTIONAL_ROLES
from portal.sync.entities import POLLED, ActivityStatus, Target
from portal.sync.errors import SyncError
from portal.sync.refs import INVENTORY_PLANS, ROLE_LABELS


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
            if tenant.opening_stock:
                take_opening(tenant, client)
                db.session.commit()
    except SyncError as error:
        return f"Syncing enabled; the purchase-order baseline will be taken at the first poll ({error.message})"
    return f"Syncing enabled; {count} purchase order(s) approved before now will not be pushed"


@dataclass(frozen=True)
class SetupStep:
    """One step from an empty tenant to syncing; ``place`` names the console page where it is done."""

    label: str
    done: bool
    todo: str  # what to do, when not done
    place: str  # "openboxes", "quickbooks", "accounts", "preferences" or "start"


def setup_steps(tenant_id: int) -> list[SetupStep]:
    """The setup checklist in order: OpenBoxes, QuickBooks, accounts, what to sync, then start."""
    tenant = db.session.get(Tenant, tenant_id)
    openboxes = db.session.scalar(select(OpenBoxesConnection).filter_by(tenant_id=tenant_id))
    quickbooks = db.session.scalar(select(QuickBooksConnection).filter_by(tenant_id=tenant_id))
    connected = quickbooks is not None and quickbooks.status == "connected"
    unmapped = _unmapped_roles(tenant_id)
    unsupported = quickbooks is not None and _purchase_orders_unsupported(tenant, quickbooks)
    verb = "Reconnect" if quickbooks is not None else "Connect"
    return [
        SetupStep("Connect OpenBoxes", openboxes is not None, "Connect OpenBoxes (Settings › OpenBoxes).", "openboxes"),
        SetupStep("Connect QuickBooks", connected, f"{verb} QuickBooks (Settings › QuickBooks).", "quickbooks"),
        SetupStep(
            "Map the accounts",
            not unmapped,
            f"Map the accounts for {', '.join(unmapped)} (Settings › Account mappings).",
            "accounts",
        ),
        SetupStep(
            "Choose what to sync",
            any(getattr(tenant, spec.toggle) for spec in POLLED) and not unsupported,
            _preferences_todo(tenant, quickbooks, unsupported),
            "preferences",
        ),
        SetupStep(
            "Start syncing", tenant.sync_enabled_at is not None, "Start syncing (Settings › QuickBooks).", "start"
        ),
    ]


def _preferences_todo(tenant: Tenant, quickbooks: QuickBooksConnection | None, unsupported: bool) -> str:
    if unsupported:
        return (
            f"Switch purchase orders to Bill (Settings › Sync preferences): QuickBooks Online {quickbooks.plan} "
            "has no purchase orders."
        )
    return "Turn on at least one kind of record to sync (Settings › Sync preferences)."


def setup_gaps(tenant_id: int) -> list[str]:
    """What must be done before syncing can start, each with where to do it; empty when ready."""
    return [step.todo for step in setup_steps(tenant_id) if not step.done and step.place != "start"]


def _unmapped_roles(tenant_id: int) -> list[str]:
    mapped = set(db.session.scalars(select(AccountMapping.role).filter_by(tenant_id=tenant_id)))
    return [ROLE_LABELS[role] for role in ACCOUNT_ROLES if role not in mapped and role not in OPTIONAL_ROLES]


def _purchase_orders_unsupported(tenant: Tenant, quickbooks: QuickBooksConnection) -> bool:
    plan_known = bool(quickbooks.plan)
    return plan_known and quickbooks.plan not in INVENTORY_PLANS and tenant.po_target == Target.PURCHASE_ORDER


def start_consequences(tenant_id: int) -> list[str]:
    """What "Start syncing from now" will do, said before it is done."""
    tenant = db.session.get(Tenant, tenant_id)
    lines = [
        "Start syncing from this moment: purchase orders approved, shipments shipped, and products, suppliers and "
        "adjustments changed from now on reach QuickBooks.",
        "Leave out everything approved, shipped or changed before now (Settings › Sync preferences › Sync history "
        "from a date can bring it in later).",
    ]
    if tenant.sync_enabled_at:
        waiting = db.session.scalar(
            select(func.count(SyncActivity.id)).filter_by(tenant_id=tenant_id, status=ActivityStatus.QUEUED)
        )
        lines[1] = (
            f"Move the starting point from {tenant.sync_enabled_at:%Y-%m-%d %H:%M} UTC to now: records from between "
            f"then and now that were not picked up yet are left out (rows already listed stay; {waiting} are waiting)."
        )
    return lines
