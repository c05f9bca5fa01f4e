"""Polling decisions: changes, stop conditions, shared seconds, overlap, state round trips, windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.sync.identity import adjustment_key
from portal.sync.watermark import (
    Scan,
    Seen,
    WatermarkState,
    diff_window,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def rec(ident: str, minutes: float, name: str = "x") -> dict:
    stamp = (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": ident, "name": name, "lastUpdated": stamp}


def pages(records: list[dict], size: int, overlap_rows: int = 1) -> list[list[dict]]:
    """Offset pages as the server would serve them for the scan's offsets."""
    out, offset = [], 0
    while True:
        page = records[offset : offset + size]
        out.append(page)
        if len(page) < size:
            return out
        offset += size - overlap_rows


def scan_all(state, pages, *, page_size, **options):
    """Feed pages until the scan is done, as a poll does."""
    scan = Scan(state, page_size=page_size, **options)
    changes = []
    for page in pages:
        changes.extend(scan.feed(page))
        if scan.done:
            break
    return changes, scan.result()


def run(state, records, size=3, **kw):
    ordered = sorted(records, key=lambda r: r["lastUpdated"], reverse=True)
    return scan_all(state, pages(ordered, size), page_size=size, **kw)


def test_first_poll_reports_everything_after_floor_only():
    state = WatermarkState.starting_at(T0)
    changes, new = run(state, [rec("a", 5), rec("b", 1), rec("old", -30)])
    assert [c.key for c in changes] == ["a", "b"]
    assert new.position == T0 + timedelta(minutes=5) and new.floor == T0


def test_unchanged_records_cost_nothing_and_one_page():
    records = [rec(f"r{i}", -i * 60) for i in range(50)]
    _, state = run(WatermarkState(), records, size=10)
    ordered = sorted(records, key=lambda r: r["lastUpdated"], reverse=True)
    scan = Scan(state, page_size=10)
    assert scan.feed(ordered[:10]) == [] and scan.done  # one page, nothing to push


def test_records_sharing_the_position_second_are_never_skipped():
    state = WatermarkState()
    _, state = run(state, [rec("a", 0), rec("b", 0)])
    # c is saved later within the very same second as the position
    changes, state = run(state, [rec("a", 0), rec("b", 0), rec("c", 0)])
    assert [c.key for c in changes] == ["c"]
    assert set(state.seen) == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        ([rec("a", 10, "changed")], ["a"]),  # content change
        ([rec("a", 10)], []),  # lastUpdated bumped, same content
        ([rec("n", 10)], ["n"]),  # new record
        ([rec("a", 0, "changed")], ["a"]),  # changed within the same second, inside the overlap
        ([], []),
    ],
)
def test_change_detection(later, expected):
    _, state = run(WatermarkState(), [rec("a", 0), rec("b", -1)])
    base = [r for r in [rec("a", 0), rec("b", -1)] if r["id"] not in {x["id"] for x in later}]
    changes, _ = run(state, base + later)
    assert [c.key for c in changes] == expected


def test_known_hashes_from_the_database_prevent_repush():
    from portal.sync.identity import content_hash

    old = rec("a", -120)  # far outside the overlap: not in seen
    state = WatermarkState(position=T0, seen={})
    scan = Scan(state, page_size=10, overlap=timedelta(minutes=15))
    moved = {**old, "lastUpdated": rec("a", 5)["lastUpdated"]}  # saved again, same content
    assert scan.feed([moved], known={"a": content_hash(old)}) == []
    assert [c.key for c in Scan(state, page_size=10).feed([moved])] == ["a"]


def test_stop_at_first_record_older_than_overlap():
    state = WatermarkState(position=T0)
    scan = Scan(state, page_size=3, overlap=timedelta(minutes=15))
    changes = scan.feed([rec("a", 5), rec("b", -10), rec("c", -16)])
    assert [c.key for c in changes] == ["a", "b"] and scan.done


def test_short_page_ends_the_scan_and_offsets_overlap():
    scan = Scan(WatermarkState(), page_size=3, overlap_rows=1)
    scan.feed([rec("a", 3), rec("b", 2), rec("c", 1)])
    assert not scan.done and scan.offset == 2
    scan.feed([rec("c", 1), rec("d", 0)])
    assert scan.done


def test_page_overlap_reads_a_row_twice_without_repush():
    scan = Scan(WatermarkState(), page_size=3, overlap_rows=1)
    first = scan.feed([rec("a", 3), rec("b", 2), rec("c", 1)])
    second = scan.feed([rec("c", 1), rec("d", 0)])
    assert [c.key for c in first + second] == ["a", "b", "c", "d"]


