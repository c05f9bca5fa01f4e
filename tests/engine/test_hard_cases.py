"""The demo data's hard cases: every record ends synced, skipped or Sync Failed with a specific reason."""

from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue

from jobs.queues import QUEUE_NAMES
from portal.models import Watermark
from tests.sync_fixtures import activities, sync

GENERIC = ("report this to support", "Network failure", "will retry")


@pytest.fixture
def demo(tenant, ob, qb, db, qbo_app):
    # Hundreds of records in one go: lift QuickBooks' per-minute budget (sandbox and ours) for this run.
    qb.control("PUT", "/throttle", {"request_budget": 100_000})
    qbo_app.config["QBO_RATE_BUDGET"] = 90_000
    ob.control("POST", "/reset", {"data": "demo"})
    tenant.sync_enabled_at = datetime.now(UTC) - timedelta(days=120)  # the whole demo history is "new"
    db.session.execute(db.delete(Watermark))
    db.session.commit()
    return ob.control("GET", "/hard-cases")["cases"]


@pytest.mark.slow
def test_every_demo_record_ends_in_a_final_state_with_a_specific_reason(demo, tenant, ob, qb, db, redis):
    sync(tenant, redis)

    rows = activities(db)
    by_status = {}
    for row in rows:
        by_status.setdefault(row.status, []).append(row)
    assert not by_status.get("syncing") and not by_status.get("queued") and not by_status.get("retrying"), {
        status: len(group) for status, group in by_status.items()
    }
    for row in by_status.get("sync_failed", []) + by_status.get("skipped", []):
        assert row.message and not any(text in row.message for text in GENERIC), (row.entity_type, row.message)
    assert all(len(Queue(name, connection=redis).failed_job_registry) == 0 for name in QUEUE_NAMES)
    for name, case in demo.items():
        for openboxes_id in case["ids"]:
            matching = [row for row in rows if row.openboxes_id == openboxes_id or row.openboxes_number == openboxes_id]
            for row in matching:
                assert row.status in ("synced", "skipped", "sync_failed"), (name, row.status)
    assert len(by_status.get("synced", [])) > len(rows) // 2
