"""Drift: a document we synced, changed in QuickBooks afterwards (pure: no Flask, HTTP or DB).

QuickBooks' change feed (ChangeDataCapture) lists what changed since a moment; a document is ours when
the ledger links it to an OpenBoxes record. Deleted: it is gone. Edited: its ``SyncToken`` moved past
the one our last write got back (every QuickBooks update bumps it), so someone else changed it; what
changed is said where we can tell (total, number, our marker).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from portal.sync.identity import parse_marker
from portal.sync.money import to_decimal

# Which OpenBoxes entity each QuickBooks document comes from.
BOOKS_TO_OPENBOXES = {
    "PurchaseOrder": "purchase_order",
    "Bill": "purchase_order",
    "Invoice": "shipment",
    "SalesReceipt": "shipment",
    "JournalEntry": "adjustment",
}
MAX_LOOKBACK = timedelta(days=29)  # QuickBooks answers at most 30 days back; a day's margin for zones


@dataclass(frozen=True)
class SyncedDocument:
    """What we know of a document we wrote: its id, the SyncToken our last write got back, its total and number."""

    qbo_id: str
    sync_token: str | None
    amount: Decimal | None
    doc_number: str | None
    txn_date: str | None = None
    lines: int | None = None  # how many lines we sent


@dataclass(frozen=True)
class Drift:
    kind: str  # "edited" or "deleted"
    detail: str


def look_since(last_look: datetime | None, first_look: datetime, now: datetime) -> datetime:
    """Where the next look starts: the last one, else ``first_look``; never further back than QuickBooks allows."""
    return max(last_look or first_look, now - MAX_LOOKBACK)


def drift_of(ours: SyncedDocument, change: dict, entity: str) -> Drift | None:
    """How QuickBooks' copy departs from what we wrote, or None when the change is our own write."""
    when = (change.get("MetaData") or {}).get("LastUpdatedTime", "")
    if change.get("status") == "Deleted":
        return Drift("deleted", f"{entity} {ours.doc_number or ours.qbo_id} was deleted in QuickBooks ({when})")
    theirs = str(change.get("SyncToken", ""))
    if ours.sync_token is not None and theirs == ours.sync_token:
        return None
    versions = f"version {ours.sync_token} → {theirs}"
    return Drift("edited", f"Edited in QuickBooks ({when}, {versions}): {_what(ours, change)}")


def _what(ours: SyncedDocument, change: dict) -> str:
    found = []
    total = to_decimal(change.get("TotalAmt"))
    if ours.amount is not None and total is not None and total != ours.amount:
        found.append(f"total {ours.amount} → {total}")
    if ours.doc_number and change.get("DocNumber") != ours.doc_number:
        found.append(f"number {ours.doc_number} → {change.get('DocNumber') or '(none)'}")
    if ours.txn_date and change.get("TxnDate") and change["TxnDate"] != ours.txn_date:
        found.append(f"date {ours.txn_date} → {change['TxnDate']}")
    if ours.lines is not None and isinstance(change.get("Line"), list) and len(change["Line"]) != ours.lines:
        found.append(f"{ours.lines} line(s) → {len(change['Line'])}")
    if parse_marker(change.get("PrivateNote")) is None:
        found.append("the OpenBoxes reference was removed from its private note")
    return "; ".join(found) or "fields other than the total, number, date and lines (open it in QuickBooks to see)"
