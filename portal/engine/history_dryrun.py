"""A dry run of "sync from DATE" before it starts: what the import would send for a few documents of each kind.

There are no activity rows yet, so none is persisted: the start date is moved back in the database session
only (``move_back``, as confirming would), the first documents of each kind are listed and read by the
same code a poll uses, and the session is rolled back before anything could be committed. Each document
then goes through the row dry run (``preview_push``) as a transient row that is never added to the
session: its pusher runs against a client that records writes, and that session is rolled back too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from portal.engine.dryrun import Preview, preview_push
from portal.engine.entities.adjustments import read_adjustment
from portal.engine.entities.purchase_orders import read_purchase_order
from portal.engine.entities.shared import ProductCache
from portal.engine.entities.shipments import read_movement, read_shipment
from portal.engine.fetch import Fetched, RecordUnreadable
from portal.engine.history import (
    linked_ids,
    listed_adjustment_key,
    listed_adjustments,
    listed_orders,
    listed_shipments,
    move_back,
)
from portal.engine.openboxes import jsonable
from portal.extensions import db
from portal.models import SyncActivity, Tenant
from portal.sync.entities import POLLED, ActivityStatus, Entity
from portal.sync.errors import SkipRecord, SyncError

SAMPLE_SIZE = 3  # documents per kind


@dataclass
class Sample:
    """One document the import would send, and its dry run."""

    entity: str
    openboxes_id: str
    number: str | None
    preview: Preview


@dataclass(frozen=True)
class _Kind:
    listed: Callable[[object, datetime], list[dict]]
    key: Callable[[dict], str]
    read: Callable[[Tenant, object, dict, ProductCache], Fetched]


def _read_shipment(tenant: Tenant, client, listed: dict, products: ProductCache) -> Fetched:
    # No "changed before syncing was enabled" check: the import moves that date back.
    return read_shipment(client, listed, read_movement(client, listed), products)


KINDS = {
    Entity.PURCHASE_ORDER: _Kind(listed_orders, lambda row: str(row["id"]), read_purchase_order),
    Entity.SHIPMENT: _Kind(listed_shipments, lambda row: str(row["id"]), _read_shipment),
    Entity.ADJUSTMENT: _Kind(
        listed_adjustments, listed_adjustment_key, lambda tenant, client, row, products: read_adjustment(row, products)
    ),
}


def sample_history(tenant: Tenant, client, start: datetime, size: int = SAMPLE_SIZE) -> list[Sample]:
    """The first ``size`` documents of each kind the tenant syncs that importing from ``start`` would send
    (those not in QuickBooks yet), each with its dry run. Nothing is written to QuickBooks or the database."""
    try:
        move_back(tenant, start)  # as confirming would, so documents are read (and dated) as the import reads them
        read = _read_samples(tenant, client, start, size)
    finally:
        db.session.rollback()
    return [_preview(tenant.id, entity, key, fetched) for entity, key, fetched in read]


def _read_samples(tenant: Tenant, client, start: datetime, size: int) -> list[tuple[str, str, Fetched | str]]:
    """Per enabled document kind, the first ``size`` unlinked documents read in full (or why they cannot be)."""
    enabled = [spec.entity for spec in POLLED if getattr(tenant, spec.toggle) and spec.entity in KINDS]
    found: list[tuple[str, str, Fetched | str]] = []
    for entity in enabled:
        kind, linked, products = KINDS[entity], linked_ids(tenant, entity.value), ProductCache(client)
        rows = [jsonable(row) for row in kind.listed(client, start)]
        for row in [row for row in rows if kind.key(row) not in linked][:size]:
            try:
                found.append((entity.value, kind.key(row), kind.read(tenant, client, row, products)))
            except RecordUnreadable as failure:
                found.append((entity.value, kind.key(row), str(failure.error)))
            except SkipRecord as skip:
                found.append((entity.value, kind.key(row), f"Nothing would be sent: {skip.reason}"))
    return found


def _preview(tenant_id: int, entity: str, key: str, fetched: Fetched | str) -> Sample:
    if isinstance(fetched, str):
        return Sample(entity, key, None, Preview(failure=fetched))
    row = SyncActivity(  # transient: never added to the session
        tenant_id=tenant_id,
        entity_type=entity,
        openboxes_id=key,
        openboxes_number=fetched.number,
        label=fetched.label,
        snapshot=fetched.snapshot,
        version=fetched.version,
        status=ActivityStatus.QUEUED,
        request_generation=0,
    )
    try:
        return Sample(entity, key, fetched.number, preview_push(row))
    except SyncError as error:
        return Sample(entity, key, fetched.number, Preview(failure=str(error)))
