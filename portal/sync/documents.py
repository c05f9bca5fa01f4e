"""Transaction mappers: approved PO → PurchaseOrder/Bill, shipment → Invoice/SalesReceipt, adjustment → JE.

Every document carries a deterministic ``DocNumber`` (``identity.doc_number``), a ``TxnDate`` that is
the event's local date in the tenant's zone, and a PrivateNote ending with the marker
``[openboxes:{entity}:{id}:{version}]``. No tax fields are sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from portal.sync.dates import parse_openboxes_datetime, txn_date
from portal.sync.errors import (
    MissingReference,
    Permanent,
    SkipRecord,
    describe_no_multicurrency,
    describe_record,
)
from portal.sync.identity import adjustment_key, doc_number, marker
from portal.sync.mappers import Mapped
from portal.sync.money import CENT, Line, cents, json_number, line_amount, parse_money, to_decimal
from portal.sync.names import clean_text
from portal.sync.refs import CHARGES_ROLE, ROLE_LABELS, Refs

APPROVED_PO_STATUSES = frozenset({"PLACED", "PARTIALLY_RECEIVED", "RECEIVED", "COMPLETED"})
SHIPPED_STATUSES = frozenset({"SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED"})
EXPENSE_DETAIL = "ItemBasedExpenseLineDetail"
ACCOUNT_EXPENSE_DETAIL = "AccountBasedExpenseLineDetail"
SALES_DETAIL = "SalesItemLineDetail"
JOURNAL_DETAIL = "JournalEntryLineDetail"
NOTE_MAX = 4000
# A QuickBooks line amount has at most 10 digits before the point (15 digits, "10.5" format): a quantity or a
# price at 10^10 or above cannot go to the books.
LARGEST_NUMBER = Decimal("1e10")


def enum_name(value: object) -> str | None:
    """``"PLACED"`` from either ``"PLACED"`` or Grails' ``{"enumType": …, "name": "PLACED"}``."""
    if isinstance(value, Mapping):
        value = value.get("name")
    return None if value is None else str(value)


def purchase_order_to_qbo(
    order: Mapping,
    items: Sequence[Mapping],
    refs: Refs,
    *,
    approved_at: datetime,
    adjustments: Sequence[Mapping] = (),
    exchange_rate: Decimal | None = None,
    version: str = "",
    decimal_separator: str = ".",
) -> Mapped:
    """PurchaseOrder or Bill (``refs.po_target``) for an approved OpenBoxes purchase order.

    Args:
        order: ``GET /api/purchaseOrders/{id}`` data (``id``, ``orderNumber``, ``status``,
            ``origin.organization``); a flat ``supplierId``/``supplierName`` is accepted too.
        items: ``order/getOrderItems/{id}`` elements (locale-formatted ``unitPrice``, ``currencyCode``,
            ``orderItemStatusCode``, ``quantity``, ``product``).
        refs: Links, mappings and options.
        approved_at: When the order was approved (placed); its local date is the TxnDate.
        adjustments: ``order/getOrderAdjustments/{id}`` elements; each one not canceled becomes an
            account line on the ``purchase_charges`` account (a discount a negative one).
        exchange_rate: Home units per order-currency unit, required for a foreign currency.
        version: Content hash of the record version (goes into the marker).
        decimal_separator: The integration user's locale decimal separator.

    Raises:
        SkipRecord: Not approved, or no line left after dropping canceled and zero-quantity lines.
        Permanent: A value the books cannot take (no number, no currency, a line without product or
            unit price, a negative or unreadable quantity or price), foreign currency without
            multicurrency or rate, an adjustment without a mapped account, missing links.
    """
    checked = check_purchase_order(order, items, adjustments, refs, decimal_separator)
    what = checked.what
    currency_fields = _currency_fields(what, checked.currency, exchange_rate, refs)
    supplier_id, supplier_name = _supplier(order)
    lines = [_po_line(line, refs) for line in checked.lines]
    lines += _charge_lines(checked, sum((amount for _, amount in lines), Decimal(0)), refs)
    payload = {
        "VendorRef": refs.vendor_ref(supplier_id, supplier_name, checked.currency),
        "APAccountRef": refs.account("accounts_payable"),
        "DocNumber": doc_number(checked.number),
        "TxnDate": txn_date(approved_at, refs.timezone),
        "PrivateNote": _note(f"OpenBoxes purchase order {checked.number}", "purchase_order", str(order["id"]), version),
        "Line": [line for line, _ in lines],
    }
    payload.update(currency_fields)
    total = sum((amount for _, amount in lines), Decimal(0))
    return Mapped(refs.po_target, payload, {"DocNumber": payload["DocNumber"]}, total)


