"""The pure reconciliation: periods, document dates, and what explains a difference (table tests)."""

from datetime import date
from decimal import Decimal

import pytest

from portal.sync.recon import (
    BooksDoc,
    BooksItem,
    LinkedProduct,
    RecordRow,
    compare,
    compare_on_hand,
    document_date,
    period_of,
)


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("day", date(2026, 3, 4), date(2026, 3, 4), date(2026, 3, 4)),
        ("week", date(2026, 3, 4), date(2026, 3, 2), date(2026, 3, 8)),
        ("week", date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 8)),
        ("month", date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
        ("month", date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),
        ("month", date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_periods(kind, day, start, end):
    period = period_of(kind, day)
    assert (period.start, period.end) == (start, end)


def test_unknown_period_is_refused():
    with pytest.raises(ValueError, match="day, week or month"):
        period_of("year", date(2026, 1, 1))


@pytest.mark.parametrize(
    ("entity", "snapshot", "expected"),
    [
        ("purchase_order", {"approved_at": "2026-03-01T03:00:00+00:00"}, date(2026, 2, 28)),  # evening before, New York
        ("shipment", {"shipment": {"actualShippingDate": "2026-03-02T15:00:00Z"}, "movement": {}}, date(2026, 3, 2)),
        ("shipment", {"shipment": {}, "movement": {"dateShipped": "03/05/2026 10:00"}}, date(2026, 3, 5)),
        ("adjustment", {"row": {"dateRecorded": "2026-03-07T12:00:00Z"}}, date(2026, 3, 7)),
        ("adjustment", {"row": {}}, None),
        ("supplier", {"approved_at": "2026-03-01T03:00:00+00:00"}, None),
        ("purchase_order", None, None),
    ],
)
def test_document_dates_are_local_to_the_tenant(entity, snapshot, expected):
    assert document_date(entity, snapshot, "America/New_York") == expected


def _row(pk, status="synced", amount="10.00", message=None, qbo_id=None):
    return RecordRow(pk, f"ob{pk}", f"PO{pk}", status, Decimal(amount) if amount else None, qbo_id or str(pk), message)


def _doc(pk, amount="10.00", ours=True):
    return BooksDoc(str(pk), Decimal(amount), f"PO{pk}", f"ob{pk}" if ours else None)


@pytest.mark.parametrize(
    ("records", "docs", "counts", "reasons"),
    [
        ([_row(1), _row(2)], [_doc(1), _doc(2)], (2, 2), []),
        ([_row(1), _row(2, "sync_failed", None)], [_doc(1)], (2, 1), [("failed", 2)]),
        ([_row(1, "skipped", message="Ignored by a@b.c on 2026-03-01 10:00 UTC")], [], (1, 0), [("ignored", 1)]),
        ([_row(1, "skipped", message="Shipment 7 shipped no quantity")], [], (1, 0), [("skipped", 1)]),
        ([_row(1, "retrying"), _row(2, "queued", None)], [_doc(1)], (2, 1), [("waiting", 1), ("waiting", 2)]),
        ([_row(1)], [], (1, 0), [("missing in QuickBooks", 1)]),
        ([_row(1)], [_doc(1, "12.00")], (1, 1), [("amount differs", 1)]),
        ([_row(1)], [_doc(1), _doc(2)], (1, 1 + 1), [("not in this period in OpenBoxes", None)]),
        ([_row(1)], [_doc(1), _doc(9, ours=False)], (1, 1), []),  # entered by someone else: apart
    ],
)
def test_compare_names_what_differs(records, docs, counts, reasons):
    result = compare("purchase_order", "PurchaseOrder", records, docs)
    assert (result.openboxes_count, result.quickbooks_count) == counts
    assert [(item.reason, item.activity_id) for item in result.explanations] == reasons
    assert result.agrees == (not reasons)


def test_amounts_and_unknown_amounts():
    result = compare("shipment", "Invoice", [_row(1, amount="5.50"), _row(2, "sync_failed", None)], [_doc(1, "5.50")])
    assert (result.openboxes_amount, result.unknown_amounts, result.quickbooks_amount) == (
        Decimal("5.50"),
        1,
        Decimal("5.50"),
    )
    assert result.count_difference == 1 and result.amount_difference == 0


def test_mapped_amount_of_rows_never_pushed():
    from portal.sync.recon import amount_refs, mapped_amount
    from portal.sync.refs import Refs

    refs = amount_refs(Refs(plan="Plus"))
    order = {"id": "o1", "orderNumber": "PO-1", "status": "PLACED", "currencyCode": "USD", "supplierId": "s1"}
    items = [{"product": {"id": "p1"}, "quantity": 3, "unitPrice": "2.50", "currencyCode": "USD"}]
    po = {
        "order": order,
        "items": items,
        "organization": {"id": "s1"},
        "products": {},
        "approved_at": "2026-03-01T10:00:00+00:00",
    }
    adjustment = {
        "row": {
            "transaction": {"transactionNumber": "T1"},
            "product": {"id": "p1"},
            "quantityDifference": -2,
            "dateRecorded": "2026-03-01T10:00:00Z",
        },
        "product": {"id": "p1", "pricePerUnit": "1.25"},
    }
    assert mapped_amount("purchase_order", po, refs) == Decimal("7.50")
    assert mapped_amount("adjustment", adjustment, refs) == Decimal("2.50")
    assert mapped_amount("purchase_order", {"order": {}}, refs) is None  # cannot be mapped: no amount
    assert mapped_amount("supplier", {}, refs) is None


GAUZE, TAPE, MASK = (LinkedProduct(f"p{n}", code, f"{n}0") for n, code in ((1, "GZ-10"), (2, "TP-20"), (3, "MK-1")))


@pytest.mark.parametrize(
    ("openboxes", "books", "differing", "matching", "untracked"),
    [
        # both sides agree on every linked inventory item
        ({"p1": Decimal(10), "p2": Decimal(4)}, {"10": 10, "20": 4}, [], 2, 1),
        # QuickBooks below OpenBoxes (a receipt not synced), and above it
        ({"p1": Decimal(6), "p2": Decimal(4)}, {"10": 0, "20": 7}, [("GZ-10", 6), ("TP-20", -3)], 0, 1),
        # OpenBoxes not read for one product: it cannot be said to agree
        ({"p2": Decimal(4)}, {"10": 10, "20": 4}, [("GZ-10", None)], 1, 1),
        # every link points to an item QuickBooks does not list as inventory: nothing to compare
        ({"p1": Decimal(1)}, {}, [], 0, 3),
        # fractional quantities compare exactly
        ({"p1": Decimal("2.5"), "p2": Decimal(4), "p3": Decimal(0)}, {"10": 2.5, "20": 4, "30": 0}, [], 3, 0),
    ],
)
def test_on_hand_per_item(openboxes, books, differing, matching, untracked):
    items = {qbo_id: BooksItem(qbo_id, f"item {qbo_id}", Decimal(str(qty))) for qbo_id, qty in books.items()}

    result = compare_on_hand([GAUZE, TAPE, MASK], openboxes, items)

    assert [(item.product.label, item.difference) for item in result.differing] == differing
    assert (result.matching, result.untracked) == (matching, untracked)


def test_on_hand_item_names_the_quickbooks_item():
    [item] = compare_on_hand([TAPE], {"p2": Decimal(1)}, {"20": BooksItem("20", "Surgical tape", Decimal(3))}).items
    assert (item.item_name, item.openboxes, item.quickbooks, item.differs) == ("Surgical tape", 1, 3, True)
