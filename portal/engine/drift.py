"""Drift watch: once a day per realm, read QuickBooks' change feed and flag the synced rows changed there.

One ChangeDataCapture call per connection per day asks for the tenant's document types changed since the
last look (``QuickBooksConnection.cdc_checked_at``). A document the ledger links to an OpenBoxes record
and that was deleted, or edited by someone else (its SyncToken moved past our last write's), flags the
newest synced row of that record. Nothing is pushed again automatically: a person re-pushes a deleted one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.engine import activity
from portal.engine.context import SyncContext, load_context
from portal.engine.links import find_link
from portal.extensions import db
from portal.models import EntityLink, QuickBooksConnection, SyncActivity
from portal.sync.drift import BOOKS_TO_OPENBOXES, MAX_LOOKBACK, Drift, SyncedDocument, drift_of, look_since
from portal.sync.entities import ActivityStatus
from portal.sync.errors import SyncError
from portal.sync.recon import amount_refs, mapped_document
from portal.sync.refs import Refs

log = logging.getLogger(__name__)
DAILY = timedelta(hours=20)  # a restarted clock's second slot the same day does not read again


@dataclass
class DriftReport:
    checked: list[int] = field(default_factory=list)  # connection ids
    flagged: list[int] = field(default_factory=list)  # activity ids
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"checked": self.checked, "flagged": self.flagged, "failed": self.failed}


def watch_all(now: datetime) -> DriftReport:
    """Look at every connected realm not looked at in the last day."""
    report = DriftReport()
    query = select(QuickBooksConnection.id).where(QuickBooksConnection.status == "connected")
    for connection_id in db.session.scalars(query).all():
        connection = db.session.get(QuickBooksConnection, connection_id)
        if connection.cdc_checked_at is not None and connection.cdc_checked_at > now - DAILY:
            continue
        try:
            report.flagged += watch_realm(connection, now)
            report.checked.append(connection_id)
        except SyncError as error:  # one realm's problem must not stop the others; tried again tomorrow
            db.session.rollback()
            log.warning("drift: connection=%s not checked: %s", connection_id, error)
            report.failed.append(connection_id)
    return report


def watch_realm(connection: QuickBooksConnection, now: datetime) -> list[int]:
    """Read the realm's change feed since the last look; flag and return the drifted rows."""
    ctx = load_context(connection.tenant_id)
    tenant = ctx.tenant
    first = connection.connected_at or tenant.sync_enabled_at or now - MAX_LOOKBACK
    since = look_since(connection.cdc_checked_at, first, now)
    entities = sorted({tenant.po_target, tenant.shipment_target, "JournalEntry"})
    changed = ctx.client.change_data_capture(entities, since)
    flagged = []
    for entity, objects in changed.items():
        flagged += _flag(ctx, connection, entity, objects, now)
    connection.cdc_checked_at = now
    db.session.commit()
    return flagged


def _flag(
    ctx: SyncContext, connection: QuickBooksConnection, entity: str, objects: list[dict], now: datetime
) -> list[int]:
    ob_entity = BOOKS_TO_OPENBOXES.get(entity)
    if ob_entity is None or not objects:
        return []
    by_id = {str(change["Id"]): change for change in objects}
    refs = amount_refs(ctx.refs())
    links = db.session.scalars(
        select(EntityLink).where(
            EntityLink.tenant_id == connection.tenant_id,
            EntityLink.realm_id == connection.realm_id,
            EntityLink.entity_type == ob_entity,
            EntityLink.qbo_id.in_(by_id),
        )
    )
    flagged = []
    for link in links:
        row = _synced_row(link)
        drift = None if row is None else drift_of(_ours(row, link, refs), by_id[link.qbo_id], entity)
        if drift is not None:
            mark_drift(row, drift, now)
            flagged.append(row.id)
    return flagged


def _synced_row(link: EntityLink) -> SyncActivity | None:
    query = select(SyncActivity).where(
        SyncActivity.tenant_id == link.tenant_id,
        SyncActivity.entity_type == link.entity_type,
        SyncActivity.openboxes_id == link.openboxes_id,
        SyncActivity.qbo_id == link.qbo_id,
        SyncActivity.status == ActivityStatus.SYNCED,
    )
    return db.session.scalar(query.order_by(SyncActivity.id.desc()).limit(1))


def _ours(row: SyncActivity, link: EntityLink, refs: Refs) -> SyncedDocument:
    """What we sent, as far as the row tells: its total, and the number, date and lines the mappers give it."""
    sent = mapped_document(row.entity_type, row.snapshot, refs)
    if sent is None:
        return SyncedDocument(link.qbo_id, link.sync_token, row.amount, None)
    payload = sent.payload
    lines = len(payload.get("Line") or [])
    return SyncedDocument(
        link.qbo_id, link.sync_token, row.amount, payload.get("DocNumber"), payload.get("TxnDate"), lines
    )


def mark_drift(row: SyncActivity, drift: Drift, now: datetime) -> None:
    """Flag the row (a later look may turn an edit into a delete, never back)."""
    if row.drift == "deleted":
        return
    row.drift, row.drift_detail, row.drift_seen_at = drift.kind, drift.detail, now
    activity.log_attempt(row, f"drift_{drift.kind}", drift.detail)


def reset_for_repush(row: SyncActivity, requested_by: str) -> bool:
    """A person asked to push a row whose document was deleted in QuickBooks: forget the link, queue it.

    A fresh request generation, so QuickBooks creates the document again instead of replaying the first create.
    """
    if row.drift != "deleted" or row.status != ActivityStatus.SYNCED:
        return False
    link = find_link(row.tenant_id, row.realm_id or "", row.entity_type, row.openboxes_id)
    if link is not None and link.qbo_id == row.qbo_id:
        db.session.delete(link)
    row.status, row.attempts, row.next_attempt_at = ActivityStatus.QUEUED, 0, None
    row.request_generation += 1
    row.outcome_unknown = False
    row.drift = row.drift_detail = None
    activity.log_attempt(
        row, "repush_requested", f"Pushed again by {requested_by}: its document was deleted in QuickBooks"
    )
    return True
