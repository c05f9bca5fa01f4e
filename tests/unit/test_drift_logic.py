"""The pure drift rules: deleted, edited by someone else, or our own write (table tests)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from portal.sync.drift import SyncedDocument, drift_of, look_since

MARKER = "OpenBoxes purchase order PO-1 [openboxes:purchase_order:ob1:abcd1234]"
OURS = SyncedDocument("7", "0", Decimal("10.00"), "PO-1", "2026-12-01", 1)
STAMP = {"LastUpdatedTime": "2026-12-06T10:00:00-08:00"}


def _doc(**fields):
    return {
        "Id": "7",
        "SyncToken": "0",
        "TotalAmt": 10,
        "DocNumber": "PO-1",
        "PrivateNote": MARKER,
        "MetaData": STAMP,
        **fields,
    }


@pytest.mark.parametrize(
    ("change", "kind", "says"),
    [
        (_doc(), None, None),  # our own write
        ({"Id": "7", "status": "Deleted", "MetaData": STAMP}, "deleted", "PurchaseOrder PO-1 was deleted"),
        (_doc(SyncToken="1", TotalAmt=12.5), "edited", "total 10.00 → 12.5"),
        (_doc(SyncToken="2", DocNumber="X-9"), "edited", "number PO-1 → X-9"),
        (_doc(SyncToken="1", PrivateNote="typed over"), "edited", "OpenBoxes reference was removed"),
        (_doc(SyncToken="3"), "edited", "fields other than the total, number, date and lines"),
        (_doc(SyncToken="1", TxnDate="2026-11-30"), "edited", "date 2026-12-01 → 2026-11-30"),
        (_doc(SyncToken="1", Line=[{}, {}]), "edited", "1 line(s) → 2"),
        (_doc(SyncToken="3"), "edited", "version 0 → 3"),
    ],
)
def test_drift_of(change, kind, says):
    drift = drift_of(OURS, change, "PurchaseOrder")
    assert (drift.kind if drift else None) == kind
    if says:
        assert says in drift.detail


def test_the_look_never_goes_further_back_than_quickbooks_allows():
    now = datetime(2026, 12, 6, tzinfo=UTC)
    assert look_since(None, now - timedelta(days=90), now) == now - timedelta(days=29)
    assert look_since(now - timedelta(days=1), now - timedelta(days=90), now) == now - timedelta(days=1)
    assert look_since(None, now - timedelta(days=3), now) == now - timedelta(days=3)
