"""Reading again a record OpenBoxes could not serve when it was polled, for the push of its row."""

from __future__ import annotations

from portal.engine import activity
from portal.engine.fetch import Fetched, Reading, RecordUnreadable
from portal.engine.openboxes import jsonable, openboxes_client
from portal.engine.poll_documents import (
    ProductCache,
    before_enabling,
    read_adjustment,
    read_movement,
    read_purchase_order,
    read_shipment,
)
from portal.extensions import db
from portal.models import SyncActivity, Tenant
from portal.sync.entities import Entity
from portal.sync.errors import SkipRecord
from portal.sync.identity import content_hash
from portal.sync.snapshots import ProductSnapshot, SupplierSnapshot, UnfetchedSnapshot


def read_again(row: SyncActivity) -> None:
    """Read the row's record from OpenBoxes and store it on the row (committed); raise what failed.

    Raises:
        SyncError: OpenBoxes still cannot serve it (the message names the record and the answer).
        SkipRecord: There is nothing to push (its version already has a row, or it predates syncing).
    """
    tenant = db.session.get(Tenant, row.tenant_id)
    listed = UnfetchedSnapshot.from_json(row.snapshot).listed
    with openboxes_client(row.tenant_id) as client:
        try:
            fetched = READERS[Entity(row.entity_type)](tenant, client, listed)
        except RecordUnreadable as failure:
            raise failure.error from None
    filled = activity.fill_unfetched(row, fetched.version, fetched.snapshot, number=fetched.number, label=fetched.label)
    if not filled:
        raise SkipRecord(row.message)
    db.session.commit()


def _purchase_order(tenant: Tenant, client, listed: dict) -> Fetched:
    return read_purchase_order(tenant, client, listed, ProductCache(client))


def _shipment(tenant: Tenant, client, listed: dict) -> Fetched:
    movement = read_movement(client, listed)
    if before_enabling(tenant, movement):
        raise SkipRecord("This shipment was last changed before syncing was enabled, so it is not exported.")
    return read_shipment(client, listed, movement, ProductCache(client))


def _adjustment(tenant: Tenant, client, listed: dict) -> Fetched:
    return read_adjustment(listed, ProductCache(client))


def _product(tenant: Tenant, client, listed: dict) -> Fetched:
    reading = Reading(Entity.PRODUCT, listed.get("productCode"), str(listed["id"]))
    with reading.step("the product"):
        product = jsonable(client.product(str(listed["id"])))
        snapshot = ProductSnapshot(product).to_json()
        return Fetched(content_hash(product), snapshot, product.get("productCode"), product.get("name"))


def _supplier(tenant: Tenant, client, listed: dict) -> Fetched:
    reading = Reading(Entity.SUPPLIER, listed.get("code"), str(listed["id"]))
    with reading.step("the organization"):
        organization = jsonable(client.organization(str(listed["id"])))
        locations = jsonable(client.supplier_locations().get(str(listed["id"]), []))
        snapshot = SupplierSnapshot(organization, locations[0] if locations else None).to_json()
        version = content_hash({**organization, "locations": locations})
        return Fetched(version, snapshot, organization.get("code"), organization.get("name"))


READERS = {
    Entity.PURCHASE_ORDER: _purchase_order,
    Entity.SHIPMENT: _shipment,
    Entity.ADJUSTMENT: _adjustment,
    Entity.PRODUCT: _product,
    Entity.SUPPLIER: _supplier,
}
