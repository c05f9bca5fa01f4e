"""Suppliers → Vendors: how they are polled, read again, and pushed."""

from __future__ import annotations

from decimal import Decimal

from portal.engine import activity
from portal.engine.context import SyncContext
from portal.engine.entities.handler import Handler
from portal.engine.entities.shared import PAGE_SIZE, commit_then_save, scan_pages, upsert_named
from portal.engine.fetch import Fetched, Reading, record_unreadable
from portal.engine.openboxes import jsonable
from portal.engine.watermarks import load_state, observed_until
from portal.models import SyncActivity, Tenant
from portal.sync.entities import Entity
from portal.sync.identity import content_hash
from portal.sync.mappers import supplier_to_vendor
from portal.sync.snapshots import SupplierSnapshot
from portal.sync.watermark import Scan


def poll_suppliers(tenant: Tenant, client, run_id: int) -> list:
    listed_until = observed_until()
    state = load_state(tenant, "supplier")
    locations = client.supplier_locations()
    scan = Scan(state, page_size=PAGE_SIZE)

    def fetch(offset):
        return client.suppliers_page(offset=offset, locations=locations)

    changes, unreadable = scan_pages(scan, fetch, Entity.SUPPLIER, run_id)
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
    return commit_then_save(tenant, "supplier", scan.result(listed_until).to_json(), rows)


def reread_supplier(tenant: Tenant, client, listed: dict) -> Fetched:
    reading = Reading(Entity.SUPPLIER, listed.get("code"), str(listed["id"]))
    with reading.step("the organization"):
        organization = jsonable(client.organization(str(listed["id"])))
        locations = jsonable(client.supplier_locations().get(str(listed["id"]), []))
        snapshot = SupplierSnapshot(organization, locations[0] if locations else None).to_json()
        version = content_hash({**organization, "locations": locations})
        return Fetched(version, snapshot, organization.get("code"), organization.get("name"))


def push_supplier(ctx: SyncContext, row: SyncActivity) -> tuple[dict, Decimal | None]:
    snap = SupplierSnapshot.from_json(row.snapshot)
    organization, location = snap.organization, snap.location
    refs = ctx.refs()
    return upsert_named(
        ctx, row, "supplier", lambda clash: supplier_to_vendor(organization, location, refs, clash=clash)
    )


HANDLER = Handler(poll=poll_suppliers, read=reread_supplier, push=push_supplier)
