"""Rules of the name-list entities: Vendor, Customer, Employee, Item, Account."""

from __future__ import annotations

from . import faults
from .companies import CLASSIFICATION, INVENTORY_PLANS
from .rules import (
    NAME_FORBIDDEN,
    Ctx,
    check_currency,
    check_date,
    check_text,
    fold,
    money,
    require,
    resolve_ref,
)

PEOPLE = ("Vendor", "Customer", "Employee")
NAME_PARTS = {"Title": 16, "GivenName": 100, "MiddleName": 100, "FamilyName": 100, "Suffix": 16}
ITEM_TYPES = ("Inventory", "NonInventory", "Service", "Category")
# Which account refs each Item type must carry (the strictest reading of what QuickBooks requires).
ITEM_ACCOUNTS = {
    "Inventory": ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"),
    "NonInventory": ("ExpenseAccountRef",),
    "Service": ("IncomeAccountRef", "ExpenseAccountRef"),
    "Category": (),
}
SUBTYPE_TYPES = {
    "Inventory": "Other Current Asset",
    "UndepositedFunds": "Other Current Asset",
    "AccountsPayable": "Accounts Payable",
    "AccountsReceivable": "Accounts Receivable",
    "Checking": "Bank",
    "SalesOfProductIncome": "Income",
    "SuppliesMaterialsCogs": "Cost of Goods Sold",
    "SuppliesMaterials": "Expense",
}


def display_name(record: dict) -> str:
    """DisplayName as sent, else built from the name parts as QuickBooks does."""
    if record.get("DisplayName"):
        return record["DisplayName"]
    parts = (record.get(part) for part in NAME_PARTS)
    return " ".join(str(part).strip() for part in parts if part)


def name_taken(ctx: Ctx, entities: tuple[str, ...], key: str, name: str, self_ref: tuple[str, str]) -> bool:
    """Inactive records and objects from earlier batch items still hold their names."""
    wanted = fold(name)
    for entity in entities:
        for ident, other in ctx.company.table(entity).items():
            if (entity, ident) != self_ref and fold(str(other.get(key, ""))) == wanted:
                return True
    return False


def validate_person(ctx: Ctx, entity: str, record: dict, existing: dict | None) -> dict:
    """Vendor / Customer / Employee: names, lengths, DisplayName unique across all three, currency."""
    for part, maximum in NAME_PARTS.items():
        check_text(record, part, maximum, NAME_FORBIDDEN)
    for element, maximum in (("CompanyName", 100), ("AcctNum", 100), ("Notes", 2000)):
        check_text(record, element, maximum)
    check_text(record, "PrintOnCheckName", 110, NAME_FORBIDDEN)
    check_text(record.get("PrimaryEmailAddr") or {}, "Address", 100)
    if "DisplayName" in record and not record["DisplayName"]:
        raise faults.bad_length("DisplayName", 0, 500, 1)
    name = display_name(record)
    if not name:
        raise faults.QboError("6080", "Missing name", "DisplayName or a name part is required", "DisplayName")
    record["DisplayName"] = name
    check_text(record, "DisplayName", 500, NAME_FORBIDDEN, 1)
    self_ref = (entity, existing["Id"] if existing else "")
    if name_taken(ctx, PEOPLE, "DisplayName", name, self_ref):
        raise faults.duplicate_name("Another customer, vendor or employee is already using this name.")
    record.setdefault("PrintOnCheckName", name)
    record.setdefault("Active", True)
    if existing is None and entity != "Employee":
        record["CurrencyRef"] = {"value": check_currency(ctx, record, required=False)}
    elif existing is not None and "CurrencyRef" in existing:
        record["CurrencyRef"] = existing["CurrencyRef"]  # read-only after create
    return record


def validate_vendor(ctx: Ctx, record: dict, existing: dict | None) -> dict:
    return validate_person(ctx, "Vendor", record, existing)