def check_purchase_order(
    order: Mapping,
    items: Sequence[Mapping],
    adjustments: Sequence[Mapping],
    refs: Refs,
    decimal_separator: str = ".",
) -> CheckedOrder:
    """The order's lines and charges, or the first value the books cannot take (before anything is written).

    Raises:
        SkipRecord: Not approved, or no line left after dropping canceled and zero-quantity lines.
        Permanent: See :func:`purchase_order_to_qbo`.
    """
    number = order.get("orderNumber")
    what = f"Purchase order {number or order.get('id')}"
    status = enum_name(order.get("status"))
    if status not in APPROVED_PO_STATUSES:
        raise SkipRecord(f"{what} is not approved (status {status})")
    if not number or not str(number).strip():
        raise books_cannot_take(what, "has no order number", "give the order a number")
    priced = [_checked_line(what, i, item, decimal_separator) for i, item in enumerate(items, 1)]
    open_lines = [line for line in priced if line is not None]
    if not any(line.qty != 0 for line in open_lines):
        raise SkipRecord(f"{what} has no lines to push (all canceled or zero quantity)")
    currency = _order_currency(what, order, items)
    charges = order_charges(what, adjustments, open_lines)
    if charges and refs.accounts.get(CHARGES_ROLE) is None:
        raise MissingReference(describe_unmapped_charges(what, charges[0].label))
    return CheckedOrder(what, str(number), currency, [line for line in open_lines if line.qty != 0], charges)


@dataclass(frozen=True)
class PoLine:
    """One open purchase-order line, checked: its position, product, quantity and exact unit price."""

    index: int
    item_id: str | None
    product: Mapping
    qty: Decimal
    price: Decimal

    @property
    def subtotal(self) -> Decimal:
        """quantity × unitPrice, unrounded (as OpenBoxes' ``OrderItem.getSubtotal``)."""
        return self.qty * self.price


@dataclass(frozen=True)
class Charge:
    """One non-canceled order adjustment: its label and exact (unrounded) value."""

    label: str
    value: Decimal


@dataclass(frozen=True)
class CheckedOrder:
    what: str
    number: str
    currency: str
    lines: list[PoLine]
    charges: list[Charge]

    @property
    def exact_total(self) -> Decimal:
        """OpenBoxes' ``Order.getTotal``: subtotal of open lines plus non-canceled adjustments, unrounded."""
        return sum((line.subtotal for line in self.lines), Decimal(0)) + sum(
            (charge.value for charge in self.charges), Decimal(0)
        )


def books_cannot_take(subject: str, problem: str, fix: str) -> Permanent:
    """The one wording for a value QuickBooks cannot take: what, what is wrong, and the fix in OpenBoxes."""
    return Permanent(f"{subject} {problem}: {fix} in OpenBoxes, then retry")


def _line_label(index: int, product: Mapping) -> str:
    """``line 2 (ABC-1 Gauze)``: how messages point at a purchase-order line."""
    label = " ".join(str(p) for p in (product.get("productCode"), product.get("name")) if p)
    return f"line {index} ({label})" if label else f"line {index}"


def _checked_line(what: str, index: int, item: Mapping, separator: str) -> PoLine | None:
    """The line checked, or None when it is canceled (OpenBoxes leaves canceled lines out of totals)."""
    if enum_name(item.get("orderItemStatusCode")) == "CANCELED":
        return None
    product = item.get("product") or {}
    where = _line_label(index, product)
    qty = _line_number(what, where, item.get("quantity"), "quantity")
    if qty == 0:
        return PoLine(index, item.get("id"), product, qty, Decimal(0))
    if not product.get("id"):
        raise books_cannot_take(f"{what}:", f"{where} has no product", f"choose the product on {where} or cancel it")
    price = _line_number(what, where, _price(item.get("unitPrice"), separator), "unit price")
    return PoLine(index, item.get("id"), product, qty, price)


