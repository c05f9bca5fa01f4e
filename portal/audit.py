"""Record who did what in the audit log (committed with the caller's transaction), and say it in plain words.

``describe`` turns an event's action code and details into the sentence the audit log shows a finance
user; the code and the raw details stay on the page in a collapsed "technical details" block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import has_request_context
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEvent
from portal.sync.entities import Entity, entity_label
from portal.sync.refs import ROLE_LABELS

FIELD_WORDS = {
    "sync_mode": "when to sync",
    "po_target": "what purchase orders become",
    "shipment_target": "what shipments become",
    "product_link_mode": "what happens to a product without a link",
    "realtime_interval_minutes": "the real-time interval",
    "daily_time": "the daily sync time",
    "timezone": "the time zone",
    "name": "the name",
    "slug": "the short name",
}
VALUE_WORDS = {
    "realtime": "in real time",
    "scheduled": "once a day",
    "manual": "only when asked",
    "auto_create": "create it in QuickBooks",
    "PurchaseOrder": "QuickBooks purchase orders",
    "Bill": "QuickBooks bills",
    "Invoice": "QuickBooks invoices",
    "SalesReceipt": "QuickBooks sales receipts",
}


def record_event(action: str, tenant=None, tenant_id: int | None = None, details: dict | None = None) -> None:
    """Add an AuditEvent for the signed-in user (or the system, outside a request)."""
    user_id = current_user.id if has_request_context() and current_user.is_authenticated else None
    event = AuditEvent(action=action, user_id=user_id, details=details or {})
    if tenant is not None:
        event.tenant = tenant
    else:
        event.tenant_id = tenant_id
    db.session.add(event)


def rows_by_entity(entities: list[str]) -> dict[str, int]:
    """``{"purchase_order": 9, "supplier": 3}``: how many of the rows are of each entity (for an event's details)."""
    return {entity: entities.count(entity) for entity in sorted(set(entities))}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _entity_words(entity: str) -> str:
    return entity_label(entity).lower() if entity in Entity._value2member_map_ else entity.replace("_", " ")


def _rows(verb: str, details: Mapping) -> str:
    count = details.get("count", len(details.get("activity_ids", [])) or 1)
    kinds = details.get("by_entity") or {}
    parts = ", ".join(f"{_entity_words(name)}s: {n}" for name, n in kinds.items())
    return f"{verb} {_plural(count, 'failed row')}" + (f" ({parts})" if parts else "")


def _value(value) -> str:
    if value in (None, ""):
        return "nothing"
    if isinstance(value, bool):
        return "on" if value else "off"
    return VALUE_WORDS.get(value, str(value)) if isinstance(value, str) else str(value)


def _changes(details: Mapping) -> str:
    changed = [
        f"{FIELD_WORDS.get(name, name.replace('_', ' '))} from {_value(c.get('from'))} to {_value(c.get('to'))}"
        for name, c in details.items()
        if isinstance(c, Mapping)
    ]
    return "; ".join(changed) if changed else "nothing"


def _mapping(details: Mapping) -> str:
    role = ROLE_LABELS.get(details.get("role"), str(details.get("role", "an account")))
    if details.get("from"):
        return f"Changed the {role} account from {details['from']} to {_value(details.get('to'))}"
    return f"Set the {role} account to {_value(details.get('to'))}"


def _product_linked(details: Mapping) -> str:
    how = "created in QuickBooks" if details.get("method") == "auto_created" else "linked by hand"
    return f"Linked product {details.get('product', '?')} to QuickBooks item {details.get('item_id')} ({how})"


SENTENCES: dict[str, Callable[[Mapping], str]] = {
    "activity.retried": lambda d: _rows("Retried", d),
    "activity.ignored": lambda d: _rows("Ignored", d),
    "tenant.created": lambda d: "Created the tenant",
    "tenant.changed": lambda d: f"Changed the tenant's settings: {_changes(d)}",
    "preferences.saved": lambda d: f"Changed the sync preferences: {_changes(d)}",
    "sync.mode_changed": lambda d: f"Set syncing to run {_value(d.get('sync_mode'))}",
    "sync.requested": lambda d: "Asked for a sync now",
    "sync.enabled": lambda d: "Turned syncing on",
    "sync.history_import": lambda d: f"Started syncing history from {d['from']}",
    "sync.opening_stock": lambda d: "Turned opening stock " + ("on" if d.get("on") else "off"),
    "activity.repushed": lambda d: "Pushed a record deleted in QuickBooks again",
    "user.saved": lambda d: f"Saved the user {d.get('email')}",
    "user.deleted": lambda d: f"Deleted the user {d.get('email')}",
    "user.role_changed": lambda d: f"Changed what {d.get('email')} can do or which tenant they belong to",
    "mapping.saved": _mapping,
    "product.linked": _product_linked,
    "product.unlinked": lambda d: f"Unlinked product {d.get('product', '?')} from its QuickBooks item",
    "product.link_mode": lambda d: f"A product without a link: now {_value(d.get('to'))}",
    "quickbooks.connected": lambda d: "Connected QuickBooks",
    "quickbooks.disconnected": lambda d: "Disconnected QuickBooks",
    "quickbooks.realm_refused": lambda d: "Refused to connect a different QuickBooks company",
    "quickbooks.links_reset": lambda d: "Forgot the links to the previous QuickBooks company",
    "quickbooks.needs_reconnect": lambda d: "QuickBooks asked to be connected again",
    "openboxes.saved": lambda d: (
        "Saved the OpenBoxes connection" + (" and its password" if d.get("password_changed") else "")
    ),
    "digest.sent": lambda d: f"Sent the failure alert ({_plural(int(d.get('failures') or 0), 'failed row')})",
    "digest.webhook_saved": lambda d: "Saved the alert webhook" if d.get("host") else "Removed the alert webhook",
    "digest.emails_saved": lambda d: (
        f"Set the failure alert addresses: {', '.join(d['addresses'])}"
        if d.get("addresses")
        else "Removed the failure alert addresses"
    ),
    "digest.support_sent": lambda d: "Sent support's failure summary",
    "digest.support_baseline": lambda d: "Updated support's failure summary baseline",
    "worker.ping": lambda d: "Checked that the background worker answers",
}


def describe(action: str, details: Mapping | None) -> str:
    """The plain sentence for an audit event, e.g. "Retried 12 failed rows (suppliers: 3, purchase orders: 9)"."""
    sentence = SENTENCES.get(action)
    if sentence is None:
        return action.replace(".", " ").replace("_", " ").capitalize()
    try:
        return sentence(details or {})
    except (AttributeError, TypeError, ValueError):  # an older event's details in another shape
        return action.replace(".", " ").replace("_", " ").capitalize()
