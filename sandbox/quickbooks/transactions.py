"""Rules of the transactions: PurchaseOrder, Bill, Invoice, SalesReceipt, JournalEntry (§5.1, 5.6–5.10)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import faults
from .clock import today
from .companies import PURCHASE_ORDER_PLANS
from .rules import (
    Ctx,
    as_number,
    cents,
    check_currency,
    check_date,
    check_text,
    fold,
    money,
    ref_value,
    require,
    resolve,
    resolve_ref,
)

EXPENSE_LINES = ("ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail")
SALES_LINES = ("SalesItemLineDetail", "SubTotalLineDetail", "DescriptionOnly", "DiscountLineDetail")
JOURNAL_LINES = ("JournalEntryLineDetail", "DescriptionOnly")
NO_AMOUNT_LINES = ("SubTotalLineDetail", "DescriptionOnly")


@dataclass(frozen=True)
class TxnKind:
    party: str | None  # Vendor / Customer reference field's entity
    party_required: bool
    line_types: tuple[str, ...]
    autonumber: bool
    # +1 when item quantities arrive (Bill), -1 when they leave (Invoice, SalesReceipt), 0 otherwise.
    stock_sign: int


KINDS = {
    "PurchaseOrder": TxnKind("Vendor", True, EXPENSE_LINES, True, 0),
    "Bill": TxnKind("Vendor", True, EXPENSE_LINES, False, 1),
    "Invoice": TxnKind("Customer", True, SALES_LINES, True, -1),
    "SalesReceipt": TxnKind("Customer", False, SALES_LINES, True, -1),
    "JournalEntry": TxnKind(None, False, JOURNAL_LINES, False, 0),
}


def validate_transaction(ctx: Ctx, entity: str, record: dict, existing: dict | None) -> dict:
    """Header, party, currency, lines, DocNumber and totals of one transaction."""
    kind = KINDS[entity]
    if entity == "PurchaseOrder" and ctx.company.plan not in PURCHASE_ORDER_PLANS:
        raise faults.permission_denied("PurchaseOrder", ctx.company.plan, ctx.options.plan_fault_status)
    _check_header(record)
    party = _check_party(ctx, kind, record)
    currency = check_currency(ctx, record, required=True)
    if party is not None and party.get("CurrencyRef", {}).get("value", currency) != currency:
        detail = f"The transaction currency {currency} must match the currency of {party['DisplayName']}."
        raise faults.business_rule(detail, "CurrencyRef")
    _set_accounts(ctx, entity, record)
    lines = record.get("Line")
    if not lines:
        raise faults.QboError("2250", "Missing lines", "A transaction must have at least one line.", "Line")
    total = _check_lines(ctx, entity, kind, record, lines)
    _number(ctx, entity, kind, record, existing)
    _set_totals(ctx, entity, record, currency, total)
    return record


def _check_header(record: dict) -> None:
    check_text(record, "DocNumber", 21)
    check_text(record, "PrivateNote", 4000)
    check_text(record, "Memo", 4000)
    for element in ("TxnDate", "DueDate", "ShipDate"):
        check_date(record, element)
    record.setdefault("TxnDate", today())


def _check_party(ctx: Ctx, kind: TxnKind, record: dict) -> dict | None:
    if kind.party is None:
        return None
    return resolve_ref(ctx, record, f"{kind.party}Ref", kind.party, required=kind.party_required)


def _set_accounts(ctx: Ctx, entity: str, record: dict) -> None:
    """APAccountRef (PO, Bill) and DepositToAccountRef (SalesReceipt): check, or imply the only one."""
    if entity in ("PurchaseOrder", "Bill"):
        _account_ref(ctx, record, "APAccountRef", "AccountsPayable")
    elif entity == "SalesReceipt":
        _account_ref(ctx, record, "DepositToAccountRef", "UndepositedFunds")


def _account_ref(ctx: Ctx, record: dict, element: str, subtype: str) -> None:
    if record.get(element) is not None:
        account = resolve_ref(ctx, record, element, "Account")
        if subtype == "AccountsPayable" and account["AccountType"] != "Accounts Payable":
            raise faults.business_rule(f"{element} must be an Accounts Payable account", element)
        return
    candidates = [a for a in ctx.records("Account") if a.get("AccountSubType") == subtype and a["Active"]]
    if len(candidates) != 1:
        raise faults.required_missing(element)
    record[element] = {"value": candidates[0]["Id"], "name": candidates[0]["Name"]}


def _check_lines(ctx: Ctx, entity: str, kind: TxnKind, record: dict, lines: object) -> Decimal:
    if not isinstance(lines, list):
        raise faults.invalid_string("Line", "must be a list of lines")
    total, debits, credits = Decimal(0), Decimal(0), Decimal(0)
    for number, line in enumerate(lines, start=1):
        amount = _check_line(ctx, entity, kind, record, line)
        line["Id"], line["LineNum"] = str(number), number
        posting = line.get("JournalEntryLineDetail", {}).get("PostingType")
        debits += amount if posting == "Debit" else 0
        credits += amount if posting == "Credit" else 0
        total += amount
    if entity == "JournalEntry":
        if cents(debits) != cents(credits):
            detail = f"Debits and credits must be equal. Total debits: {debits}, total credits: {credits}."
            raise faults.QboError("2300", "Amount on debits not equal to credits", detail, "Line")
        return debits
    return total


def _check_line(ctx: Ctx, entity: str, kind: TxnKind, record: dict, line: object) -> Decimal:
    """One line; returns the amount it adds to the document total."""
    if not isinstance(line, dict):
        raise faults.invalid_string("Line", "must be an object")
    detail_type = require(line, "DetailType")
    if detail_type not in kind.line_types:
        raise faults.invalid_string("Line.DetailType", f"{detail_type} is not allowed on {entity}")
    check_text(line, "Description", 4000)
    if detail_type in NO_AMOUNT_LINES:
        return Decimal(0)
    amount = money(require_amount(line), "Line.Amount")
    detail = line.get(detail_type)
    if not isinstance(detail, dict):
        raise faults.required_missing(f"Line.{detail_type}")
    if detail_type == "JournalEntryLineDetail":
        _check_journal_line(ctx, line, detail, amount)
    elif detail_type == "AccountBasedExpenseLineDetail":
        resolve_ref(ctx, detail, "AccountRef", "Account", required=True)
    elif detail_type == "DiscountLineDetail":
        return -amount
    else:
        return _check_item_line(ctx, entity, record, line, detail, amount)
    return amount


def require_amount(line: dict) -> object:
    if line.get("Amount") is None:
        raise faults.required_missing("Line.Amount")
    return line["Amount"]


def _check_item_line(ctx: Ctx, entity: str, record: dict, line: dict, detail: dict, amount: Decimal) -> Decimal:
    """Item lines: the item must be usable, dated after its InvStartDate, and Amount = Qty × UnitPrice."""
    required = entity in ("PurchaseOrder", "Bill")
    item = resolve_ref(ctx, detail, "ItemRef", "Item", required=required)
    if item is None:
        return Decimal(0)  # a sales line without an item is documentation; its Amount is ignored
    start = item.get("InvStartDate")
    if item.get("Type") == "Inventory" and start and record["TxnDate"] < start:
        message = "Transaction date is prior to start date for inventory item"
        text = f"{message}: {item['Name']} starts {start}, TxnDate is {record['TxnDate']}"
        raise faults.QboError("6270", message, text, "TxnDate")
    if detail.get("Qty") is not None and detail.get("UnitPrice") is not None:
        expected = cents(money(detail["Qty"], "Qty") * money(detail["UnitPrice"], "UnitPrice"))
        if cents(amount) != expected:
            text = f"Amount is not equal to UnitPrice * Qty. Supplied value:{line['Amount']}"
            raise faults.QboError("6070", "Amount is not equal to UnitPrice * Qty", text, "Amount")
    if entity == "Bill":
        _keep_valid_links(ctx, line)
    return amount


def _keep_valid_links(ctx: Ctx, line: dict) -> None:
    """Like QuickBooks, an invalid PO link is silently dropped rather than refused."""
    valid = []
    for link in line.get("LinkedTxn") or []:
        order = ctx.find("PurchaseOrder", link.get("TxnId")) if link.get("TxnType") == "PurchaseOrder" else None
        line_ids = {str(po_line.get("Id")) for po_line in (order or {}).get("Line", [])}
        if order is not None and str(link.get("TxnLineId")) in line_ids:
            valid.append(link)
    if valid:
        line["LinkedTxn"] = valid
    else:
        line.pop("LinkedTxn", None)


def _check_journal_line(ctx: Ctx, line: dict, detail: dict, amount: Decimal) -> None:
    posting = detail.get("PostingType")
    if posting not in ("Debit", "Credit"):
        raise faults.QboError("2260", "Missing PostingType", "Each journal line needs PostingType", "PostingType")
    if amount < 0:
        raise faults.QboError("2290", "Invalid Amount", "Journal entry line amounts must not be negative", "Amount")
    account = resolve_ref(ctx, detail, "AccountRef", "Account", required=True)
    entity_ref = (detail.get("Entity") or {}).get("EntityRef")
    party_type = (detail.get("Entity") or {}).get("Type") or (entity_ref or {}).get("type") or "Customer"
    if entity_ref is not None:
        if party_type not in ("Customer", "Vendor", "Employee"):
            raise faults.required_missing("Entity.Type")
        resolve(ctx, party_type, ref_value({"EntityRef": entity_ref}, "EntityRef"), "EntityRef")
    needs = {"Accounts Receivable": "Customer", "Accounts Payable": "Vendor"}.get(account["AccountType"])
    if needs and (entity_ref is None or party_type != needs):
        detail_text = f"When you use {account['AccountType']}, you must choose a {needs.lower()} in the Name field."
        raise faults.business_rule(detail_text, "Entity")


def _number(ctx: Ctx, entity: str, kind: TxnKind, record: dict, existing: dict | None) -> None:
    """DocNumber: auto-numbered where QuickBooks does so; unique per entity unless duplicates are allowed."""
    number = record.get("DocNumber")
    if not number:
        if kind.autonumber:
            record["DocNumber"] = _next_number(ctx, entity)
        return
    if ctx.allow_duplicate_docnum:
        return
    own_id = existing["Id"] if existing else None
    for other in ctx.company.table(entity).values():
        if other["Id"] != own_id and fold(str(other.get("DocNumber", ""))) == fold(number):
            raise faults.duplicate_doc_number(number, entity, other["Id"])


def _next_number(ctx: Ctx, entity: str) -> str:
    numbers = [int(r["DocNumber"]) for r in ctx.company.table(entity).values() if r.get("DocNumber", "").isdigit()]
    return str(max(numbers, default=1000) + 1)


def _set_totals(ctx: Ctx, entity: str, record: dict, currency: str, total: Decimal) -> None:
    record["TotalAmt"] = as_number(cents(total))
    if entity != "JournalEntry" and entity != "PurchaseOrder":
        record["Balance"] = record["TotalAmt"] if entity in ("Bill", "Invoice") else 0
    if entity == "PurchaseOrder":
        record.setdefault("POStatus", "Open")
    record["CurrencyRef"] = {"value": currency}
    if ctx.company.multicurrency:
        if currency == ctx.company.home_currency:
            record["ExchangeRate"] = 1
        rate = money(record.setdefault("ExchangeRate", 1), "ExchangeRate")
        record["HomeTotalAmt"] = as_number(cents(total * rate))


def stock_moves(entity: str, record: dict) -> list[tuple[str, Decimal]]:
    """(item id, signed quantity) pairs a stored transaction applies to inventory."""
    sign = KINDS[entity].stock_sign if entity in KINDS else 0
    moves = []
    for line in record.get("Line", []) if sign else []:
        detail = line.get("ItemBasedExpenseLineDetail") or line.get("SalesItemLineDetail") or {}
        item_id = (detail.get("ItemRef") or {}).get("value")
        if item_id is not None and detail.get("Qty") is not None:
            moves.append((str(item_id), sign * Decimal(str(detail["Qty"]))))
    return moves
