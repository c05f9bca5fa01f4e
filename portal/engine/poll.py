"""One poll of a tenant's OpenBoxes: find new record versions since the watermarks, queue a row for each.

Per entity: products and suppliers by ``lastUpdated`` descending with an overlap and
content hashes (``portal.sync.watermark.Scan``); purchase orders by a rolling re-scan window (their
list has no lastUpdated and lags); outbound shipments newest first until a page holds only shipments
already seen; adjustments by date range. Watermarks move only after the rows are committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from portal.engine import activity
from portal.engine.fetch import identified, record_unreadable, rejected_rows, split_dated
from portal.engine.openboxes import jsonable, openboxes_client
from portal.engine.poll_documents import poll_adjustments, poll_purchase_orders, poll_shipments
from portal.engine.watermarks import load_state, observed_until, save_state
from portal.extensions import db
from portal.logs import log_context
from portal.models import SyncRun, Tenant
from portal.models.base import utcnow
from portal.sync.entities import POLLED, ActivityStatus, Entity
from portal.sync.errors import SyncError
from portal.sync.snapshots import ProductSnapshot, SupplierSnapshot
from portal.sync.watermark import Scan, record_last_updated

PAGE_SIZE = 100
log = logging.getLogger(__name__)


@dataclass
class PollResult:
    """The run, the rows to push now, and ``(row id, seconds)`` of records OpenBoxes could not serve yet."""

    run_id: int
    queued_ids: list[int] = field(default_factory=list)
    retry_later: list[tuple[int, float]] = field(default_factory=list)


def poll_tenant(tenant_id: int, trigger: str) -> PollResult:
    """Poll every enabled entity; a failing entity is noted on the run and the others go on."""
    with log_context(tenant=tenant_id):
        result = _poll(tenant_id, trigger)
    log.info("poll finished trigger=%s run=%s queued=%s", trigger, result.run_id, len(result.queued_ids))
    return result


def _poll(tenant_id: int, trigger: str) -> PollResult:
    tenant = db.session.get(Tenant, tenant_id)
    run = SyncRun(tenant_id=tenant_id, trigger=trigger)
    db.session.add(run)
    db.session.commit()
    result, errors = PollResult(run.id), []
    with openboxes_client(tenant_id) as client:
        for entity, poller in enabled_pollers(tenant):
            try:
                rows = poller(tenant, client, run.id)
            except SyncError as error:
                db.session.rollback()
                errors.append(f"{entity}: {error.message}")
                continue
            _sort_rows(result, rows)
    run = db.session.get(SyncRun, result.run_id)
    run.fetched = run.queued = len(result.queued_ids)
    run.error = "; ".join([*errors, *([run.error] if run.error else [])]) or None
    run.finished_at = utcnow()
    db.session.commit()
    return result


def _sort_rows(result: PollResult, rows: list) -> None:
    """Queued rows are pushed now; a record OpenBoxes could not serve waits for its retry (or a person)."""
    for row in rows:
        if row.status == ActivityStatus.QUEUED:
            result.queued_ids.append(row.id)
        elif row.status == ActivityStatus.RETRYING and row.next_attempt_at is not None:
            result.retry_later.append((row.id, max(0.0, (row.next_attempt_at - utcnow()).total_seconds())))


def enabled_pollers(tenant: Tenant):
    """The tenant's switched-on entities in registry order (dependencies first), each with its poller."""
    return [(spec.entity.value, POLLERS[spec.entity]) for spec in POLLED if getattr(tenant, spec.toggle)]


def _scan_pages(scan: Scan, fetch_page, entity: Entity, run_id: int) -> tuple[list, list]:
    """The changed records, and the listed ones the bridge cannot read (each with its failure)."""
    changes, unreadable = [], []
    while not scan.done:
        page = fetch_page(scan.offset)
        records = identified([jsonable(record) for record in page.records], entity, run_id)
        good, undated = split_dated(records, entity, record_last_updated)
        unreadable += undated + rejected_rows(page.rejected, entity, run_id)
        changes += scan.feed(good, listed=len(page.records) + len(page.rejected))
    return changes, unreadable


def poll_products(tenant: Tenant, client, run_id: int) -> list:
    listed_until = observed_until()
    state = load_state(tenant, "product")
    scan = Scan(state, page_size=PAGE_SIZE)
    changes, unreadable = _scan_pages(scan, lambda offset: client.products_page(offset=offset), Entity.PRODUCT, run_id)
    rows = record_unreadable(tenant.id, Entity.PRODUCT, unreadable, run_id) + [
        activity.record_version(
            tenant.id,
            "product",
            change.key,
            change.hash,
            number=change.record.get("productCode"),
            label=change.record.get("name"),
            run_id=run_id,
            snapshot=ProductSnapshot(change.record).to_json(),
        )
        for change in changes
    ]
    return _commit_then_save(tenant, "product", scan.result(listed_until).to_json(), rows)


def poll_suppliers(tenant: Tenant, client, run_id: int) -> list:
    listed_until = observed_until()
    state = load_state(tenant, "supplier")
    locations = client.supplier_locations()
    scan = Scan(state, page_size=PAGE_SIZE)

    def fetch(offset):
        return client.suppliers_page(offset=offset, locations=locations)

    changes, unreadable = _scan_pages(scan, fetch, Entity.SUPPLIER, run_id)
    rows = record_unreadable(tenant.id, Entity.SUPPLIER, unreadable, run_id)
    for change in changes:
        organization = {k: v for k, v in change.record.items() if k not in ("locations",)}
        location = (change.record.get("locations") or [None])[0]
        rows.append(
            activity.record_version(
                tenant.id,
                "supplier",
                change.key,
                change.hash,
                number=change.record.get("code"),
                label=change.record.get("name"),
                run_id=run_id,
                snapshot=SupplierSnapshot(organization, location).to_json(),
            )
        )
    return _commit_then_save(tenant, "supplier", scan.result(listed_until).to_json(), rows)


def _commit_then_save(tenant: Tenant, entity: str, state: dict, rows: list) -> list:
    """Commit the new rows first; only then move the watermark (a crash in between re-reads, never skips)."""
    db.session.commit()
    save_state(tenant, entity, state)
    db.session.commit()
    return [row for row in rows if row is not None]


POLLERS = {
    Entity.SUPPLIER: poll_suppliers,
    Entity.PRODUCT: poll_products,
    Entity.PURCHASE_ORDER: poll_purchase_orders,
    Entity.SHIPMENT: poll_shipments,
    Entity.ADJUSTMENT: poll_adjustments,
}
