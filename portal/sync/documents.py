"""Transaction mappers: approved PO → PurchaseOrder/Bill, shipment → Invoice/SalesReceipt, adjustment → JE.

Every document carries a deterministic ``DocNumber`` (``identity.doc_number``), a ``TxnDate`` that is
the event's local date in the tenant's zone, and a PrivateNote ending with the marker
``[openboxes:{entity}:{id}:{version}]``. No tax fields are sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from portal.sync.dates import parse_openboxes_datetime, txn_date
from portal.sync.errors import Permanent, SkipRecord, describe_no_multicurrency, describe_record
from portal.sync.identity import adjustment_key, doc_number, marker
from portal.sync.mappers import Mapped
from portal.sync.money import Line, cents, json_number, line_amount, parse_money, to_decimal
from portal.sync.names import clean_text
from portal.sync.refs import Refs

APPROVED_PO_STATUSES = frozenset({"PLACED", "PARTIALLY_RECEIVED", "RECEIVED", "COMPLETED"})
SHIPPED_STATUSES = frozenset({"SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED"})
EXPENSE_DETAIL = "ItemBasedExpenseLineDetail"
SALES_DETAIL = "SalesItemLineDetail"
JOURNAL_DETAIL = "JournalEntryLineDetail"
NOTE_MAX = 4000


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
        exchange_rate: Home units per order-currency unit, required for a foreign currency.
        version: Content hash of the record version (goes into the marker).
        decimal_separator: The integration user's locale decimal separator.

    Raises:
        SkipRecord: Not approved, or no line left after dropping canceled and zero-quantity lines.
        Permanent: Foreign currency without multicurrency or rate, unreadable price, missing links.
    """
    number = str(order.get("orderNumber") or order["id"])
    what = f"Purchase order {number}"
    status = enum_name(order.get("status"))
    if status not in APPROVED_PO_STATUSES:
        raise SkipRecord(f"{what} is not approved (status {status})")
    lines = [_po_line(what, item, refs, decimal_separator) for item in items if _po_line_counts(item)]
    if not lines:
        raise SkipRecord(f"{what} has no lines to push (all canceled or zero quantity)")
    currency = _order_currency(what, items, refs)
    currency_fields = _currency_fields(what, currency, exchange_rate, refs)
    supplier_id, supplier_name = _supplier(order)
    payload = {
        "VendorRef": refs.vendor_ref(supplier_id, supplier_name, currency),
        "APAccountRef": refs.account("accounts_payable"),
        "DocNumber": doc_number(number),
        "TxnDate": txn_date(approved_at, refs.timezone),
        "PrivateNote": _note(f"OpenBoxes purchase order {number}", "purchase_order", str(order["id"]), version),
        "Line": [line for line, _ in lines],
    }
    payload.update(currency_fields)
    total = sum((amount for _, amount in lines), Decimal(0))
    return Mapped(refs.po_target, payload, {"DocNumber": payload["DocNumber"]}, total)


def _po_line_counts(item: Mapping) -> bool:
    """Canceled lines and lines with quantity 0 are left out (OpenBoxes excludes them from totals too)."""
    if enum_name(item.get("orderItemStatusCode")) == "CANCELED":
        return False
    quantity = to_decimal(item.get("quantity"))
    return quantity is not None and quantity != 0


def _po_line(what: str, item: Mapping, refs: Refs, decimal_separator: str) -> tuple[dict, Decimal]:
    product = item.get("product") or {}
    try:
        price = parse_money(item.get("unitPrice"), decimal_separator)
        line = line_amount(item.get("quantity"), price.amount if price else 0)
    except ValueError as exc:
        name = describe_record("product", product.get("productCode"), product.get("name"))
        message = (
            f"{what} has an unreadable quantity or unit price on the line for {name}: "
            "correct it in OpenBoxes, then retry"
        )
        raise Permanent(message) from exc
    return _item_line(EXPENSE_DETAIL, refs.item_ref(product), line, product), line.amount


def _item_line(detail_type: str, item_ref: dict, line: Line, product: Mapping) -> dict:
    detail = {"ItemRef": item_ref, "Qty": json_number(line.qty), "UnitPrice": json_number(line.unit_price)}
    label = " ".join(str(p) for p in (product.get("productCode"), product.get("name")) if p)
    body = {"DetailType": detail_type, "Amount": json_number(line.amount), detail_type: detail}
    if label:
        body["Description"] = clean_text(label, NOTE_MAX)
    return body


def _order_currency(what: str, items: Sequence[Mapping], refs: Refs) -> str:
    codes = {str(item["currencyCode"]) for item in items if item.get("currencyCode")}
    if len(codes) > 1:
        raise Permanent(f"{what} mixes currencies ({', '.join(sorted(codes))}): use one currency per order, then retry")
    return codes.pop() if codes else refs.home_currency


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
    lines = [_sales_line(what, product, qty, prices, refs) for product, qty in _shipped_quantities(shipment)]
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


def _shipped_quantities(shipment: Mapping) -> list[tuple[Mapping, Decimal]]:
    """Shipped quantity per product (lots of one product are summed), zero quantities dropped."""
    totals: dict[str, tuple[Mapping, Decimal]] = {}
    for entry in shipment.get("shipmentItems") or []:
        product = (entry.get("inventoryItem") or {}).get("product") or entry.get("product") or {}
        key = str(product.get("id"))
        previous = totals.get(key, (product, Decimal(0)))[1]
        totals[key] = (product, previous + (to_decimal(entry.get("quantity")) or Decimal(0)))
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
        raise Permanent(f"{name} has no price per unit in OpenBoxes, so {what} has no value: set its price, then retry")
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
    delta = to_decimal(row.get("quantityDifference")) or Decimal(0)
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
