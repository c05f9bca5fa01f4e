"""Every sync failure, grouped by what the caller must do next (one hierarchy, one module).

| Class          | category        | What to do next                                                   |
|----------------|-----------------|-------------------------------------------------------------------|
| Transient      | transient       | retry with backoff, same requestid (the outcome may be unknown)   |
| Throttled      | throttled       | wait ``retry_after_seconds``; does not spend a retry              |
| AuthExpired    | auth_expired    | refresh the access token once (under the lock), retry once        |
| NeedsReconnect | needs_reconnect | mark the connection ``needs_reconnect``; keep rows queued         |
| Conflict       | conflict        | re-read the object (fresh SyncToken), re-apply, retry             |
| Duplicate      | duplicate       | look up the existing object by name / DocNumber and link it       |
| Permanent      | permanent       | ``sync_failed`` at once; the message names the object and the fix |

``SkipRecord`` is not an error: a mapper raises it when a record has nothing to push (``skipped``).
"""

from __future__ import annotations

import copy
import re
from typing import ClassVar, Self

from portal.sync.names import refused_characters


class SyncError(Exception):
    """Base of every typed sync failure.

    Attributes:
        category: Machine name of the recovery strategy (stored on the activity row).
        code: QuickBooks error code as a string, or None when QuickBooks sent none.
        message: Plain language naming the object and the fix.
        detail: QuickBooks' own Detail text (for logs and support), may be empty.
        element: The field QuickBooks named, may be empty.
        status: HTTP status of the answer, or None (transport failures, mapping errors).
    """

    category: ClassVar[str] = "permanent"
    #: True when QuickBooks definitely answered and refused: a later retry of the same write must use
    #: a new requestid generation, because QuickBooks (and the sandbox) replay the stored answer.
    definite: ClassVar[bool] = True

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        detail: str = "",
        element: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.code, self.detail = message, code, detail
        self.element, self.status = element, status

    def reworded(self, message: str) -> Self:
        """The same error (class, code, detail) with a message enriched by the caller's context."""
        clone = copy.copy(self)
        clone.message = message
        clone.args = (message,)
        return clone

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class Transient(SyncError):
    """Server-side or network trouble: retry later with backoff, reusing the same requestid.

    Attributes:
        outcome_unknown: True when the write may have been applied (timeout or reset after sending):
            before creating again, look the document up by DocNumber + marker.
    """

    category = "transient"
    definite = False

    def __init__(self, message: str, code: str | None = None, *, outcome_unknown: bool = True, **kw) -> None:
        super().__init__(message, code, **kw)
        self.outcome_unknown = outcome_unknown


class Throttled(SyncError):
    """QuickBooks' request budget was exceeded: wait, then retry without counting an attempt."""

    category = "throttled"
    definite = False
    DEFAULT_WAIT = 60

    def __init__(self, message: str, code: str | None = "3001", *, retry_after_seconds: float = 60, **kw) -> None:
        super().__init__(message, code, **kw)
        self.retry_after_seconds = retry_after_seconds


class AuthExpired(SyncError):
    """The access token was refused: refresh it once (single-flight) and retry once.

    A second AuthExpired right after a successful refresh means the grant is gone: treat it as
    NeedsReconnect.
    """

    category = "auth_expired"
    definite = False


class NeedsReconnect(SyncError):
    """The connection itself is unusable (refresh token revoked, token not for this company)."""

    category = "needs_reconnect"
    definite = False


class Conflict(SyncError):
    """5010 stale SyncToken: re-read the object, re-apply the change and retry."""

    category = "conflict"


class Duplicate(SyncError):
    """6240 (a name already used) or 6140 (a DocNumber already used).

    Attributes:
        kind: ``"name"`` (Vendor/Customer/Employee/Item/Account name) or ``"doc_number"``.
        existing_type: For 6140, the TxnType QuickBooks says holds the number (e.g. ``"Bill"``), else None.
        existing_id: For 6140, the TxnId holding the number, else None.
    """

    category = "duplicate"

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        kind: str = "name",
        existing_type: str | None = None,
        existing_id: str | None = None,
        **kw,
    ) -> None:
        super().__init__(message, code, **kw)
        self.kind, self.existing_type, self.existing_id = kind, existing_type, existing_id


class Permanent(SyncError):
    """Fix the data, mapping or company settings, then retry by hand: never retried automatically.

    Attributes:
        reference: For 2500, ``(list_name, id)`` parsed from QuickBooks' detail, e.g. ``("Accounts", "7")``,
            so the caller can name the mapping that points at it.
    """

    category = "permanent"

    def __init__(self, message: str, code: str | None = None, *, reference: tuple[str, str] | None = None, **kw):
        super().__init__(message, code, **kw)
        self.reference = reference


class MissingReference(Permanent):
    """A mapping the record needs is not configured (e.g. no account mapped for a role)."""


