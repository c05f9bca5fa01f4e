"""The entity registry's pure half and the typed snapshots."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from portal.sync.entities import (
    ACTIVITY_STATUSES,
    ENTITY_TOGGLES,
    ENTITY_TYPES,
    PO_TARGETS,
    SHIPMENT_TARGETS,
    ActivityStatus,
    entity_label,
)
from portal.sync.snapshots import AdjustmentSnapshot, PurchaseOrderSnapshot, ShipmentSnapshot


def test_stored_values_keep_their_order_and_spelling():
    # CHECK constraints are built from these tuples: order and spelling must match the migrations.
    assert ENTITY_TYPES == ("purchase_order", "supplier", "shipment", "product", "adjustment", "customer", "receipt")
    assert ACTIVITY_STATUSES == ("queued", "syncing", "synced", "retrying", "sync_failed", "skipped")
    assert PO_TARGETS == ("PurchaseOrder", "Bill")
    assert SHIPMENT_TARGETS == ("Invoice", "SalesReceipt")
    assert ActivityStatus.SYNC_FAILED == "sync_failed" and f"{ActivityStatus.SYNCED}" == "synced"


def test_toggles_and_labels_come_from_the_registry():
    assert ENTITY_TOGGLES == (
        "sync_purchase_orders",
        "sync_suppliers",
        "sync_shipments",
        "sync_products",
        "sync_adjustments",
    )
    assert entity_label("purchase_order") == "Purchase order"


def test_a_purchase_order_snapshot_stored_before_the_classes_loads_typed():
    stored = {
        "order": {"id": "po1"},
        "items": [{"id": "i1"}],
        "organization": {"id": "o1", "name": "Acme"},
        "location": {"id": "l1"},
        "products": {"p1": {"id": "p1"}},
        "approved_at": "2026-03-01T10:00:00+00:00",
        "exchange_rate": "1.25",
    }
    snap = PurchaseOrderSnapshot.from_json(stored)
    assert snap.approved_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert snap.exchange_rate == Decimal("1.25")
    assert snap.to_json() == stored


def test_an_old_purchase_order_without_a_rate_or_location_loads():
    stored = {"order": {}, "items": [], "organization": {}, "products": {}, "approved_at": "2026-03-01T10:00:00"}
    snap = PurchaseOrderSnapshot.from_json(stored)
    assert snap.exchange_rate is None and snap.location is None


def test_shipment_and_adjustment_snapshots_round_trip():
    shipment = {"movement": {"id": "m"}, "shipment": {}, "destination": {"id": "d"}, "products": {}}
    adjustment = {"row": {"quantity": 1}, "product": {"pricePerUnit": 2}}
    assert ShipmentSnapshot.from_json(shipment).to_json() == shipment
    assert AdjustmentSnapshot.from_json(adjustment).to_json() == adjustment
