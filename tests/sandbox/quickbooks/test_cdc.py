"""ChangeDataCapture: what changed since a moment, per entity asked, deleted transactions as ``status: Deleted``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from .conftest import fault_code
from .test_entities import journal_line


def _since(minutes: int = 5) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


def _cdc(plus, entities: str, since: str) -> dict:
    response = plus.get("cdc", entities=entities, changedSince=since)
    assert response.status_code == 200, response.text
    [block] = response.json()["CDCResponse"]
    return {name: rows for part in block["QueryResponse"] for name, rows in part.items() if isinstance(rows, list)}


def _journal(plus, accounts) -> dict:
    shrinkage, inventory = accounts["Inventory Shrinkage"], accounts["Inventory Asset"]
    return plus.create("JournalEntry", {"Line": [journal_line("Debit", shrinkage), journal_line("Credit", inventory)]})


def test_created_updated_and_deleted_objects_come_back_per_entity(plus, accounts):
    since = _since()
    vendor = plus.create("Vendor", {"DisplayName": "Globex Supplies"})
    kept, gone = _journal(plus, accounts), _journal(plus, accounts)
    updated = plus.post("journalentry", {"Id": kept["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"})
    deleted = plus.post("journalentry", {"Id": gone["Id"], "SyncToken": "0"}, operation="delete")
    assert updated.status_code == deleted.status_code == 200

    found = _cdc(plus, "JournalEntry,Vendor", since)

    assert [row["Id"] for row in found["Vendor"]] == [vendor["Id"]]
    by_id = {row["Id"]: row for row in found["JournalEntry"]}
    assert by_id[kept["Id"]]["SyncToken"] == "1" and by_id[kept["Id"]]["PrivateNote"] == "x"
    assert by_id[gone["Id"]]["status"] == "Deleted" and set(by_id[gone["Id"]]) == {"Id", "status", "domain", "MetaData"}


def test_only_changes_at_or_after_changed_since(plus, accounts):
    with freeze_time(datetime.now(UTC) - timedelta(days=2)):
        old = _journal(plus, accounts)
    new = _journal(plus, accounts)
    assert [row["Id"] for row in _cdc(plus, "JournalEntry", _since())["JournalEntry"]] == [new["Id"]]
    assert old["Id"] != new["Id"]


def test_missing_parameters_and_a_window_beyond_thirty_days_are_refused(plus):
    assert fault_code(plus.get("cdc", changedSince=_since())) == "2020"
    assert fault_code(plus.get("cdc", entities="Vendor")) == "2020"
    too_old = (datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="seconds")
    assert plus.get("cdc", entities="Vendor", changedSince=too_old).status_code == 400