def test_record_updated_during_paging_is_caught_next_poll():
    # page 1 was read, then "z" (further down) was saved: it moved to the top, unseen by this scan
    scan = Scan(WatermarkState(), page_size=2, overlap_rows=0)
    scan.feed([rec("a", 3), rec("b", 2)])
    scan.feed([rec("c", 1)])
    state = scan.result()
    assert state.position == T0 + timedelta(minutes=3)
    changes, _ = run(state, [rec("z", 3.5, "new"), rec("a", 3), rec("b", 2), rec("c", 1)])
    assert [c.key for c in changes] == ["z"]


def test_seen_is_pruned_to_the_overlap_window():
    _, state = run(WatermarkState(), [rec("a", 0), rec("b", -10), rec("c", -20)], overlap=timedelta(minutes=15))
    assert set(state.seen) == {"a", "b"}
    _, later = run(state, [rec("d", 30), rec("a", 0)], overlap=timedelta(minutes=15))
    assert set(later.seen) == {"d"}


def test_state_json_round_trip():
    state = WatermarkState(position=T0, floor=T0 - timedelta(days=1), seen={"a": Seen("h", T0)})
    data = state.to_json()
    assert data == {
        "position": "2025-03-01T12:00:00+00:00",
        "floor": "2025-02-28T12:00:00+00:00",
        "seen": {"a": ["h", "2025-03-01T12:00:00+00:00"]},
    }
    assert WatermarkState.from_json(data) == state
    assert WatermarkState.from_json(None) == WatermarkState()


def test_overlap_rows_must_fit_the_page():
    with pytest.raises(ValueError):
        Scan(WatermarkState(), page_size=1, overlap_rows=1)


def test_adjustment_rows_with_composite_keys_and_shared_second():
    def row(number: str, product: str, minutes: float, diff: int = -1) -> dict:
        stamp = (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "transaction": {"transactionNumber": number},
            "product": {"id": product},
            "quantityDifference": diff,
            "dateRecorded": stamp,
        }

    options = {
        "key": lambda r: adjustment_key(r["transaction"]["transactionNumber"], r["product"]["id"]),
        "updated_at": lambda r: datetime.fromisoformat(r["dateRecorded"].replace("Z", "+00:00")),
        "overlap": timedelta(days=14),
    }
    rows = [row("T-1", "p1", 0), row("T-1", "p2", 0), row("T-2", "p1", 0)]
    changes, state = scan_all(WatermarkState(), [rows], page_size=100, **options)
    assert [c.key for c in changes] == ["T-1/p1", "T-1/p2", "T-2/p1"]
    backdated = row("T-3", "p1", -60 * 24 * 10)  # recorded now, dated 10 days back
    changes, _ = scan_all(state, [rows + [backdated]], page_size=100, **options)
    assert [c.key for c in changes] == ["T-3/p1"]


def test_next_range_restarts_paging_unless_cutoff_reached():
    scan = Scan(WatermarkState(position=T0), page_size=2, overlap=timedelta(minutes=15))
    scan.feed([rec("a", 1)])
    scan.next_range()
    assert not scan.done and scan.offset == 0
    scan.feed([rec("b", -30)])
    scan.next_range()
    assert scan.done


def test_po_rescan_window_diff():
    rows = [{"id": "o1", "status": "PLACED"}, {"id": "o2", "status": "PENDING"}, {"id": "o1", "status": "PLACED"}]
    first = diff_window(rows, {}, observed_at=T0)
    assert [c.key for c in first.changes] == ["o1", "o2"] and set(first.hashes) == {"o1", "o2"}
    again = diff_window(
        [{"id": "o1", "status": "PLACED"}, {"id": "o2", "status": "PLACED"}], first.hashes, observed_at=T0
    )
    assert [c.key for c in again.changes] == ["o2"]


def test_observed_until_moves_an_idle_position_forward():
    from datetime import UTC, datetime, timedelta

    from portal.sync.watermark import Scan, WatermarkState

    old = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    scan = Scan(WatermarkState.starting_at(old - timedelta(days=1)), page_size=10)
    scan.feed([{"id": "a", "lastUpdated": old.isoformat()}])
    later = old + timedelta(hours=3)
    assert scan.result(observed_until=later).position == later
    assert scan.result().position == old


@pytest.mark.slow
def test_observed_until_never_moves_the_position_back():
    from datetime import UTC, datetime, timedelta

    from portal.sync.watermark import Scan, WatermarkState

    newest = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    scan = Scan(WatermarkState.starting_at(newest - timedelta(days=1)), page_size=10)
    scan.feed([{"id": "a", "lastUpdated": newest.isoformat()}])
    assert scan.result(observed_until=newest - timedelta(hours=1)).position == newest
