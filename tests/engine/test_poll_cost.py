"""The cost of a poll grows with the changes, not with the size of the OpenBoxes database."""

import os
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from portal.engine.poll import poll_tenant
from portal.services.enable import enable_sync
from tests.sync_fixtures import activities

RECORDS = int(os.environ.get("POLL_COST_RECORDS", "10000"))


@pytest.mark.slow
def test_poll_over_ten_thousand_unchanged_records_reads_one_page_per_entity(tenant, ob, db):
    tenant.sync_enabled_at = datetime.now(UTC) - timedelta(days=30)
    db.session.commit()
    now = datetime.now(UTC).replace(microsecond=0)
    ob.control("POST", "/clock", {"set": (now - timedelta(hours=4)).isoformat().replace("+00:00", "Z")})
    ob.control("POST", "/products/bulk", {"count": RECORDS})  # one second apart, ending 4 hours ago
    ob.control("POST", "/clock", {"set": now.isoformat().replace("+00:00", "Z")})
    enable_sync_keeping_cutoff(tenant, db)

    first = poll_tenant(tenant.id, "manual")
    assert len(first.queued_ids) == RECORDS
    ob.control("DELETE", "/requests")

    second = poll_tenant(tenant.id, "manual")

    assert second.queued_ids == []
    counts = ob.request_counts()
    assert counts.get("GET /openboxes/api/products", 0) == 1
    assert counts.get("GET /openboxes/api/organizations", 0) <= 1
    log = ob.request_log("/openboxes/api/stockMovements")
    directions = [parse_qs(entry["query"])["direction"][0] for entry in log]
    assert len(directions) == len(set(directions)) <= 2  # at most one page each: outbound shipments, inbound receipts
    assert counts.get("GET /openboxes/api/reports/inventory-transactions-summary", 0) <= 1
    assert counts.get("GET /openboxes/api/products/<product_id>", 0) == 0  # no detail reads either
    assert len(activities(db, entity_type="product")) == RECORDS


def enable_sync_keeping_cutoff(tenant, db):
    """Take the purchase-order baseline, keeping the 30-day-old cutoff so the bulk products count as new."""
    cutoff = tenant.sync_enabled_at
    enable_sync(tenant.id)
    tenant.sync_enabled_at = cutoff
    db.session.commit()
