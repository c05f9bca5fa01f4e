"""Turn QuickBooks answers (API, token endpoint, transport failures) into one typed error each.

Every Fault shape QuickBooks and our sandbox produce is understood: the JSON ``Fault`` / ``Error``
(capitalised), the lower-case ``fault`` / ``error`` of 401/403, the XML ``IntuitResponse`` throttle
body, the legacy 403 throttle, 429 with or without ``Retry-After``, HTML 5xx pages and code 10000.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

from portal.sync.errors import (
    AuthExpired,
    Conflict,
    Duplicate,
    InactiveReference,
    NeedsReconnect,
    Permanent,
    SyncError,
    Throttled,
    Transient,
    answer_words,
)

THROTTLE_CODES = frozenset({"3001"})
REFRESH_CODES = frozenset({"3200", "100"})
RECONNECT_CODES = frozenset({"3100", "120"})
TRANSIENT_CODES = frozenset({"10000"})
DOC_NUMBER_HOLDER = re.compile(r"TxnType=(\w+)\s+with\s+TxnId=(\w+)")
MISSING_REFERENCE = re.compile(r"Invalid Reference Id\s*:\s*(\w+) element id (\S+) not found")

# Plain-language text per QuickBooks code; classify appends QuickBooks' own detail.
CODE_MESSAGES: dict[str, str] = {
    "600": "The request id was already used for a different request: retry with a new request id",
    "610": (
        "Something this record references in QuickBooks is inactive or deleted: reactivate or remap it, then retry"
    ),
    "2010": "QuickBooks does not accept a field the bridge sent: report this to support",
    "2020": "A field QuickBooks requires is missing: complete the record or its mapping, then retry",
    "2030": "QuickBooks rejected an id the bridge sent: check the links and mappings, then retry",
    "2040": "A text field contains characters QuickBooks does not allow: edit the record, then retry",
    "2050": "A text field is too long for QuickBooks: shorten it in OpenBoxes, then retry",
    "2250": "The document has no lines QuickBooks can use: check its lines, then retry",
    "2260": "A journal line has no debit/credit side: report this to support",
    "2290": "A journal line has a negative amount: report this to support",
    "2300": "The journal entry's debits and credits differ: report this to support",
    "2500": "Something this record references no longer exists in QuickBooks: remap or relink it, then retry",
    "4000": "QuickBooks could not parse a query: report this to support",
    "4001": "QuickBooks rejected a query: report this to support",
    "4002": "QuickBooks could not run a query: report this to support",
    "5020": (
        "The QuickBooks subscription does not include this feature: "
        "upgrade the plan or change the sync target, then retry"
    ),
    "6000": "QuickBooks refused the record for a business rule: fix what the detail says, then retry",
    "6010": "A QuickBooks account needs an account type: fix the account, then retry",
    "6070": "A line amount is not quantity × unit price: report this to support",
    "6080": "The record has no name: give it a name in OpenBoxes, then retry",
    "6190": (
        "The QuickBooks company's subscription has ended or has a billing problem: resolve it in QuickBooks, then retry"
    ),
    "6200": (
        "The date falls in a closed QuickBooks accounting period: reopen the period or change the date, then retry"
    ),
    "6210": ("The date falls in a password-protected closed period: reopen the period in QuickBooks, then retry"),
    "6250": "The customer is missing or inactive in QuickBooks: reactivate or relink it, then retry",
    "6270": (
        "The document is dated before an inventory item's start date: "
        "change the item's start date in QuickBooks, then retry"
    ),
    "6540": "The transaction was deposited and can no longer be changed in QuickBooks",
    "1040": "Too many items in one batch: report this to support",
    "500": "QuickBooks does not support this operation: report this to support",
}
UNKNOWN_CODE_MESSAGE = "QuickBooks refused the request (code {code})"


@dataclass(frozen=True)
class FaultError:
    """One ``Error`` of a QuickBooks Fault, whatever its shape."""

    code: str
    message: str = ""
    detail: str = ""
    element: str = ""
    fault_type: str = ""


def classify_qbo_response(status: int, headers: Mapping[str, str], body: str) -> SyncError | None:
    """Classify one Accounting API answer.

    Args:
        status: HTTP status.
        headers: Response headers (any case; only ``Retry-After`` is read).
        body: Response text (JSON, XML, HTML or empty).

    Returns:
        None for a success without Fault, else the typed error saying what to do next.
    """
    errors = parse_faults(body)
    if status < 300 and not errors:
        return None
    throttled = _throttled(status, errors)
    if throttled:
        return Throttled(
            "QuickBooks' request limit was reached: waiting before the next call",
            retry_after_seconds=retry_after(headers),
            detail=_details(errors),
            status=status,
        )
    if errors:
        return classify_fault_errors(errors, status)
    return _classify_bare_status(status, body)


def classify_fault(fault: Mapping, status: int = 200) -> SyncError:
    """Classify a ``Fault`` object found inside a batch item (HTTP 200 overall)."""
    errors = _errors_from_json({"Fault": fault})
    return classify_fault_errors(errors or [FaultError(code="")], status)


def classify_fault_errors(errors: list[FaultError], status: int) -> SyncError:
    """The most actionable of several errors decides; the others are kept in ``detail``."""
    first = min(errors, key=_priority)
    details = _details(errors)
    if first.code in THROTTLE_CODES:
        return Throttled("QuickBooks' request limit was reached: waiting", detail=details, status=status)
    if first.code in REFRESH_CODES or (status == 401 and first.code not in RECONNECT_CODES):
        return AuthExpired(
            "QuickBooks refused the access token: refreshing it",
            first.code or None,
            detail=details,
            status=status,
        )
    if first.code in RECONNECT_CODES or first.fault_type.upper() == "AUTHORIZATION":
        return NeedsReconnect(_RECONNECT_MESSAGE, first.code or None, detail=details, status=status)
    if first.code in TRANSIENT_CODES or (status >= 500 and first.code != "500"):
        return Transient(
            _with_detail("QuickBooks had a server error", first),
            first.code or None,
            detail=details,
            status=status,
        )
    return _classify_business(first, details, status)


_RECONNECT_MESSAGE = "The QuickBooks connection is no longer authorized: reconnect QuickBooks, then retry"


def _classify_business(error: FaultError, details: str, status: int) -> SyncError:
    kw = {"detail": details, "element": error.element, "status": status}
    code = error.code
    if code == "5010":
        return Conflict("The QuickBooks object changed since it was read: re-reading it", code, **kw)
    if code == "6240":
        return Duplicate(_with_detail("The name is already used in QuickBooks", error), code, kind="name", **kw)
    if code == "6140":
        holder = DOC_NUMBER_HOLDER.search(error.detail)
        return Duplicate(
            _with_detail("The document number is already used in QuickBooks", error),
            code,
            kind="doc_number",
            existing_type=holder.group(1) if holder else None,
            existing_id=holder.group(2) if holder else None,
            **kw,
        )
    message = _with_detail(CODE_MESSAGES.get(code, UNKNOWN_CODE_MESSAGE.format(code=code or "none")), error)
    if code == "610":
        return InactiveReference(message, code, **kw)
    if code == "2500":
        missing = MISSING_REFERENCE.search(error.detail)
        reference = (missing.group(1), missing.group(2)) if missing else None
        return InactiveReference(message, code, reference=reference, **kw)
    return Permanent(message, code or None, **kw)


def _priority(error: FaultError) -> int:
    """Order errors so the one demanding the strongest reaction decides."""
    order = [THROTTLE_CODES, REFRESH_CODES, RECONNECT_CODES, TRANSIENT_CODES]
    for rank, codes in enumerate(order):
        if error.code in codes:
            return rank
    return len(order)


def _classify_bare_status(status: int, body: str) -> SyncError:
    """A non-2xx answer without any Fault (HTML error pages, gateways, empty bodies)."""
    snippet = _snippet(body)
    if status == 401:
        return AuthExpired("QuickBooks refused the access token: refreshing it", status=status, detail=snippet)
    if status >= 500 or status in (408, 425):
        return Transient(f"QuickBooks {answer_words(status)}: will retry", status=status, detail=snippet)
    if status == 404:
        message = "QuickBooks answered 404 for this address: check the QuickBooks API URL in the configuration"
        return Permanent(message, status=status, detail=snippet)
    if status == 403:
        return NeedsReconnect(_RECONNECT_MESSAGE, status=status, detail=snippet)
    return Permanent(f"QuickBooks refused the request ({status})", status=status, detail=snippet)


def _throttled(status: int, errors: list[FaultError]) -> bool:
    if status == 429:
        return True
    # The legacy form is a 403 whose message says ThrottleExceeded (possibly in XML).
    return any(e.code in THROTTLE_CODES or "ThrottleExceeded" in e.message for e in errors)


def retry_after(headers: Mapping[str, str], default: int = Throttled.DEFAULT_WAIT) -> int:
    """Seconds from a ``Retry-After`` header (delta-seconds form), else ``default`` (Intuit: 60 s)."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is not None and value.strip().isdigit():
        return max(1, int(value.strip()))
    return default


