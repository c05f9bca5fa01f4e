"""Decimal money: parsing OpenBoxes strings, half-up cents, and QuickBooks' Amount = Qty × UnitPrice."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from portal.sync.money import (
    Money,
    cents,
    exchange_rate_from_totals,
    json_number,
    line_amount,
    parse_money,
    to_decimal,
    unit_price,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("1234.50 USD", ".", Money(D("1234.50"), "USD")),
        ("0.00 EUR", ".", Money(D("0.00"), "EUR")),
        ("1,234.50", ".", Money(D("1234.50"))),
        ("1,234,567.8912", ".", Money(D("1234567.8912"))),
        ("-12.5", ".", Money(D("-12.5"))),
        ("(12.50)", ".", Money(D("-12.50"))),
        ("$1,234.50", ".", Money(D("1234.50"))),
        ("1\u202f234,50", ",", Money(D("1234.50"))),  # fr: narrow no-break space grouping
        ("1.234,50", ",", Money(D("1234.50"))),  # de
        ("1 234,5", ",", Money(D("1234.5"))),
        ("12", ".", Money(D("12"))),
        (12.3, ".", Money(D("12.3"))),
        (7, ".", Money(D("7"))),
        (D("0.12"), ".", Money(D("0.12"))),
        (None, ".", None),
        ("", ".", None),
        ("null", ".", None),
        ("  ", ".", None),
    ],
)
def test_parse_money(text, separator, expected):
    assert parse_money(text, separator) == expected


@pytest.mark.parametrize("text", ["abc", "1.2.3", "12 USD EUR x", "--1", "1,2,3.4.5"])
def test_parse_money_rejects_junk(text):
    with pytest.raises(ValueError):
        parse_money(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("1.10", D("1.10")), (0.1, D("0.1")), (3, D("3")), (D("2.5"), D("2.5"))],
)
def test_to_decimal(value, expected):
    assert to_decimal(value) == expected


@pytest.mark.parametrize("value", [True, "x", float("nan"), float("inf")])
def test_to_decimal_rejects(value):
    with pytest.raises(ValueError):
        to_decimal(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-2.675", "-2.68"), ("1.115", "1.12"), ("10", "10.00")],
)
def test_cents_half_up(value, expected):
    assert str(cents(D(value))) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.5", "12.50"), ("100", "100.00"), ("0.1234", "0.1234"), ("0.123456", "0.12346"), ("4.50000", "4.50"),
     ("0.000004", "0.00")],
)  # fmt: skip
def test_unit_price_precision(value, expected):
    assert str(unit_price(D(value))) == expected


@pytest.mark.parametrize(
    ("qty", "price", "amount"),
    [
        (10, "2.10", "21.00"),
        (3, "0.3333", "1.00"),
        (7, "1.1155", "7.81"),  # 7.8085 → 7.81 half-up
        (400, "49.9999", "19999.96"),
        (1, "0.005", "0.01"),
        (0, "5", "0.00"),
        (2, None, "0.00"),
        ("3", "1,234.5", None),  # caller parses locale strings first: ValueError
    ],
)
def test_line_amount_meets_quickbooks_6070_rule(qty, price, amount):
    if amount is None:
        with pytest.raises(ValueError):
            line_amount(qty, price)
        return
    line = line_amount(qty, price)
    assert str(line.amount) == amount
    # The sandbox's (and QuickBooks') check, on the values we send:
    sent_qty, sent_price = D(str(json_number(line.qty))), D(str(json_number(line.unit_price)))
    assert (sent_qty * sent_price).quantize(D("0.01"), rounding=ROUND_HALF_UP) == D(str(json_number(line.amount)))


def test_line_amount_rejects_amounts_beyond_ten_digits():
    with pytest.raises(ValueError):
        line_amount(10**6, "100000")


@pytest.mark.parametrize(
    ("total", "normalized", "rate"),
    [
        ("1234.50 EUR", "1333.26 USD", D("1.08")),
        ("1000.00 GBP", "1270.00 USD", D("1.27")),
        ("250.00 CAD", "182.50 USD", D("0.73")),
        ("0.00 EUR", "0.00 USD", None),
        (None, "1.00 USD", None),
    ],
)
def test_exchange_rate_from_totals(total, normalized, rate):
    assert exchange_rate_from_totals(total, normalized) == rate


@pytest.mark.parametrize(("value", "expected"), [(D("21.00"), 21), (D("2.10"), 2.1), (D("0.12345"), 0.12345)])
def test_json_number(value, expected):
    result = json_number(value)
    assert result == expected and type(result) is type(expected)
