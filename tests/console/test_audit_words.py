"""The audit log speaks plain words: a sentence per event, the action code and raw details folded away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.audit import SENTENCES, describe
from portal.models import AuditEvent
from tests.console.test_activity_panel import make_activity


@pytest.mark.parametrize(
    ("action", "details", "sentence"),
    [
        (
            "activity.retried",
            {"count": 12, "by_entity": {"supplier": 3, "purchase_order": 9}, "activity_ids": list(range(12))},
            "Retried 12 failed rows (suppliers: 3, purchase orders: 9)",
        ),
        ("activity.retried", {"activity_id": 7}, "Retried 1 failed row"),  # an event recorded before the change
        ("activity.ignored", {"count": 1, "by_entity": {"shipment": 1}}, "Ignored 1 failed row (shipments: 1)"),
        (
            "preferences.saved",
            {"sync_mode": {"from": "manual", "to": "realtime"}},
            "Changed the sync preferences: when to sync from only when asked to in real time",
        ),
        (
            "mapping.saved",
            {"role": "accounts_payable", "from": None, "to": "Accounts Payable (id 33)"},
            "Set the Accounts payable account to Accounts Payable (id 33)",
        ),
        ("quickbooks.disconnected", {"realm_id": "9341", "revoked": True}, "Disconnected QuickBooks"),
        (
            "sync.history_import",
            {"from": "2026-10-01", "previous_start": None},
            "Started syncing history from 2026-10-01",
        ),
        ("something.new_here", {}, "Something new here"),
    ],
)
def test_describe_says_what_happened_in_plain_words(action, details, sentence):
    assert describe(action, details) == sentence


def test_bulk_retry_is_one_event_per_tenant_and_the_log_shows_the_sentence(two_tenants, auth, client, db, redis):
    acme = two_tenants["acme"]
    ids = [make_activity(db, acme, f"ACME-PO-{n}").id for n in range(2)]
    ids.append(make_activity(db, acme, "ACME-SU-1", entity="supplier").id)
    db.session.commit()
    auth.login("admin@acme.test")
    auth.post("/admin/activity/action/", data={"action": "retry", "rowid": ids})
    [event] = db.session.scalars(db.select(AuditEvent).filter_by(action="activity.retried")).all()
    assert event.details["activity_ids"] == sorted(ids)
    body = client.get("/admin/audit/").get_data(as_text=True)
    assert "Retried 3 failed rows (purchase orders: 2, suppliers: 1)" in body
    assert "<summary>Technical details</summary><code>activity.retried</code>" in body
    assert "What happened" in body and body.count("activity.retried") == 1  # only inside the folded block


def test_every_action_the_portal_records_has_its_own_sentence():
    # A new record_event("x.y") would otherwise show up in the log as its bare code.
    root = Path(__file__).resolve().parents[2] / "portal"
    recorded = {
        m for path in root.rglob("*.py") for m in re.findall(r'record_event\(\s*"([a-z_.]+)"', path.read_text())
    }
    assert recorded and recorded <= set(SENTENCES), sorted(recorded - set(SENTENCES))