class NotLinked(MissingReference):
    """An OpenBoxes record is not linked to the QuickBooks object it must reference."""


class InactiveReference(Permanent):
    """A referenced QuickBooks object (account, item, vendor, customer) is inactive or deleted."""


class SkipRecord(Exception):
    """Raised by a mapper when the record has nothing to push; the activity row ends ``skipped``."""

    category = "skipped"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_inactive_reference(account_label: str, role_label: str) -> str:
    """Message for an inactive or deleted mapped account.

    >>> describe_inactive_reference("5000 - COGS (id 80)", "Inventory purchases")
    'QuickBooks account 5000 - COGS (id 80) is inactive or deleted: remap Inventory purchases, then retry'
    """
    return f"QuickBooks account {account_label} is inactive or deleted: remap {role_label}, then retry"


def describe_unmapped_role(role_label: str) -> str:
    """Message for an account role nobody mapped yet."""
    return f"No QuickBooks account is mapped for {role_label}: map it under Account mappings, then retry"


def describe_not_linked(kind: str, code: str | None, name: str | None, target: str, where: str) -> str:
    """Message for a record that must be linked first, e.g. a product without its QuickBooks item.

    >>> describe_not_linked("Product", "ABC-1", "Gauze", "item", "Product links")
    "Product ABC-1 'Gauze' is not linked to a QuickBooks item: link it under Product links, then retry"
    """
    subject = describe_record(kind, code, name)
    return f"{subject} is not linked to a QuickBooks {target}: link it under {where}, then retry"


def describe_record(kind: str, code: str | None, name: str | None) -> str:
    """``Product ABC-1 'Gauze'``: how messages name an OpenBoxes record."""
    parts = [kind] + ([code] if code else []) + ([f"'{name}'"] if name else [])
    return " ".join(parts)


def describe_no_multicurrency(what: str, currency: str | None) -> str:
    """Message for a foreign-currency record when the QuickBooks company has no multicurrency."""
    return (
        f"{what} is in {currency} but the QuickBooks company does not use multicurrency: "
        "turn on multicurrency in QuickBooks (or use the home currency in OpenBoxes), then retry"
    )


def answer_words(status: int) -> str:
    """What an HTTP status means, in words a finance user reads, with the code in brackets for support.

    >>> answer_words(503)
    'had a server error (503)'
    >>> answer_words(404)
    'did not find it (404)'
    """
    if status >= 500:
        return f"had a server error ({status})"
    if status in (408, 425):
        return f"took too long to answer ({status})"
    if status == 404:
        return f"did not find it ({status})"
    if status in (401, 403):
        return f"refused access ({status})"
    return f"refused the request ({status})"


_WILL_RETRY = re.compile(r"[;:,]?\s*(the sync )?will retry\.?$", re.IGNORECASE)


def describe_given_up(message: str, attempts: int) -> str:
    """A passing problem's reason once the retries are spent: no "will retry" left in it.

    >>> describe_given_up("QuickBooks had a server error (503): will retry", 4)
    'QuickBooks had a server error (503). Gave up after 4 attempts: retry this row once QuickBooks answers again'
    >>> describe_given_up("OpenBoxes timed out; the sync will retry", 4)
    'OpenBoxes timed out. Gave up after 4 attempts: retry this row once OpenBoxes answers again'
    """
    reason = _WILL_RETRY.sub("", message.strip()).rstrip(" .;:,")
    system = "OpenBoxes" if "openboxes" in reason.lower() else "QuickBooks"
    return f"{reason}. Gave up after {attempts} attempts: retry this row once {system} answers again"


def describe_not_connected(status: str | None) -> str:
    """Why QuickBooks cannot be called for a tenant, by its connection's status (None: no connection)."""
    if status == "needs_reconnect":
        return "QuickBooks needs reconnecting: it no longer accepts this connection's tokens. Reconnect, then retry"
    if status == "disconnected":
        return "QuickBooks was disconnected for this tenant: connect QuickBooks again, then retry"
    return "QuickBooks is not connected for this tenant: connect QuickBooks, then retry"


TRANSLITERATE_LABEL = "Change names QuickBooks cannot store"


def describe_outside_charset(names: list[str]) -> str:
    """Message for names a US company refused for its character set (ISO-8859-1).

    >>> describe_outside_charset(["Gauze Ω✓"])[:60]
    'QuickBooks refused ‘Ω’ and ‘✓’ in the name Gauze Ω✓: a US Qu'
    """
    refused = "; ".join(refused_characters(name) for name in names[:3])
    return (
        f"QuickBooks refused {refused}: a US QuickBooks company stores only Western European characters "
        f"(ISO-8859-1). Rename it in OpenBoxes (or turn on “{TRANSLITERATE_LABEL}” under Sync preferences), "
        "then retry"
    )