def _price(value: object, separator: str) -> object:
    try:
        money = parse_money(value, separator)
    except ValueError:
        return value  # _line_number words it
    return None if money is None else money.amount


def _line_number(what: str, where: str, value: object, field: str) -> Decimal:
    """A line's quantity or unit price as a Decimal ≥ 0, else Permanent naming the line and the fix."""
    try:
        number = to_decimal(value)
    except ValueError:
        raise books_cannot_take(
            f"{what}:", f"{where} has an unreadable {field} ({value!r})", f"correct the {field} on {where}"
        ) from None
    if number is None:
        raise books_cannot_take(f"{what}:", f"{where} has no {field}", f"set a {field} on {where}")
    if number < 0:
        raise books_cannot_take(
            f"{what}:", f"{where} has a negative {field} ({number})", f"correct the {field} on {where}"
        )
    if number >= LARGEST_NUMBER:
        raise books_cannot_take(
            f"{what}:",
            f"{where} has a {field} too large for the books ({number:.3g})",
            f"correct the {field} on {where}",
        )
    return number


def _po_line(line: PoLine, refs: Refs) -> tuple[dict, Decimal]:
    try:
        amounts = line_amount(line.qty, line.price)
    except ValueError as exc:
        where = _line_label(line.index, line.product)
        raise books_cannot_take(
            f"Purchase order line {where}:", f"is too large for QuickBooks ({exc})", "correct it"
        ) from exc
    return _item_line(EXPENSE_DETAIL, refs.item_ref(line.product), amounts, line.product), amounts.amount


def _item_line(detail_type: str, item_ref: dict, line: Line, product: Mapping) -> dict:
    detail = {"ItemRef": item_ref, "Qty": json_number(line.qty), "UnitPrice": json_number(line.unit_price)}
    label = " ".join(str(p) for p in (product.get("productCode"), product.get("name")) if p)
    body = {"DetailType": detail_type, "Amount": json_number(line.amount), detail_type: detail}
    if label:
        body["Description"] = clean_text(label, NOTE_MAX)
    return body


def _order_currency(what: str, order: Mapping, items: Sequence[Mapping]) -> str:
    """The one currency of the order's lines (or the order); none at all is not guessed."""
    codes = {str(item["currencyCode"]) for item in items if item.get("currencyCode")}
    if len(codes) > 1:
        raise Permanent(f"{what} mixes currencies ({', '.join(sorted(codes))}): use one currency per order, then retry")
    if not codes and order.get("currencyCode"):
        codes.add(str(order["currencyCode"]))
    if not codes:
        raise books_cannot_take(what, "has no currency", "set the order's currency")
    return codes.pop()


def _currency_fields(what: str, currency: str, rate: Decimal | None, refs: Refs) -> dict:
    """CurrencyRef (+ ExchangeRate for a foreign currency) when multicurrency is on."""
    if currency != refs.home_currency and not refs.multicurrency:
        raise Permanent(describe_no_multicurrency(what, currency))
    if not refs.multicurrency:
        return {}
    if currency == refs.home_currency:
        return {"CurrencyRef": {"value": currency}}
    if rate is None or rate <= 0:
        raise Permanent(
            f"{what} is in {currency} but no exchange rate is known: check the order's totals in OpenBoxes, then retry"
        )
    return {"CurrencyRef": {"value": currency}, "ExchangeRate": json_number(rate)}


def _supplier(order: Mapping) -> tuple[str, str | None]:
    origin = order.get("origin") or {}
    organization = origin.get("organization") or {}
    supplier_id = organization.get("id") or order.get("supplierId")
    if not supplier_id:
        raise Permanent(f"Purchase order {order.get('orderNumber')} has no supplier organization in OpenBoxes")
    return str(supplier_id), organization.get("name") or order.get("supplierName") or origin.get("organizationName")


def _note(text: str, entity: str, openboxes_id: str, version: str) -> str:
    tag = marker(entity, openboxes_id, version)
    return f"{clean_text(text, NOTE_MAX - len(tag) - 1)} {tag}"