def validate_customer(ctx: Ctx, record: dict, existing: dict | None) -> dict:
    resolve_ref(ctx, record, "ParentRef", "Customer")
    return validate_person(ctx, "Customer", record, existing)


def validate_employee(ctx: Ctx, record: dict, existing: dict | None) -> dict:
    return validate_person(ctx, "Employee", record, existing)


def validate_item(ctx: Ctx, record: dict, existing: dict | None) -> dict:
    """Item: Name rules and uniqueness, Type, plan, account refs, inventory fields."""
    check_text(record, "Name", 100, NAME_FORBIDDEN, 1)
    name = require(record, "Name")
    if name_taken(ctx, ("Item",), "Name", name, ("Item", existing["Id"] if existing else "")):
        raise faults.duplicate_name("Another product or service is already using this name.")
    for element, maximum in (("Sku", 100), ("Description", 4000), ("PurchaseDesc", 1000)):
        check_text(record, element, maximum)
    item_type = require(record, "Type")
    if item_type not in ITEM_TYPES:
        raise faults.invalid_string("Type", f"must be one of {', '.join(ITEM_TYPES)}")
    if item_type == "Inventory":
        _inventory_fields(ctx, record, existing)
    for element in ITEM_ACCOUNTS[item_type]:
        require(record, element)
    for element in ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"):
        resolve_ref(ctx, record, element, "Account")
    resolve_ref(ctx, record, "PrefVendorRef", "Vendor")
    for element in ("UnitPrice", "PurchaseCost", "ReorderPoint"):
        if record.get(element) is not None:
            money(record[element], element)
    record["FullyQualifiedName"] = name
    record.setdefault("Active", True)
    return record


def _inventory_fields(ctx: Ctx, record: dict, existing: dict | None) -> None:
    plan = ctx.company.plan
    if plan not in INVENTORY_PLANS:
        raise faults.permission_denied("Inventory tracking", plan, ctx.options.plan_fault_status)
    if existing is not None and existing.get("TrackQtyOnHand"):
        record["TrackQtyOnHand"] = True  # cannot be switched off again
        record["QtyOnHand"] = existing.get("QtyOnHand", 0)  # changes only through transactions
    if record.get("TrackQtyOnHand") is not True:
        raise faults.required_missing("TrackQtyOnHand")
    money(require_number(record, "QtyOnHand"), "QtyOnHand")
    require(record, "InvStartDate")
    check_date(record, "InvStartDate")


def require_number(record: dict, element: str) -> object:
    if record.get(element) is None:
        raise faults.required_missing(element)
    return record[element]


def validate_account(ctx: Ctx, record: dict, existing: dict | None) -> dict:
    """Account: Name rules, AcctNum, AccountType/SubType (6010), unique Name."""
    check_text(record, "Name", 100, '":', 1)
    name = require(record, "Name")
    number_max = 7 if ctx.company.country in ("US", "UK", "IN") else 20
    check_text(record, "AcctNum", number_max, ":")
    if name_taken(ctx, ("Account",), "Name", name, ("Account", existing["Id"] if existing else "")):
        raise faults.duplicate_name("Another account is already using this name.")
    acct_type = record.get("AccountType") or SUBTYPE_TYPES.get(record.get("AccountSubType") or "")
    if not acct_type:
        detail = "Account must have an AccountType or a known AccountSubType"
        raise faults.QboError("6010", "Invalid account type", detail, "AccountType")
    if acct_type not in CLASSIFICATION:
        raise faults.invalid_string("AccountType", "is not a valid account type")
    record["AccountType"] = acct_type
    record["Classification"] = CLASSIFICATION[acct_type]
    record["FullyQualifiedName"] = name
    record.setdefault("Active", True)
    record.setdefault("SubAccount", False)
    record.setdefault("CurrentBalance", 0)
    record["CurrencyRef"] = (existing or {}).get("CurrencyRef") or {
        "value": check_currency(ctx, record, required=False)
    }
    return record