def parse_faults(body: str) -> list[FaultError]:
    """Every Fault error in a JSON (either key case) or XML body; [] when there is none."""
    text = (body or "").lstrip()
    if text.startswith("{"):
        try:
            return _errors_from_json(json.loads(text))
        except ValueError:
            return []
    if text.startswith("<?xml") or text.startswith("<IntuitResponse") or text.startswith("<Fault"):
        return _errors_from_xml(text)
    return []


def _errors_from_json(data: object) -> list[FaultError]:
    if not isinstance(data, dict):
        return []
    fault = _get(data, "fault")
    if not isinstance(fault, dict):
        return []
    fault_type = str(_get(fault, "type") or "")
    errors = _get(fault, "error") or []
    if isinstance(errors, dict):
        errors = [errors]
    return [
        FaultError(
            code=str(_get(e, "code") or ""),
            message=str(_get(e, "message") or ""),
            detail=str(_get(e, "detail") or ""),
            element=str(_get(e, "element") or ""),
            fault_type=fault_type,
        )
        for e in errors
        if isinstance(e, dict)
    ]


def _get(mapping: dict, key: str) -> object:
    """Case-insensitive key lookup: 401 bodies use ``fault``/``error``, the rest ``Fault``/``Error``."""
    for name, value in mapping.items():
        if name.lower() == key:
            return value
    return None


