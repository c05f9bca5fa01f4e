"""Which QuickBooks accounts suit each mapping role, and how the console names them.

QuickBooks checks account types when a document or item uses them (an item's asset account must be an
Other Current Asset, a bill's payable account an Accounts Payable…), so the picker offers only accounts
that will be accepted. Accounts are compact dicts: id, number, name, type, subtype, active.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# role → (AccountType, AccountSubType or None for any subtype)
SUITABLE_TYPES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "inventory_purchases": (("Cost of Goods Sold", None), ("Expense", None)),
    "inventory_asset": (("Other Current Asset", "Inventory"),),
    "accounts_payable": (("Accounts Payable", None),),
    "outbound_revenue": (("Income", None),),
    "inventory_adjustments": (("Cost of Goods Sold", None), ("Expense", None)),
    "deposit": (("Bank", None), ("Other Current Asset", None)),
    "purchase_charges": (("Expense", None), ("Cost of Goods Sold", None), ("Other Expense", None)),
}
# Freight and other charges are needed only by orders that carry adjustments; such an order fails until mapped.
OPTIONAL_ROLES = frozenset({"deposit", "purchase_charges"})


def compact_account(account: Mapping) -> dict:
    """The fields the console keeps of a QuickBooks Account."""
    return {
        "id": str(account["Id"]),
        "number": account.get("AcctNum") or None,
        "name": account.get("Name") or "",
        "type": account.get("AccountType") or "",
        "subtype": account.get("AccountSubType") or "",
        "active": bool(account.get("Active", True)),
    }


def account_label(account: Mapping) -> str:
    """``5000 - Cost of Goods Sold``, or just the name when the account has no number."""
    return f"{account['number']} - {account['name']}" if account.get("number") else account["name"]


def suits_role(role: str, account: Mapping) -> bool:
    """Whether ``account`` (compact) may be mapped to ``role``."""
    for kind, subtype in SUITABLE_TYPES[role]:
        if account["type"] == kind and (subtype is None or account["subtype"] == subtype):
            return True
    return False


def choices_for_role(role: str, accounts: Iterable[Mapping]) -> list[dict]:
    """Active accounts suitable for ``role``, ordered by number then name."""
    fitting = [a for a in accounts if a["active"] and suits_role(role, a)]
    return sorted(fitting, key=lambda a: (a.get("number") is None, a.get("number") or "", a["name"].lower()))