# --- order adjustments (freight, discounts) ---------------------------------------------------


def describe_unmapped_charges(what: str, label: str) -> str:
    """Message for an order adjustment with no account to post it to."""
    return (
        f"{what} has an adjustment ({label}) but no QuickBooks account is mapped for {ROLE_LABELS[CHARGES_ROLE]}: "
        "map it under Settings → Account mappings, then retry"
    )


def order_charges(what: str, adjustments: Sequence[Mapping], lines: Sequence[PoLine]) -> list[Charge]:
    """The non-canceled, non-zero adjustments valued as OpenBoxes values them.

    ``OrderAdjustment.getTotalAdjustments``: ``amount ?: percentage/100 × base``, the base being the
    order line's subtotal for a line adjustment, else the order subtotal (open lines, quantity ×
    unitPrice, unrounded). Adjustments of canceled lines drop out, as the line does.
    """
    by_item = {str(line.item_id): line for line in lines}
    subtotal = sum((line.subtotal for line in lines), Decimal(0))
    charges = []
    for index, adjustment in enumerate(adjustments, 1):
        if adjustment.get("isCanceled") or adjustment.get("canceled"):
            continue
        item_id = _adjustment_item(adjustment)
        if item_id is not None and item_id not in by_item:
            continue  # its line is canceled: OpenBoxes leaves both out of the total
        line = by_item.get(item_id) if item_id is not None else None
        charge = _charge(what, index, adjustment, line, subtotal)
        if charge.value != 0:
            charges.append(charge)
    return charges


def _adjustment_item(adjustment: Mapping) -> str | None:
    item = adjustment.get("orderItem")
    if isinstance(item, Mapping):
        item = item.get("id")
    return None if item in (None, "") else str(item)


def _charge(what: str, index: int, adjustment: Mapping, line: PoLine | None, subtotal: Decimal) -> Charge:
    kind = adjustment.get("type") or adjustment.get("orderAdjustmentType") or {}
    name = adjustment.get("description") or (kind.get("name") if isinstance(kind, Mapping) else kind) or "Adjustment"
    label = f"adjustment {index} '{name}'"
    try:
        percentage, amount = to_decimal(adjustment.get("percentage")), to_decimal(adjustment.get("amount"))
    except ValueError:
        raise books_cannot_take(f"{what}:", f"{label} has an unreadable amount", f"correct {label}") from None
    where = f" on {_line_label(line.index, line.product)}" if line else ""
    # getOrderAdjustments reports a computed amount for a percentage one: the percentage decides.
    if percentage:
        base = line.subtotal if line else subtotal
        return Charge(f"{name}{where}: {percentage.normalize():f}% of {cents(base)}", percentage / 100 * base)
    return Charge(f"{name}{where}", amount or Decimal(0))


def _charge_lines(checked: CheckedOrder, items_total: Decimal, refs: Refs) -> list[tuple[dict, Decimal]]:
    """One account line per charge; the last absorbs the rounding so the total is OpenBoxes' total to the cent.

    OpenBoxes sums unrounded values and shows the total rounded half-even to cents (Java's default).
    """
    if not checked.charges:
        return []
    amounts = [cents(charge.value) for charge in checked.charges]
    target = checked.exact_total.quantize(CENT, rounding=ROUND_HALF_EVEN)
    amounts[-1] = target - items_total - sum(amounts[:-1], Decimal(0))
    account = refs.account(CHARGES_ROLE)
    lines = []
    for charge, amount in zip(checked.charges, amounts, strict=True):
        note = (
            ""
            if amount == cents(charge.value)
            else f" (incl. {amount - cents(charge.value):+} rounding to match the OpenBoxes total)"
        )
        lines.append((_account_line(account, amount, f"{charge.label}{note}"), amount))
    return lines


def _account_line(account: dict, amount: Decimal, description: str) -> dict:
    return {
        "DetailType": ACCOUNT_EXPENSE_DETAIL,
        "Amount": json_number(amount),
        "Description": clean_text(description, NOTE_MAX),
        ACCOUNT_EXPENSE_DETAIL: {"AccountRef": account},
    }


# --- shipments -----------------------------------------------------------------------------------


