"""What a person should do about a failed Integration Activity row, derived from what the engine stored.

The engine stores a category (the recovery strategy), QuickBooks' error code and a plain-language message
that already names the object and the fix. ``advise`` turns those into one fix *kind* the console can turn
into a link (Account mappings, Product links, the QuickBooks connection, ...) and a one-line explanation of
the kind of failure. Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

# The console page that fixes the problem; "" when the fix is outside the console (or only a retry).
ACCOUNT_MAPPINGS = "account_mappings"
PRODUCT_LINKS = "product_links"
RECONNECT = "reconnect_quickbooks"
SYNC_PREFERENCES = "sync_preferences"
OPENBOXES_RECORD = "openboxes_record"
QUICKBOOKS_COMPANY = "quickbooks_company"
SUPPORT = "support"
RETRY = "retry"

CATEGORY_LABELS = {
    "transient": "QuickBooks, OpenBoxes or the network did not answer (retried automatically, then gave up)",
    "throttled": "QuickBooks asked us to slow down (waits, no attempt spent)",
    "auth_expired": "The QuickBooks sign-in expired",
    "needs_reconnect": "The QuickBooks connection must be reconnected",
    "conflict": "The QuickBooks document changed while we updated it",
    "duplicate": "QuickBooks already holds a record with this name or number",
    "permanent": "QuickBooks, OpenBoxes or the bridge could not take the record (not retried automatically)",
}

# QuickBooks codes whose fix lives in the QuickBooks company itself (closed periods, billing, start dates).
_COMPANY_CODES = frozenset({"6190", "6200", "6210", "6270", "6540"})
# Codes fixed by editing the OpenBoxes record (names too long, forbidden characters, no name).
_RECORD_CODES = frozenset({"2040", "2050", "6080"})
# Codes about a referenced account (inactive, deleted, missing type).
_ACCOUNT_CODES = frozenset({"610", "2500", "6010"})


@dataclass(frozen=True)
class Advice:
    """The fix kind (see the constants above) and the category in plain words."""

    fix: str
    kind_of_failure: str


def advise(category: str | None, code: str | None, message: str | None) -> Advice:
    """The fix for a row from its ``error_category``, ``qbo_error_code`` and ``message``.

    >>> advise("permanent", "610", "QuickBooks account 2000 - A/P (id 5) is inactive: remap Accounts payable").fix
    'account_mappings'
    >>> advise("permanent", None, "Product X is not linked to a QuickBooks item: link it under Product links").fix
    'product_links'
    >>> advise("transient", "10000", "QuickBooks had an internal error").fix
    'retry'
    """
    label = CATEGORY_LABELS.get(category or "", "Not pushed")
    return Advice(_fix_kind(category, code or "", (message or "").lower()), label)


def _fix_kind(category: str | None, code: str, text: str) -> str:
    if category in ("needs_reconnect", "auth_expired") or "reconnect" in text:
        return RECONNECT
    if "product links" in text or "quickbooks item" in text:
        return PRODUCT_LINKS
    if "account mappings" in text or "remap" in text or "quickbooks account" in text or code in _ACCOUNT_CODES:
        return ACCOUNT_MAPPINGS
    if code == "5020" or "sync target" in text:
        return SYNC_PREFERENCES
    if "multicurrency" in text or code in _COMPANY_CODES:
        return QUICKBOOKS_COMPANY
    if code in _RECORD_CODES or "in openboxes" in text:
        return OPENBOXES_RECORD
    if "report this to support" in text:
        return SUPPORT
    return RETRY


# A failure's cause, as the home page groups them: what must be fixed, in plain words.
CAUSE_LABELS = {
    ACCOUNT_MAPPINGS: "A mapped QuickBooks account is missing, inactive or of the wrong type",
    PRODUCT_LINKS: "A product is not linked to a QuickBooks item",
    RECONNECT: "The QuickBooks connection needs reconnecting",
    SYNC_PREFERENCES: "The QuickBooks company does not take this kind of document",
    OPENBOXES_RECORD: "The record's data in OpenBoxes cannot go to the books as it is",
    QUICKBOOKS_COMPANY: "A setting of the QuickBooks company refuses it",
    SUPPORT: "Something the bridge did not expect",
    RETRY: "QuickBooks or OpenBoxes did not answer for a while",
}


def cause_of(category: str | None, code: str | None, message: str | None) -> str:
    """The cause a failed row is grouped under: its fix kind (one of ``CAUSE_LABELS``).

    >>> cause_of("permanent", "610", "QuickBooks account 2000 - A/P (id 5) is inactive: remap Accounts payable")
    'account_mappings'
    """
    return advise(category, code, message).fix
