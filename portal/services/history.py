"""Sync from a past date: the preview (what would sync, at what cost), then the import and its progress."""

from __future__ import annotations

import time
from datetime import date

from portal.audit import record_event
from portal.engine.history import count_since, move_back
from portal.engine.history_dryrun import SAMPLE_SIZE, Sample, sample_history
from portal.engine.openboxes import openboxes_client
from portal.engine.opening import take_opening
from portal.engine.ports import job_queue
from portal.extensions import db
from portal.models import Tenant
from portal.models.base import utcnow
from portal.services.enable import setup_gaps
from portal.sync.dates import local_date
from portal.sync.dates import zone as to_zone
from portal.sync.history import HistoryPreview, check_start, start_moment


def _checked_tenant(tenant_id: int, day: date) -> Tenant:
    """The tenant, when ``day`` can be its new start date and its setup is complete; else ValueError."""
    tenant = db.session.get(Tenant, tenant_id)
    gaps = setup_gaps(tenant_id)
    if gaps:
        raise ValueError(f"{tenant.name} cannot sync yet: {' '.join(gaps)}")
    zone = tenant.timezone or "UTC"
    check_start(day, local_date(utcnow(), zone), tenant.sync_enabled_at, zone)
    return tenant


def preview_history(tenant_id: int, day: date) -> HistoryPreview:
    """What syncing from ``day`` would send, read from OpenBoxes (one pass over each list since that day).

    Raises:
        ValueError: The day cannot be chosen, or the setup is incomplete (a message for people).
        SyncError: OpenBoxes could not be read.
    """
    tenant = _checked_tenant(tenant_id, day)
    with openboxes_client(tenant_id) as client:
        counts = count_since(tenant, client, start_moment(day, tenant.timezone or "UTC"))
    return HistoryPreview(day, counts)


def dry_run_history(tenant_id: int, day: date, size: int = SAMPLE_SIZE) -> list[Sample]:
    """The first ``size`` documents of each kind syncing from ``day`` would send, each as a dry run: the JSON,
    the dependencies created first, what would fail. Nothing is written to QuickBooks or the database.

    Raises:
        ValueError: The day cannot be chosen, or the setup is incomplete (a message for people).
        SyncError: OpenBoxes could not be read.
    """
    tenant = _checked_tenant(tenant_id, day)
    with openboxes_client(tenant_id) as client:
        return sample_history(tenant, client, start_moment(day, tenant.timezone or "UTC"), size)


def start_history_import(tenant_id: int, day: date) -> int:
    """Move the start date back to ``day`` and queue the import; return the request time the progress page waits from.

    Raises:
        ValueError: The day cannot be chosen, or the setup is incomplete.
    """
    tenant = _checked_tenant(tenant_id, day)
    before = tenant.sync_enabled_at
    move_back(tenant, start_moment(day, tenant.timezone or "UTC"))
    if tenant.opening_stock:  # the baseline follows the start, before the import moves anything
        with openboxes_client(tenant_id) as client:
            take_opening(tenant, client)
    details = {"from": day.isoformat(), "previous_start": before.isoformat() if before else None}
    record_event("sync.history_import", tenant=tenant, details=details)
    db.session.commit()
    requested = int(time.time())
    job_queue().poll(tenant_id, "manual", f"history-{requested}")
    return requested


def history_lines(tenant_id: int, preview: HistoryPreview) -> list[str]:
    """What confirming the import does: the preview, and the start date it moves."""
    tenant = db.session.get(Tenant, tenant_id)
    zone = tenant.timezone or "UTC"
    moved = (
        f"Move the start date from {tenant.sync_enabled_at.astimezone(to_zone(zone)):%Y-%m-%d %H:%M} to "
        if tenant.sync_enabled_at
        else "Start syncing, from "
    )
    return [
        f"{moved}{preview.start:%Y-%m-%d} 00:00 ({zone}): purchase orders ordered, and shipments, products, "
        "suppliers and adjustments changed since then are read from OpenBoxes again.",
        *preview.lines(),
        "Send nothing twice: records already in QuickBooks are left as they are. Each document keeps its own "
        "OpenBoxes date.",
    ]