def shipment_to_qbo(
    movement: Mapping, shipment: Mapping, prices: Mapping[str, object], refs: Refs, *, version: str = ""
) -> Mapped:
    """Invoice or SalesReceipt (``refs.shipment_target``) for a shipped outbound stock movement.

    Args:
        movement: ``GET /api/stockMovements/{id}`` data (``id``, ``identifier``, ``destination``,
            ``dateShipped``).
        shipment: ``GET /api/generic/shipment/{id}`` data (``status``, ``actualShippingDate``,
            ``shipmentItems``).
        prices: ``pricePerUnit`` per product id (value = pricePerUnit × shipped quantity).
        refs: Links (customer, items), ``deposit`` mapping for SalesReceipt, options.
        version: Content hash of the record version.

    Raises:
        SkipRecord: Not shipped yet, or nothing shipped.
        Permanent: A product without a price, no ship date, missing links.
    """
    number = str(movement.get("identifier") or movement["id"])
    what = f"Shipment {number}"
    status = enum_name(shipment.get("status") or movement.get("currentStatus"))
    if status not in SHIPPED_STATUSES:
        raise SkipRecord(f"{what} is not shipped yet (status {status})")
    lines = [_sales_line(what, product, qty, prices, refs) for product, qty in _shipped_quantities(what, shipment)]
    if not lines:
        raise SkipRecord(f"{what} shipped no quantity")
    destination = movement.get("destination") or {}
    payload = {
        "CustomerRef": refs.customer_ref(str(destination.get("id")), destination.get("name")),
        "DocNumber": doc_number(number),
        "TxnDate": txn_date(_shipped_at(what, movement, shipment, refs), refs.timezone),
        "PrivateNote": _note(f"OpenBoxes shipment {number}", "shipment", str(movement["id"]), version),
        "Line": [line for line, _ in lines],
    }
    deposit = refs.optional_account("deposit")
    if refs.shipment_target == "SalesReceipt" and deposit:
        payload["DepositToAccountRef"] = deposit
    payload.update(_currency_fields(what, refs.home_currency, None, refs))
    total = sum((amount for _, amount in lines), Decimal(0))
    return Mapped(refs.shipment_target, payload, {"DocNumber": payload["DocNumber"]}, total)


def shipped_per_product(shipment: Mapping) -> dict[str, Decimal]:
    """Shipped quantity per product id of a shipment (as its Invoice would carry them)."""
    what = f"Shipment {shipment.get('name') or shipment.get('id')}"
    return {str(product.get("id")): qty for product, qty in _shipped_quantities(what, shipment)}


def _shipped_quantities(what: str, shipment: Mapping) -> list[tuple[Mapping, Decimal]]:
    """Shipped quantity per product (lots of one product are summed), zero quantities dropped.

    Raises:
        Permanent: A shipped quantity that is not a number, or negative, naming the product.
    """
    totals: dict[str, tuple[Mapping, Decimal]] = {}
    for entry in shipment.get("shipmentItems") or []:
        product = (entry.get("inventoryItem") or {}).get("product") or entry.get("product") or {}
        key = str(product.get("id"))
        where = f"the line of {describe_record('product', product.get('productCode'), product.get('name'))}"
        value = entry.get("quantity")
        quantity = Decimal(0) if value is None else _line_number(what, where, value, "quantity")
        totals[key] = (product, totals.get(key, (product, Decimal(0)))[1] + quantity)
    return [(product, qty) for product, qty in totals.values() if qty != 0]


def _sales_line(
    what: str, product: Mapping, qty: Decimal, prices: Mapping[str, object], refs: Refs
) -> tuple[dict, Decimal]:
    price = _product_price(what, product, prices.get(str(product.get("id"))))
    line = line_amount(qty, price)
    return _item_line(SALES_DETAIL, refs.item_ref(product), line, product), line.amount


def _product_price(what: str, product: Mapping, value: object) -> Decimal:
    name = describe_record("Product", product.get("productCode"), product.get("name"))
    try:
        price = to_decimal(value)
    except ValueError:
        price = None
    if price is None or price < 0:
        raise books_cannot_take(name, f"has no price per unit in OpenBoxes, so {what} has no value", "set its price")
    return price


