"""A tenant's sync preferences (when, what, as which QuickBooks documents), "Sync now" and its progress."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from portal.audit import record_event
from portal.engine.ports import job_queue
from portal.extensions import db
from portal.models import OpenBoxesConnection, QuickBooksConnection, SyncActivity, SyncRun, Tenant
from portal.models.base import utcnow
from portal.models.tenancy import PRODUCT_LINK_MODES, SYNC_MODES
from portal.sync.entities import ENTITY_TOGGLES, PO_TARGETS, SHIPMENT_TARGETS, ActivityStatus
from portal.sync.schedule import check_schedule, next_run_at

SCHEDULE_FIELDS = ("sync_mode", "realtime_interval_minutes", "daily_time", "timezone")


@dataclass
class Preferences:
    sync_mode: str
    realtime_interval_minutes: int = 5
    daily_time: str = "02:00"
    timezone: str = "UTC"
    po_target: str = "PurchaseOrder"
    shipment_target: str = "Invoice"
    product_link_mode: str = "auto_create"
    transliterate_names: bool = False
    toggles: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, tenant: Tenant) -> Preferences:
        values = {name: getattr(tenant, name) for name in cls.__dataclass_fields__ if name != "toggles"}
        return cls(**values, toggles={name: getattr(tenant, name) for name in ENTITY_TOGGLES})

    def check(self) -> None:
        """Raise ValueError (a message for people) when a value cannot be saved."""
        for value, allowed in (
            (self.sync_mode, SYNC_MODES),
            (self.po_target, PO_TARGETS),
            (self.shipment_target, SHIPMENT_TARGETS),
            (self.product_link_mode, PRODUCT_LINK_MODES),
        ):
            if value not in allowed:
                raise ValueError(f"'{value}' is not one of {', '.join(allowed)}")
        check_schedule(self.sync_mode, self.realtime_interval_minutes, self.daily_time, self.timezone)


def save_preferences(tenant_id: int, prefs: Preferences, now: datetime | None = None) -> list[str]:
    """Store the preferences, compute the next automatic run, audit what changed; return the changed fields."""
    prefs.check()
    tenant = db.session.get(Tenant, tenant_id)
    before = asdict(Preferences.of(tenant))
    after = asdict(prefs)
    changed = [name for name in after if after[name] != before[name]]
    for name, value in after.items():
        if name != "toggles":
            setattr(tenant, name, value)
    for name, value in prefs.toggles.items():
        setattr(tenant, name, bool(value))
    tenant.next_run_at = next_run_at(
        prefs.sync_mode,
        now or utcnow(),
        interval_minutes=prefs.realtime_interval_minutes,
        daily_time=prefs.daily_time,
        timezone=prefs.timezone,
    )
    if any(name in SCHEDULE_FIELDS for name in changed):
        schedule = {name: after[name] for name in SCHEDULE_FIELDS}
        record_event("sync.mode_changed", tenant=tenant, details={"from": before["sync_mode"], **schedule})
    if changed:
        details = {name: {"from": before[name], "to": after[name]} for name in changed}
        record_event("preferences.saved", tenant=tenant, details=details)
    db.session.commit()
    return changed


def start_sync_now(tenant_id: int) -> int:
    """Queue a manual poll (any mode); return the request time (epoch seconds) the progress page waits from.

    Raises:
        ValueError: Syncing is not turned on, or OpenBoxes is not connected (the poll could not start).
    """
    tenant = db.session.get(Tenant, tenant_id)
    if tenant.sync_enabled_at is None:
        raise ValueError(f"Syncing is not turned on for {tenant.name}: turn it on under Settings › QuickBooks first")
    if db.session.scalar(select(OpenBoxesConnection.id).filter_by(tenant_id=tenant_id)) is None:
        raise ValueError(f"OpenBoxes is not connected for {tenant.name}: set it up under Settings › OpenBoxes first")
    requested = int(time.time())
    job_queue().poll(tenant_id, "manual", f"now-{requested}")
    record_event("sync.requested", tenant=tenant, details={"trigger": "manual"})
    db.session.commit()
    return requested


def run_progress(tenant_id: int, since: int) -> dict:
    """Counts of the first manual run started at or after ``since`` (epoch seconds), for the progress page."""
    started = datetime.fromtimestamp(since, UTC)
    query = (
        select(SyncRun)
        .filter(SyncRun.tenant_id == tenant_id, SyncRun.trigger == "manual", SyncRun.started_at >= started)
        .order_by(SyncRun.started_at, SyncRun.id)
        .limit(1)
    )
    run = db.session.scalar(query)
    if run is None:
        return {
            "state": "waiting",
            "run_id": None,
            "fetched": 0,
            "pushed": 0,
            "failed": 0,
            "pending": 0,
            "failures": [],
            "done": False,
        }
    counts = run_status_counts(tenant_id, run.id)
    busy = counts.get(ActivityStatus.QUEUED, 0) + counts.get(ActivityStatus.SYNCING, 0)
    finished = run.finished_at is not None
    state = "polling" if not finished else ("pushing" if busy else "done")
    if state == "pushing" and _quickbooks_unusable(tenant_id):
        state = "needs_reconnect"  # the queued rows wait for a reconnect: no "pushing…" forever
    return {
        "state": state,
        "failures": run_failures(tenant_id, run.id),
        "run_id": run.id,
        "fetched": sum(counts.values()),
        "pushed": counts.get(ActivityStatus.SYNCED, 0),
        "failed": counts.get(ActivityStatus.SYNC_FAILED, 0),
        "pending": busy + counts.get(ActivityStatus.RETRYING, 0),
        "skipped": counts.get(ActivityStatus.SKIPPED, 0),
        "error": run.error,
        "done": finished and not busy,
    }


FAILURES_SHOWN = 10


def run_failures(tenant_id: int, run_id: int) -> list[dict]:
    """The run's Sync Failed rows (the first ``FAILURES_SHOWN``): id, record and reason."""
    query = (
        select(SyncActivity.id, SyncActivity.openboxes_number, SyncActivity.label, SyncActivity.message)
        .filter_by(tenant_id=tenant_id, run_id=run_id, status=ActivityStatus.SYNC_FAILED)
        .order_by(SyncActivity.id)
        .limit(FAILURES_SHOWN)
    )
    return [
        {"id": row_id, "record": number or label or f"row {row_id}", "reason": message or ""}
        for row_id, number, label, message in db.session.execute(query)
    ]


def _quickbooks_unusable(tenant_id: int) -> bool:
    connection = db.session.scalar(select(QuickBooksConnection).filter_by(tenant_id=tenant_id))
    return connection is None or connection.status != "connected"


def run_status_counts(tenant_id: int, run_id: int) -> dict[str, int]:
    """Rows of one run by status."""
    query = (
        select(SyncActivity.status, func.count())
        .filter(SyncActivity.tenant_id == tenant_id, SyncActivity.run_id == run_id)
        .group_by(SyncActivity.status)
    )
    return dict(db.session.execute(query).all())
