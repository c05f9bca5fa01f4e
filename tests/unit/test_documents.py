"""Transaction mappers: PO → PurchaseOrder/Bill, shipment → Invoice/SalesReceipt, adjustment → JournalEntry."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portal.sync.dates import parse_openboxes_datetime, purchase_order_dated_at
from portal.sync.documents import (
    adjustment_to_journal_entry,
    enum_name,
    purchase_order_to_qbo,
    shipment_to_qbo,
)
from portal.sync.errors import MissingReference, NotLinked, Permanent, SkipRecord
from portal.sync.identity import parse_marker
from tests.unit.records import (
    PRODUCT2_ID,
    PRODUCT_ID,
    adjustment_row,
    movement,
    order,
    order_item,
    product,
    refs,
    shipment,
    shipment_item,
)

APPROVED = datetime(2025, 3, 5, 3, 30, tzinfo=UTC)  # 22:30 on 03/04 in New York
VERSION = "3f2a9c1b7d0e" + "0" * 52


def po(items=None, refs_=None, **kw):
    return purchase_order_to_qbo(
        kw.pop("order_", order()), items or [order_item()], refs_ or refs(), approved_at=APPROVED, version=VERSION, **kw
    )


@pytest.mark.parametrize(
    ("value", "expected"), [("PLACED", "PLACED"), ({"enumType": "x", "name": "RECEIVED"}, "RECEIVED"), (None, None)]
)
def test_enum_name(value, expected):
    assert enum_name(value) == expected


@pytest.mark.parametrize("target", ["PurchaseOrder", "Bill"])
def test_purchase_order_header(target):
    mapped = po(refs_=refs(po_target=target))
    payload = mapped.payload
    assert mapped.entity == target
    assert payload["VendorRef"] == {"value": "56"} and payload["APAccountRef"] == {"value": "5"}
    assert payload["DocNumber"] == "PO-000123" and mapped.lookup == {"DocNumber": "PO-000123"}
    assert payload["TxnDate"] == "2025-03-04"
    assert parse_marker(payload["PrivateNote"]).matches("purchase_order", order()["id"], VERSION)
    assert payload["PrivateNote"].startswith("OpenBoxes purchase order PO-000123 ")
    assert "CurrencyRef" not in payload and "ExchangeRate" not in payload
    assert mapped.amount == Decimal("21.00")
    assert payload["Line"] == [
        {
            "DetailType": "ItemBasedExpenseLineDetail",
            "Amount": 21,
            "Description": "AB12 Ibuprofen 200mg",
            "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "19"}, "Qty": 10, "UnitPrice": 2.1},
        }
    ]
    assert not any("Tax" in key for key in payload)


@pytest.mark.parametrize(
    ("items", "amounts", "total"),
    [
        ([order_item(quantity=3, unitPrice="0.3333")], [1.0], "1.00"),
        ([order_item(quantity=7, unitPrice="1.1155")], [7.81], "7.81"),
        ([order_item(quantity=2, unitPrice="1,234.50")], [2469], "2469.00"),
        ([order_item(), order_item(orderItemStatusCode="CANCELED")], [21], "21.00"),
        ([order_item(), order_item(quantity=0)], [21], "21.00"),
        ([order_item(unitPrice="0.00")], [0], "0.00"),
    ],
)
def test_purchase_order_lines(items, amounts, total):
    mapped = po(items)
    assert [line["Amount"] for line in mapped.payload["Line"]] == amounts
    assert mapped.amount == Decimal(total)


def test_locale_decimal_comma():
    mapped = po([order_item(quantity=2, unitPrice="1\u202f234,5")], decimal_separator=",")
    assert mapped.payload["Line"][0]["Amount"] == 2469


@pytest.mark.parametrize("status", ["PENDING", {"name": "CANCELED"}, "REJECTED", None])
def test_unapproved_po_is_skipped(status):
    with pytest.raises(SkipRecord, match="not approved"):
        po(order_=order(status=status))


@pytest.mark.parametrize(
    "items",
    [
        [order_item(orderItemStatusCode="CANCELED")],
        [order_item(quantity=0)],
        [order_item(quantity=0), order_item(orderItemStatusCode={"name": "CANCELED"})],
    ],
)
def test_po_without_lines_is_skipped(items):
    with pytest.raises(SkipRecord, match="no lines"):
        po(items)


@pytest.mark.parametrize(
    ("number", "doc"),
    [("PO-000123", "PO-000123"), ("PO-2025-CENTRAL-WAREHOUSE-000123", None)],
)
def test_long_order_numbers(number, doc):
    payload = po(order_=order(orderNumber=number)).payload
    assert len(payload["DocNumber"]) <= 21
    if doc:
        assert payload["DocNumber"] == doc
    else:
        assert payload["DocNumber"].startswith("PO-2025-CENT~")


@pytest.mark.parametrize(
    ("currency", "multicurrency", "rate", "expected"),
    [
        ("USD", False, None, {}),
        ("USD", True, None, {"CurrencyRef": {"value": "USD"}}),
        ("EUR", True, Decimal("1.08"), {"CurrencyRef": {"value": "EUR"}, "ExchangeRate": 1.08}),
        ("EUR", True, None, Permanent),
        ("EUR", False, Decimal("1.08"), Permanent),
    ],
)
def test_po_currency(currency, multicurrency, rate, expected):
    call = lambda: po([order_item(currencyCode=currency)], refs_=refs(multicurrency=multicurrency), exchange_rate=rate)  # noqa: E731
    if expected is Permanent:
        with pytest.raises(Permanent) as raised:
            call()
        assert "PO-000123" in raised.value.message and currency in raised.value.message
        return
    payload = call().payload
    assert {k: payload[k] for k in ("CurrencyRef", "ExchangeRate") if k in payload} == expected
    if currency == "EUR":
        assert payload["VendorRef"] == {"value": "57"}  # the supplier's EUR vendor


def test_po_mixed_currencies_fail():
    with pytest.raises(Permanent, match="mixes currencies"):
        po([order_item(currencyCode="USD"), order_item(currencyCode="EUR")], refs_=refs(multicurrency=True))


def test_po_unlinked_product_names_the_product_and_fix():
    with pytest.raises(NotLinked) as raised:
        po([order_item(product=product(id="other", productCode="ABC-1", name="Gauze"))])
    assert raised.value.message == (
        "Product ABC-1 'Gauze' is not linked to a QuickBooks item: link it under Product links, then retry"
    )


def test_po_unlinked_supplier_and_unmapped_ap():
    with pytest.raises(NotLinked, match="Supplier 'Acme Medical Ltd'"):
        po(refs_=refs(vendors={}))
    accounts = {k: v for k, v in refs().accounts.items() if k != "accounts_payable"}
    with pytest.raises(MissingReference, match="Accounts payable"):
        po(refs_=refs(accounts=accounts))


def test_po_unreadable_price():
    with pytest.raises(Permanent, match="line 1 .* has an unreadable unit price"):
        po([order_item(unitPrice="n/a")])


def test_po_flat_supplier_fields():
    flat = {"id": "o1", "orderNumber": "PO-9", "status": "PLACED", "supplierId": "ff80818155df9de40155df9e31000101"}
    assert po(order_=flat).payload["VendorRef"] == {"value": "56"}
    with pytest.raises(Permanent, match="no supplier"):
        po(order_={"id": "o1", "orderNumber": "PO-9", "status": "PLACED"})


# --- shipments ---


@pytest.mark.parametrize("target", ["Invoice", "SalesReceipt"])
def test_shipment_document(target):
    mapped = shipment_to_qbo(movement(), shipment(), {PRODUCT_ID: 0.12}, refs(shipment_target=target), version=VERSION)
    payload = mapped.payload
    assert mapped.entity == target
    assert payload["CustomerRef"] == {"value": "7"}
    assert payload["DocNumber"] == "OUT-00001"
    assert payload["TxnDate"] == "2025-03-04"  # actualShippingDate 22:30 -05:00, tenant in New York
    assert parse_marker(payload["PrivateNote"]).matches("shipment", movement()["id"], VERSION)
    assert payload["Line"] == [
        {
            "DetailType": "SalesItemLineDetail",
            "Amount": 1.2,
            "Description": "AB12 Ibuprofen",
            "SalesItemLineDetail": {"ItemRef": {"value": "19"}, "Qty": 10, "UnitPrice": 0.12},
        }
    ]
    assert ("DepositToAccountRef" in payload) is (target == "SalesReceipt")
    assert mapped.amount == Decimal("1.20")


@pytest.mark.parametrize(
    ("items", "prices", "lines", "total"),
    [
        ([shipment_item(quantity=4), shipment_item(quantity=6)], {PRODUCT_ID: "0.12"}, [(10, 1.2)], "1.20"),
        (
            [shipment_item(), shipment_item(PRODUCT2_ID, 3, "CD34", "Gauze")],
            {PRODUCT_ID: 0.12, PRODUCT2_ID: 2.5},
            [(10, 1.2), (3, 7.5)],
            "8.70",
        ),
        ([shipment_item(), shipment_item(PRODUCT2_ID, 0)], {PRODUCT_ID: 0.12}, [(10, 1.2)], "1.20"),
        ([shipment_item()], {PRODUCT_ID: 0}, [(10, 0)], "0.00"),
    ],
)
def test_shipment_lines(items, prices, lines, total):
    mapped = shipment_to_qbo(movement(), shipment(shipmentItems=items), prices, refs())
    got = [(line["SalesItemLineDetail"]["Qty"], line["Amount"]) for line in mapped.payload["Line"]]
    assert got == lines and mapped.amount == Decimal(total)


@pytest.mark.parametrize("status", ["PENDING", "CREATED", None])
def test_unshipped_is_skipped(status):
    with pytest.raises(SkipRecord, match="not shipped"):
        shipment_to_qbo(movement(currentStatus=None), shipment(status=status), {PRODUCT_ID: 1}, refs())


@pytest.mark.parametrize("status", ["SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED"])
def test_shipped_statuses(status):
    assert shipment_to_qbo(movement(), shipment(status=status), {PRODUCT_ID: 1}, refs()).payload["Line"]


def test_shipment_nothing_shipped_is_skipped():
    with pytest.raises(SkipRecord, match="shipped no quantity"):
        shipment_to_qbo(movement(), shipment(shipmentItems=[shipment_item(quantity=0)]), {PRODUCT_ID: 1}, refs())


@pytest.mark.parametrize(
    ("quantity", "problem"),
    [
        ("minus drei", "an unreadable quantity ('minus drei')"),
        (-2, "a negative quantity (-2)"),
        ("1e999999", "a quantity too large for the books"),
    ],
)
def test_shipment_quantity_the_books_cannot_take_fails_naming_the_product(quantity, problem):
    with pytest.raises(Permanent, match=r"the line of product AB12 'Ibuprofen' has ") as refused:
        shipment_to_qbo(movement(), shipment(shipmentItems=[shipment_item(quantity=quantity)]), {PRODUCT_ID: 1}, refs())
    assert problem in refused.value.message and refused.value.message.endswith("in OpenBoxes, then retry")


def test_adjustment_with_an_unreadable_quantity_difference_fails_naming_it():
    with pytest.raises(Permanent, match=r"has an unreadable quantity difference \('ein paar'\)"):
        adjustment_to_journal_entry(adjustment_row(quantityDifference="ein paar"), 2, refs())


def test_shipment_product_without_price_fails_with_fix():
    with pytest.raises(Permanent, match="Product AB12 'Ibuprofen' has no price per unit in OpenBoxes"):
        shipment_to_qbo(movement(), shipment(), {PRODUCT_ID: None}, refs())


@pytest.mark.parametrize(
    ("actual", "date_shipped", "expected"),
    [(None, "03/06/2025 09:00 -05:00", "2025-03-06"), (None, None, "2025-03-04"), ("03/07/2025", None, "2025-03-07")],
)
def test_shipment_date_fallbacks(actual, date_shipped, expected):
    mapped = shipment_to_qbo(
        movement(dateShipped=date_shipped), shipment(actualShippingDate=actual), {PRODUCT_ID: 1}, refs()
    )
    assert mapped.payload["TxnDate"] == expected


def test_shipment_without_any_date_fails():
    with pytest.raises(Permanent, match="no ship date"):
        shipment_to_qbo(
            movement(dateShipped=None),
            shipment(actualShippingDate=None, expectedShippingDate=None),
            {PRODUCT_ID: 1},
            refs(),
        )


def test_shipment_unlinked_customer():
    with pytest.raises(NotLinked, match="Destination 'St. Mary's Hospital'"):
        shipment_to_qbo(movement(), shipment(), {PRODUCT_ID: 1}, refs(customers={}))


def test_shipment_multicurrency_sends_home_currency():
    payload = shipment_to_qbo(movement(), shipment(), {PRODUCT_ID: 1}, refs(multicurrency=True)).payload
    assert payload["CurrencyRef"] == {"value": "USD"} and "ExchangeRate" not in payload


# --- adjustments ---


@pytest.mark.parametrize(
    ("delta", "price", "amount", "debit", "credit"),
    [
        (-10, 0.12, 1.2, "10", "4"),  # loss: debit adjustments, credit inventory asset
        (10, 0.12, 1.2, "4", "10"),  # gain: debit inventory asset, credit adjustments
        (-3, "2.675", 8.03, "10", "4"),  # 8.025 half-up
        (1, 0.005, 0.01, "4", "10"),
    ],
)
def test_adjustment_journal_entry(delta, price, amount, debit, credit):
    mapped = adjustment_to_journal_entry(adjustment_row(quantityDifference=delta), price, refs(), version=VERSION)
    payload = mapped.payload
    assert mapped.entity == "JournalEntry"
    lines = payload["Line"]
    assert [line["JournalEntryLineDetail"]["PostingType"] for line in lines] == ["Debit", "Credit"]
    assert lines[0]["JournalEntryLineDetail"]["AccountRef"] == {"value": debit}
    assert lines[1]["JournalEntryLineDetail"]["AccountRef"] == {"value": credit}
    assert lines[0]["Amount"] == lines[1]["Amount"] == amount and amount > 0
    assert mapped.amount == Decimal(str(amount))
    assert payload["DocNumber"] == "T-00042/AB12"
    assert payload["TxnDate"] == "2025-03-04"  # 02:20 UTC on the 5th is the evening of the 4th in New York
    assert "Broken bottles" in payload["PrivateNote"]
    assert parse_marker(payload["PrivateNote"]).matches("adjustment", f"T-00042/{PRODUCT_ID}", VERSION)


@pytest.mark.parametrize(("delta", "price"), [(0, 0.12), (-10, 0), (5, "0.0001")])
def test_zero_value_adjustment_is_skipped(delta, price):
    with pytest.raises(SkipRecord):
        adjustment_to_journal_entry(adjustment_row(quantityDifference=delta), price, refs())


def test_adjustment_without_price_fails():
    with pytest.raises(Permanent, match="no price per unit"):
        adjustment_to_journal_entry(adjustment_row(), None, refs())


def test_adjustment_without_code_uses_short_doc_number():
    row = adjustment_row(product={"id": PRODUCT_ID, "name": "Uncoded item 1", "productCode": None})
    doc = adjustment_to_journal_entry(row, 1, refs()).payload["DocNumber"]
    assert len(doc) <= 21 and doc.startswith("T-00042/ff80")


def test_adjustment_needs_both_accounts():
    accounts = {k: v for k, v in refs().accounts.items() if k != "inventory_adjustments"}
    with pytest.raises(MissingReference, match="Inventory adjustments"):
        adjustment_to_journal_entry(adjustment_row(), 1, refs(accounts=accounts))


# --- history: imported orders keep their own dates ---

IMPORTED_ON = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)  # the day a history import first saw the orders
WATCHED_SINCE = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # syncing first watched from here


@pytest.mark.parametrize(
    ("date_ordered", "timezone", "expected"),
    [
        ("2026-10-14T04:00:00Z", "America/New_York", "2026-10-14"),  # midnight in New York (the server's zone)
        ("2026-10-14T00:00:00Z", "America/Los_Angeles", "2026-10-13"),  # the tenant's zone decides the day
        ("2026-10-14T23:30:00Z", "Europe/Berlin", "2026-10-15"),
    ],
)
def test_a_history_order_is_dated_by_its_order_date_in_the_tenant_zone(date_ordered, timezone, expected):
    ordered = parse_openboxes_datetime(date_ordered)
    dated = purchase_order_dated_at(ordered, IMPORTED_ON, WATCHED_SINCE)
    mapped = purchase_order_to_qbo(order(), [order_item()], refs(timezone=timezone), approved_at=dated, version=VERSION)
    assert mapped.payload["TxnDate"] == expected


def test_an_order_approved_while_syncing_watched_is_dated_by_the_poll_that_first_saw_it():
    ordered = parse_openboxes_datetime("2026-12-02T05:00:00Z")  # ordered after syncing started watching
    assert purchase_order_dated_at(ordered, IMPORTED_ON, WATCHED_SINCE) == IMPORTED_ON
    assert purchase_order_dated_at(None, IMPORTED_ON, WATCHED_SINCE) == IMPORTED_ON  # no order date
    old = parse_openboxes_datetime("2026-10-14T04:00:00Z")
    assert purchase_order_dated_at(old, IMPORTED_ON, None) == IMPORTED_ON  # no history import: as before
