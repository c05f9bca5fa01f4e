"""Record who did what in the audit log (committed with the caller's transaction)."""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEvent


def record_event(action: str, tenant=None, tenant_id: int | None = None, details: dict | None = None) -> None:
    """Add an AuditEvent for the signed-in user (or the system, outside a request)."""
    user_id = current_user.id if has_request_context() and current_user.is_authenticated else None
    event = AuditEvent(action=action, user_id=user_id, details=details or {})
    if tenant is not None:
        event.tenant = tenant
    else:
        event.tenant_id = tenant_id
    db.session.add(event)