def _shipped_at(what: str, movement: Mapping, shipment: Mapping, refs: Refs) -> datetime:
    for text in (
        shipment.get("actualShippingDate"),
        movement.get("dateShipped"),
        shipment.get("expectedShippingDate"),
    ):
        moment = parse_openboxes_datetime(text, refs.server_timezone)
        if moment is not None:
            return moment
    raise Permanent(f"{what} has no ship date in OpenBoxes: report this to support")


# --- adjustments ---------------------------------------------------------------------------------


def adjustment_to_journal_entry(row: Mapping, price_per_unit: object, refs: Refs, *, version: str = "") -> Mapped:
    """Balanced JournalEntry for one adjustment report row (transactionNumber + product).

    A loss (negative difference) debits the adjustments account and credits inventory asset; a gain
    does the opposite. Amount = |quantityDifference| × pricePerUnit, half-up to cents.

    Args:
        row: ``/api/reports/inventory-transactions-summary`` element.
        price_per_unit: The product's ``pricePerUnit`` (the row carries no value).
        refs: ``inventory_adjustments`` and ``inventory_asset`` mappings, options.
        version: Content hash of the record version.

    Raises:
        SkipRecord: Zero difference or zero value.
        Permanent: The product has no price; accounts not mapped.
    """
    number = str((row.get("transaction") or {}).get("transactionNumber"))
    product = row.get("product") or {}
    name = describe_record("Product", product.get("productCode"), product.get("name"))
    what = f"Adjustment {number} for {name}"
    delta = _quantity_difference(what, row.get("quantityDifference"))
    if delta == 0:
        raise SkipRecord(f"{what} changes no quantity (difference 0)")
    price = _product_price(f"adjustment {number}", product, price_per_unit)
    amount = cents(abs(delta) * price)
    if amount == 0:
        raise SkipRecord(f"{what} has zero value (price {price})")
    payload = {
        "DocNumber": doc_number(f"{number}/{product.get('productCode') or product.get('id')}"),
        "TxnDate": txn_date(_recorded_at(what, row, refs), refs.timezone),
        "PrivateNote": _note(
            _adjustment_text(number, row),
            "adjustment",
            adjustment_key(number, str(product.get("id"))),
            version,
        ),
        "Line": _journal_lines(delta, amount, f"{name}: {delta:+} × {price}", refs),
    }
    payload.update(_currency_fields(what, refs.home_currency, None, refs))
    return Mapped("JournalEntry", payload, {"DocNumber": payload["DocNumber"]}, amount)


def _quantity_difference(what: str, value: object) -> Decimal:
    """The adjustment's signed quantity change (a loss is negative); Permanent when it is not a number."""
    try:
        return to_decimal(value) or Decimal(0)
    except ValueError:
        raise books_cannot_take(
            what, f"has an unreadable quantity difference ({value!r})", "correct the adjustment's quantity"
        ) from None


def _journal_lines(delta: Decimal, amount: Decimal, description: str, refs: Refs) -> list[dict]:
    adjustments, asset = refs.account("inventory_adjustments"), refs.account("inventory_asset")
    debit, credit = (adjustments, asset) if delta < 0 else (asset, adjustments)
    return [
        _journal_line("Debit", debit, amount, description),
        _journal_line("Credit", credit, amount, description),
    ]


def _journal_line(posting: str, account: dict, amount: Decimal, description: str) -> dict:
    return {
        "DetailType": JOURNAL_DETAIL,
        "Amount": json_number(amount),
        "Description": clean_text(description, NOTE_MAX),
        JOURNAL_DETAIL: {"PostingType": posting, "AccountRef": account},
    }


def _adjustment_text(number: str, row: Mapping) -> str:
    comments = "; ".join(str(c) for c in row.get("comments") or [] if c)
    return f"OpenBoxes adjustment {number}" + (f": {comments}" if comments else "")


def _recorded_at(what: str, row: Mapping, refs: Refs) -> datetime:
    moment = parse_openboxes_datetime(row.get("dateRecorded"), refs.server_timezone)
    if moment is None:
        raise Permanent(f"{what} has no date in OpenBoxes: report this to support")
    return moment
