"""Money as Decimal: half-up to cents, OpenBoxes money strings, and QuickBooks line arithmetic.

QuickBooks checks ``Amount == round_half_up(Qty × UnitPrice, 2)`` on item lines (code 6070). We
never send a rounded Amount next to an unrounded product we did not compute: ``line_amount`` first
fixes the UnitPrice we will send (at most ``UNIT_PRICE_PLACES`` decimals, QuickBooks' 10.5 number
format), then computes Amount from exactly that UnitPrice and Qty, so the rule holds by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
UNIT_PRICE_PLACES = 5
MAX_AMOUNT = Decimal("1e10")  # QuickBooks amounts have at most 10 integer digits
CURRENCY_CODE = re.compile(r"\b([A-Z]{3})\b")
SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")  # grouping: spaces, NBSP, narrow NBSP, Swiss apostrophe


def to_decimal(value: object) -> Decimal | None:
    """A Decimal from a JSON number, Decimal or plain numeric string; None for None/"".

    Floats go through ``str`` so 0.1 stays 0.1. Raises ValueError for anything else.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def cents(amount: Decimal) -> Decimal:
    """Round half-up to two decimals."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def unit_price(value: Decimal) -> Decimal:
    """The UnitPrice we send: half-up to at most five decimals, at least two shown."""
    rounded = value.quantize(Decimal(1).scaleb(-UNIT_PRICE_PLACES), rounding=ROUND_HALF_UP).normalize()
    return rounded.quantize(CENT) if rounded.as_tuple().exponent > -2 else rounded


@dataclass(frozen=True)
class Money:
    """An amount with its currency code (None when the text carried none)."""

    amount: Decimal
    currency: str | None = None


def parse_money(text: object, decimal_separator: str = ".") -> Money | None:
    """Parse an OpenBoxes money value.

    Accepts JSON numbers, ``"1234.50 USD"`` (PO list totals), locale-formatted strings without a
    symbol (``"1,234.50"``; ``"1 234,50"`` / ``"1.234,50"`` with ``decimal_separator=","``), leading
    minus or accounting parentheses. None, "" and "null" give None. Raises ValueError otherwise.
    """
    if text is None or isinstance(text, int | float | Decimal):
        number = to_decimal(text)
        return None if number is None else Money(number)
    raw = str(text).strip()
    if raw.lower() in ("", "null", "none"):
        return None
    match = CURRENCY_CODE.search(raw)
    currency = match.group(1) if match else None
    return Money(parse_amount(CURRENCY_CODE.sub("", raw), decimal_separator), currency)


def parse_amount(text: str, decimal_separator: str = ".") -> Decimal:
    """A locale-formatted number without currency code as Decimal. Raises ValueError."""
    raw = SPACES.sub("", text.strip().lstrip("$€£"))
    negative = raw.startswith("(") and raw.endswith(")")
    raw = raw.strip("()")
    grouping = "," if decimal_separator == "." else "."
    raw = raw.replace(grouping, "").replace(decimal_separator, ".")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", raw):
        raise ValueError(f"not a money amount: {text!r}")
    number = Decimal(raw)
    return -number if negative else number


@dataclass(frozen=True)
class Line:
    """Quantity, unit price and amount of one item line, consistent under QuickBooks' 6070 rule."""

    qty: Decimal
    unit_price: Decimal
    amount: Decimal


def line_amount(qty: object, price: object) -> Line:
    """Qty, UnitPrice and Amount for an item line so that ``Amount == cents(Qty × UnitPrice)``.

    Args:
        qty: The quantity (int, Decimal or numeric string); sent unchanged.
        price: The unit price (number or numeric string); rounded to ``UNIT_PRICE_PLACES``.

    Raises:
        ValueError: Non-numeric input or an amount beyond QuickBooks' 10 integer digits.
    """
    quantity = to_decimal(qty) or Decimal(0)
    each = unit_price(to_decimal(price) or Decimal(0))
    amount = cents(quantity * each)
    if abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"amount {amount} exceeds QuickBooks' 10 integer digits")
    return Line(quantity, each, amount)


def exchange_rate_from_totals(total: object, total_normalized: object) -> Decimal | None:
    """Home units per foreign unit from a PO list row's ``total`` and ``totalNormalized``.

    OpenBoxes does not expose the order's exchange rate; its list row shows the total in the order
    currency and in the default currency, both rounded to cents, so the ratio is rounded to six
    decimals (exact for rates with ≤ 6 decimals when the total is large enough). None when the total is 0.
    """
    foreign, home = parse_money(total), parse_money(total_normalized)
    if foreign is None or home is None or foreign.amount == 0:
        return None
    rate = (home.amount / foreign.amount).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    return rate.normalize()


def json_number(amount: Decimal) -> int | float:
    """JSON form of an amount: int when whole, else float.

    Safe for QuickBooks amounts (≤ 15 significant digits): Python's float repr round-trips the decimal.
    """
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)