def _errors_from_xml(text: str) -> list[FaultError]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return []
    found = []
    for fault in (el for el in root.iter() if _local(el.tag) == "Fault"):
        for error in (el for el in fault if _local(el.tag) == "Error"):
            texts = {_local(child.tag): (child.text or "") for child in error}
            found.append(
                FaultError(
                    code=error.get("code", ""),
                    message=texts.get("Message", ""),
                    detail=texts.get("Detail", ""),
                    element=error.get("element", ""),
                    fault_type=fault.get("type", ""),
                )
            )
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _details(errors: list[FaultError]) -> str:
    return "; ".join(f"{e.code} {e.message}: {e.detail}".strip() for e in errors)


def _with_detail(message: str, error: FaultError) -> str:
    detail = error.detail or error.message
    return f"{message} (QuickBooks: {detail})" if detail else message


def _snippet(body: str, limit: int = 200) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body or "")).strip()[:limit]


# --- transport failures --------------------------------------------------------------------------

# kind → (outcome_unknown, plain-language message). "Unknown" means the request may have been applied.
TRANSPORT_KINDS: dict[str, tuple[bool, str]] = {
    "timeout": (True, "QuickBooks did not answer in time; the write may or may not have been applied"),
    "read_timeout": (True, "QuickBooks did not answer in time; the write may or may not have been applied"),
    "connection_reset": (True, "The connection to QuickBooks was cut before an answer arrived"),
    "connection_aborted": (True, "The connection to QuickBooks was cut before an answer arrived"),
    "remote_disconnected": (True, "QuickBooks closed the connection without answering"),
    "chunked_encoding": (True, "QuickBooks' answer was cut off"),
    "connect_timeout": (False, "Could not connect to QuickBooks in time"),
    "connection_refused": (False, "QuickBooks refused the connection"),
    "dns": (False, "QuickBooks' address could not be resolved"),
}


def classify_transport_failure(kind: str) -> SyncError:
    """Classify a failure without an HTTP answer.

    Args:
        kind: One of ``TRANSPORT_KINDS`` (e.g. ``"timeout"``, ``"connection_reset"``,
            ``"connection_refused"``), or ``"tls"``/``"invalid_url"`` for configuration problems.
            Unknown kinds count as transient with an unknown outcome.
    """
    if kind in ("tls", "invalid_url"):
        what = "its TLS certificate was refused" if kind == "tls" else "the URL is invalid"
        return Permanent(f"Cannot reach QuickBooks because {what}: check the QuickBooks API URL, then retry")
    unknown, message = TRANSPORT_KINDS.get(kind, (True, f"Network failure talking to QuickBooks ({kind})"))
    return Transient(f"{message}: will retry", outcome_unknown=unknown)


# --- the OAuth token endpoint --------------------------------------------------------------------


def classify_token_response(status: int, body: str) -> SyncError | None:
    """Classify an answer of the OAuth token endpoint (code exchange or refresh).

    ``invalid_grant`` ⇒ NeedsReconnect; ``invalid_client`` ⇒ Permanent (wrong app credentials);
    429 ⇒ Throttled; 5xx ⇒ Transient; other 4xx ⇒ Permanent. None for a 200 carrying an access token.
    """
    try:
        data = json.loads(body) if body and body.lstrip().startswith("{") else {}
    except ValueError:
        data = {}
    error = str(data.get("error", "")) if isinstance(data, dict) else ""
    if status == 200 and not error and isinstance(data, dict) and data.get("access_token"):
        return None
    description = str(data.get("error_description", "")) if isinstance(data, dict) else ""
    if error == "invalid_grant":
        message = "QuickBooks no longer accepts this connection's refresh token: reconnect QuickBooks"
        return NeedsReconnect(message, "invalid_grant", detail=description, status=status)
    if error == "invalid_client" or (status == 401 and not error):
        message = (
            "QuickBooks rejected the app's client id or secret: "
            "fix QBO_CLIENT_ID/QBO_CLIENT_SECRET in the configuration"
        )
        return Permanent(message, "invalid_client", detail=description, status=status)
    if status == 429:
        return Throttled("QuickBooks' token endpoint is throttling: waiting", None, status=status)
    if status >= 500 or status == 408:
        return Transient(f"QuickBooks' sign-in service {answer_words(status)}: will retry", status=status)
    if status == 200:
        return Transient("QuickBooks' token endpoint answered without an access token: will retry", status=status)
    message = f"QuickBooks' token endpoint refused the request ({error or status}): report this to support"
    return Permanent(message, error or None, detail=description, status=status)
