"""The entity registry and the create / read / update / delete operations shared by every entity."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from . import faults, namelists
from .clock import timestamp
from .companies import PURCHASE_ORDER_PLANS
from .rules import Ctx, as_number, check_charset, check_fields
from .transactions import stock_moves, validate_transaction

SYSTEM = frozenset({"Id", "SyncToken", "MetaData", "domain", "sparse", "status"})
# Sent values of these are silently discarded, as QuickBooks does with read-only fields.
READ_ONLY = SYSTEM | {
    "TotalAmt",
    "HomeTotalAmt",
    "FullyQualifiedName",
    "Classification",
    "CurrentBalance",
    "CurrentBalanceWithSubAccounts",
    "Level",
    "InvoiceLink",
    "HomeBalance",
    "BalanceWithJobs",
}
PERSON = {"Title", "GivenName", "MiddleName", "FamilyName", "Suffix", "DisplayName", "PrintOnCheckName"}
CONTACT = {
    "PrimaryEmailAddr",
    "PrimaryPhone",
    "AlternatePhone",
    "Mobile",
    "Fax",
    "WebAddr",
    "OtherContactInfo",
}
COMMON = {"Active", "Source", "CustomField"}
TXN = {
    "DocNumber", "TxnDate", "PrivateNote", "CurrencyRef", "ExchangeRate", "Line", "TxnTaxDetail",
    "DepartmentRef", "ClassRef", "LinkedTxn", "CustomField", "AttachableRef", "TransactionLocationType",
    "GlobalTaxCalculation", "RecurDataRef", "TaxExemptionRef", "Balance",
}  # fmt: skip
SHIPPING = {"BillAddr", "ShipAddr", "ShipFromAddr", "ShipDate", "TrackingNum", "ShipMethodRef", "BillEmail"}
FIELDS = {
    "Vendor": PERSON | CONTACT | COMMON | {
        "CompanyName", "BillAddr", "TaxIdentifier", "AcctNum", "TermRef", "Vendor1099", "CurrencyRef",
        "Balance", "BillRate", "CostRate", "APAccountRef", "Notes", "VendorPaymentBankDetail",
        "T4AEligible", "T5018Eligible", "HasTPAR", "TaxReportingBasis", "GSTIN", "BusinessNumber",
        "GSTRegistrationType", "OpenBalanceDate",
    },
    "Customer": PERSON | CONTACT | COMMON | {
        "CompanyName", "BillAddr", "ShipAddr", "Notes", "Job", "BillWithParent", "ParentRef", "Taxable",
        "DefaultTaxCodeRef", "SalesTermRef", "PaymentMethodRef", "PreferredDeliveryMethod", "ResaleNum",
        "CurrencyRef", "Balance", "OpenBalanceDate", "TaxExemptionReasonId", "PrimaryTaxIdentifier",
        "SecondaryTaxIdentifier", "ARAccountRef", "CustomerTypeRef", "GSTIN", "BusinessNumber",
        "GSTRegistrationType", "IsProject", "ClientEntityId", "AcctNum",
    },
    "Employee": PERSON | CONTACT | COMMON | {
        "PrimaryAddr", "SSN", "EmployeeNumber", "BillableTime", "BillRate", "CostRate", "HiredDate",
        "ReleasedDate", "BirthDate", "Gender", "Organization",
    },
    "Item": COMMON | {
        "Name", "Sku", "Type", "Description", "PurchaseDesc", "UnitPrice", "PurchaseCost", "IncomeAccountRef",
        "ExpenseAccountRef", "AssetAccountRef", "TrackQtyOnHand", "QtyOnHand", "InvStartDate", "ReorderPoint",
        "PrefVendorRef", "Taxable", "SalesTaxIncluded", "PurchaseTaxIncluded", "SalesTaxCodeRef",
        "PurchaseTaxCodeRef", "ParentRef", "SubItem", "ClassRef", "AbatementRate", "ReverseChargeRate",
        "ServiceType", "ItemCategoryType", "TaxClassificationRef",
    },
    "Account": COMMON | {
        "Name", "AcctNum", "AccountType", "AccountSubType", "Description", "SubAccount", "ParentRef",
        "CurrencyRef", "TaxCodeRef", "AccountAlias", "TxnLocationType",
    },
    "PurchaseOrder": TXN | {
        "VendorRef", "APAccountRef", "POStatus", "Memo", "DueDate", "ShipAddr", "VendorAddr", "ShipMethodRef",
        "ShipTo", "SalesTermRef", "POEmail", "EmailStatus",
    },
    "Bill": TXN | {"VendorRef", "APAccountRef", "DueDate", "SalesTermRef", "VendorAddr"},
    "Invoice": TXN | SHIPPING | {
        "CustomerRef", "DueDate", "SalesTermRef", "BillEmailCc", "BillEmailBcc", "CustomerMemo",
        "EmailStatus",
        "PrintStatus", "Deposit", "DepositToAccountRef", "AllowOnlineACHPayment",
        "AllowOnlineCreditCardPayment", "ApplyTaxAfterDiscount", "DeliveryInfo",
    },
    "SalesReceipt": TXN | SHIPPING | {
        "CustomerRef", "DepositToAccountRef", "PaymentMethodRef", "PaymentRefNum", "CustomerMemo",
        "EmailStatus", "PrintStatus", "ApplyTaxAfterDiscount", "CreditCardPayment",
    },
    "JournalEntry": TXN | {"Adjustment"},
}  # fmt: skip
# Fields a query may filter or sort on besides the writable ones.
QUERY_EXTRA = READ_ONLY | {"QtyOnHand", "Balance", "CurrencyRef", "TrackQtyOnHand"}

Validator = Callable[[Ctx, dict, dict | None], dict]


@dataclass(frozen=True)
class Spec:
    name: str
    validate: Validator
    transaction: bool
    # QuickBooks refuses an Account update without Name, even a sparse one.
    update_requires: tuple[str, ...] = ()

    @property
    def known(self) -> frozenset[str]:
        return frozenset(FIELDS[self.name] | READ_ONLY)


def _txn(name: str) -> Spec:
    return Spec(name, lambda ctx, rec, old: validate_transaction(ctx, name, rec, old), True)


SPECS = {
    spec.name.lower(): spec
    for spec in (
        Spec("Vendor", namelists.validate_vendor, False),
        Spec("Customer", namelists.validate_customer, False),
        Spec("Employee", namelists.validate_employee, False),
        Spec("Item", namelists.validate_item, False),
        Spec("Account", namelists.validate_account, False, ("Name",)),
        *(_txn(name) for name in ("PurchaseOrder", "Bill", "Invoice", "SalesReceipt", "JournalEntry")),
    )
}
BY_NAME = {spec.name.lower(): spec for spec in SPECS.values()}


def writable(body: dict, spec: Spec, creating: bool) -> dict:
    keep = {key: value for key, value in body.items() if key not in READ_ONLY}
    if creating and not spec.transaction and "Balance" in body:
        keep["Balance"] = body["Balance"]  # opening balance, accepted on create only
    return copy.deepcopy(keep)


def create(ctx: Ctx, spec: Spec, body: dict) -> dict:
    """Validate and store a new object; returns the stored record."""
    check_charset(ctx, body)
    check_fields(body, spec.name, spec.known)
    checked = spec.validate(ctx, writable(body, spec, creating=True), None)
    stamp = timestamp()
    record = {"Id": ctx.state.next_id(ctx.company, spec.name), "SyncToken": "0", **checked}
    record.update(domain="QBO", sparse=False, MetaData={"CreateTime": stamp, "LastUpdatedTime": stamp})
    with ctx.state.lock:
        _move_stock(ctx, spec.name, record, 1)
        ctx.state.put(ctx.company, spec.name, record)
        if spec.name == "Bill":
            _link_purchase_orders(ctx, record)
    return record


def update(ctx: Ctx, spec: Spec, body: dict) -> dict:
    """Full or sparse update guarded by SyncToken (stale → 5010)."""
    check_charset(ctx, body)
    check_fields(body, spec.name, spec.known)
    existing = existing_for_write(ctx, spec, body)
    for element in spec.update_requires:
        if not body.get(element):
            raise faults.required_missing(element)
    changes = writable(body, spec, creating=False)
    if body.get("sparse") is True:
        merged = {**writable(existing, spec, creating=False), **changes}
    else:
        merged = changes  # full update: omitted writable fields become empty
    record = spec.validate(ctx, merged, existing)
    record.update(
        Id=existing["Id"],
        SyncToken=str(int(existing["SyncToken"]) + 1),
        domain="QBO",
        sparse=False,
        MetaData={**existing["MetaData"], "LastUpdatedTime": timestamp()},
    )
    with ctx.state.lock:
        _move_stock(ctx, spec.name, existing, -1)
        _move_stock(ctx, spec.name, record, 1)
        ctx.state.put(ctx.company, spec.name, record)
    return record


def delete(ctx: Ctx, spec: Spec, body: dict) -> dict:
    """``?operation=delete``: transactions only; name lists are inactivated instead."""
    if not spec.transaction:
        raise faults.business_rule(f"{spec.name} cannot be deleted; set Active to false instead.")
    existing = existing_for_write(ctx, spec, body)
    with ctx.state.lock:
        _move_stock(ctx, spec.name, existing, -1)
        ctx.state.remove(ctx.company, spec.name, existing["Id"], timestamp())
    return {"Id": existing["Id"], "status": "Deleted", "domain": "QBO"}


def read(ctx: Ctx, spec: Spec, ident: str) -> dict:
    if spec.name == "PurchaseOrder" and ctx.company.plan not in PURCHASE_ORDER_PLANS:
        raise faults.permission_denied("PurchaseOrder", ctx.company.plan, ctx.options.plan_fault_status)
    record = ctx.find(spec.name, ident)
    if record is None:
        raise faults.not_found(spec.name, ident)
    return record


def existing_for_write(ctx: Ctx, spec: Spec, body: dict) -> dict:
    ident = body.get("Id")
    if ident in (None, ""):
        raise faults.required_missing("Id")
    existing = read(ctx, spec, str(ident))
    token = body.get("SyncToken")
    if token in (None, ""):
        raise faults.required_missing("SyncToken")
    if str(token) != existing["SyncToken"]:
        raise faults.stale_object()
    return existing


def _move_stock(ctx: Ctx, entity: str, record: dict, direction: int) -> None:
    """Bills add and sales remove on-hand quantity of Inventory items (the item's SyncToken is kept)."""
    for item_id, qty in stock_moves(entity, record):
        item = ctx.company.table("Item").get(item_id)
        if item is not None and item.get("Type") == "Inventory":
            on_hand = Decimal(str(item.get("QtyOnHand", 0))) + direction * qty
            ctx.state.put(ctx.company, "Item", {**item, "QtyOnHand": as_number(on_hand)})


def _link_purchase_orders(ctx: Ctx, bill: dict) -> None:
    """A PO a Bill's lines link to names the Bill and is Closed once every item line is fully billed."""
    order_ids = {link["TxnId"] for line in bill.get("Line", []) for link in line.get("LinkedTxn") or []}
    for order_id in sorted(order_ids):
        order = ctx.company.table("PurchaseOrder")[order_id]
        links = [*(order.get("LinkedTxn") or []), {"TxnId": bill["Id"], "TxnType": "Bill"}]
        billed = _billed_per_line(ctx, order_id)
        lines = [line for line in order.get("Line", []) if line.get("DetailType") == "ItemBasedExpenseLineDetail"]
        done = all(billed.get(str(line["Id"]), Decimal(0)) >= Decimal(str(_qty(line))) for line in lines)
        ctx.state.put(
            ctx.company, "PurchaseOrder", {**order, "LinkedTxn": links, "POStatus": "Closed" if done else "Open"}
        )


def _billed_per_line(ctx: Ctx, order_id: str) -> dict[str, Decimal]:
    billed: dict[str, Decimal] = {}
    for bill in ctx.company.table("Bill").values():
        for line in bill.get("Line", []):
            for link in line.get("LinkedTxn") or []:
                if link.get("TxnId") == order_id:
                    key = str(link["TxnLineId"])
                    billed[key] = billed.get(key, Decimal(0)) + Decimal(str(_qty(line)))
    return billed


def _qty(line: dict) -> object:
    return (line.get("ItemBasedExpenseLineDetail") or {}).get("Qty") or 0
