"""Field rules shared by every entity: known fields, lengths, characters, references, money."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from . import faults
from .options import SandboxOptions
from .store import Company, State

NAME_FORBIDDEN = ":\t\n"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
REF_LABELS = {
    "Account": "Accounts",
    "Item": "Item",
    "Vendor": "Names",
    "Customer": "Names",
    "Employee": "Names",
}
CENT = Decimal("0.01")


@dataclass
class Ctx:
    """What one operation needs: the company, and what it may not see."""

    state: State
    company: Company
    options: SandboxOptions
    # Objects created earlier in the same batch: QuickBooks items cannot reference them.
    hidden: set[tuple[str, str]] = field(default_factory=set)
    allow_duplicate_docnum: bool = False

    def records(self, entity: str) -> Iterator[dict]:
        for ident, record in self.company.table(entity).items():
            if (entity, ident) not in self.hidden:
                yield record

    def find(self, entity: str, ident: str | None) -> dict | None:
        if ident is None or (entity, str(ident)) in self.hidden:
            return None
        return self.company.table(entity).get(str(ident))


def check_fields(body: dict, entity: str, known: frozenset[str]) -> None:
    for name in body:
        if name not in known:
            raise faults.unsupported_property(entity, name)


def check_charset(ctx: Ctx, body: object) -> None:
    """A US company stores ISO-8859-1 only: any text beyond it is refused (500 Unsupported Operation)."""
    if ctx.company.country == "US" and any(ord(char) > 0xFF for text in _texts(body) for char in text):
        raise faults.outside_charset()


def _texts(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def require(body: dict, element: str) -> object:
    value = body.get(element)
    if value is None or value == "" or value == [] or value == {}:
        raise faults.required_missing(element)
    return value


def check_text(body: dict, element: str, maximum: int, forbidden: str = "", minimum: int = 0) -> None:
    """Length (2050) and forbidden characters (2040) of an optional string field."""
    value = body.get(element)
    if value is None:
        return
    if not isinstance(value, str):
        raise faults.invalid_string(element, "must be a string")
    if not minimum <= len(value) <= maximum:
        raise faults.bad_length(element, len(value), maximum, minimum)
    if any(char in value for char in forbidden):
        raise faults.invalid_string(element, "contains a character that is not allowed (colon, tab, newline)")


def fold(text: str) -> str:
    """Comparison form of names and DocNumbers: QuickBooks treats case and outer spaces alike."""
    return text.strip().casefold()


def ref_value(body: dict, element: str) -> str | None:
    ref = body.get(element)
    if ref is None:
        return None
    if not isinstance(ref, dict) or ref.get("value") in (None, ""):
        raise faults.required_missing(f"{element}.value")
    return str(ref["value"])


def resolve(ctx: Ctx, entity: str, ident: str, element: str) -> dict:
    """A referenced name-list object: missing → 2500, inactive → 610."""
    record = ctx.find(entity, ident)
    if record is None:
        raise faults.invalid_reference(REF_LABELS[entity], ident, element)
    if record.get("Active") is False:
        raise faults.made_inactive(element)
    return record


def resolve_ref(ctx: Ctx, body: dict, element: str, entity: str, required: bool = False) -> dict | None:
    ident = ref_value(body, element)
    if ident is None:
        if required:
            raise faults.required_missing(element)
        return None
    return resolve(ctx, entity, ident, element)


def check_date(body: dict, element: str) -> None:
    value = body.get(element)
    if value is not None and not (isinstance(value, str) and DATE_RE.match(value)):
        raise faults.invalid_string(element, "must be a date in YYYY-MM-DD format")


def money(value: object, element: str) -> Decimal:
    """A JSON number (or numeric string) as Decimal; at most 10 integer digits (the 10.5 format)."""
    if isinstance(value, bool):
        raise faults.invalid_string(element, "must be a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise faults.invalid_string(element, "must be a number") from exc
    if not amount.is_finite() or abs(amount) >= Decimal("1e10"):
        raise faults.invalid_string(element, "is not a supported amount (10.5 digits)")
    return amount


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def as_number(amount: Decimal) -> float | int:
    """JSON form of an amount (QuickBooks answers numbers, not strings)."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def check_currency(ctx: Ctx, body: dict, required: bool) -> str:
    """The document currency, under the company's multicurrency setting."""
    home = ctx.company.home_currency
    code = ref_value(body, "CurrencyRef")
    if code is None:
        if required and ctx.company.multicurrency:
            raise faults.required_missing("CurrencyRef")
        return home
    if not CURRENCY_RE.match(code):
        raise faults.invalid_reference("Currency", code, "CurrencyRef")
    if code != home and not ctx.company.multicurrency:
        detail = f"Multicurrency is not enabled for this company; {code} is not the home currency {home}."
        raise faults.business_rule(detail, "CurrencyRef")
    return code
