"""Console pages for tenants, users, the ledger and the audit log."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import inspect
from wtforms import PasswordField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from portal.admin.base import ReadOnlyView, TenantScopedView
from portal.admin.forms import checked
from portal.admin.forms import choices as _choices
from portal.audit import record_event
from portal.engine.preferences import Preferences
from portal.models import AuditEvent, EntityLink, Tenant, User, Watermark
from portal.models.base import utcnow
from portal.models.tenancy import PO_TARGETS, PRODUCT_LINK_MODES, SHIPMENT_TARGETS, SYNC_MODES
from portal.sync.schedule import check_interval, next_run_at, parse_daily_time, zone

DIGEST_COLUMNS = [
    "digest_webhook_url",
    "last_digest_failures",
    "last_digest_at",
    "last_digest_reconnect",
    "digest_reminder_week",
]


class TenantView(TenantScopedView):
    """Support staff manage tenants; a tenant admin edits only their own tenant's settings."""

    tenant_filter = False
    column_list = ["name", "slug", "timezone", "sync_mode", "po_target", "shipment_target", "sync_enabled_at"]
    column_searchable_list = ["name", "slug"]
    # The historical cutoff and schedule are set by the system (CLI, "enable sync"), not typed in.
    # Digest settings have their own validated form (Sync preferences); the markers are the digest job's.
    form_excluded_columns = ["created_at", "updated_at", "next_run_at", "sync_enabled_at", *DIGEST_COLUMNS]
    form_overrides = {
        "sync_mode": SelectField,
        "po_target": SelectField,
        "shipment_target": SelectField,
        "product_link_mode": SelectField,
    }
    form_args = {
        "sync_mode": {"choices": _choices(SYNC_MODES)},
        "po_target": {"choices": _choices(PO_TARGETS)},
        "shipment_target": {"choices": _choices(SHIPMENT_TARGETS)},
        "product_link_mode": {"choices": _choices(PRODUCT_LINK_MODES)},
        "timezone": {"validators": [checked(zone)]},
        "realtime_interval_minutes": {"validators": [checked(check_interval)]},
        "daily_time": {"validators": [checked(parse_daily_time)]},
    }

    @property
    def can_create(self):
        return current_user.is_support

    @property
    def can_delete(self):
        return current_user.is_support

    def on_model_change(self, form, model, is_created):
        try:  # the same check as the Sync preferences page: no form can store a schedule the clock cannot use
            Preferences.of(model).check()
        except (ValueError, TypeError) as error:
            raise ValidationError(str(error)) from None
        model.next_run_at = next_run_at(
            model.sync_mode,
            utcnow(),
            interval_minutes=model.realtime_interval_minutes,
            daily_time=model.daily_time,
            timezone=model.timezone,
        )
        action = "tenant.created" if is_created else "tenant.changed"
        record_event(action, tenant=model, details=changed_fields(model, form))


def changed_fields(model, form) -> dict:
    """``{field: {"from": old, "to": new}}`` for each form field whose value this save changes."""
    state = inspect(model)
    changes = {}
    columns = state.mapper.column_attrs
    for name in (field.name for field in form if field.name in columns):
        history = state.attrs[name].load_history()
        if history.added:
            old = history.deleted[0] if history.deleted else None
            changes[name] = {"from": old, "to": history.added[0]}
    return changes


class UserView(TenantScopedView):
    """People who can sign in. A tenant admin can only add tenant admins to their own tenant."""

    column_list = ["email", "role", "tenant", "active", "last_login_at"]
    column_searchable_list = ["email"]
    form_columns = ["email", "role", "tenant", "active", "new_password"]
    form_overrides = {"role": SelectField}
    form_args = {"role": {"choices": _choices(("tenant_admin", "support"))}}
    form_extra_fields = {
        "new_password": PasswordField("Password", validators=[Optional(), Length(min=10)]),
    }
    form_ajax_refs = {"tenant": {"fields": ["name", "slug"], "page_size": 10}}

    def on_model_change(self, form, model, is_created):
        if not current_user.is_support:
            model.role = "tenant_admin"
        super().on_model_change(form, model, is_created)
        if model.role == "support":
            model.tenant_id = None
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            raise ValidationError("Set a password of at least 10 characters for the new user.")
        record_event("user.saved", tenant_id=model.tenant_id, details={"email": model.email})


class EntityLinkView(ReadOnlyView):
    column_list = ["tenant", "realm_id", "entity_type", "openboxes_id", "qbo_id", "sync_token", "updated_at"]
    column_filters = ["entity_type", "realm_id"]
    column_searchable_list = ["openboxes_id", "qbo_id"]


class WatermarkView(ReadOnlyView):
    column_list = ["tenant", "entity_type", "position", "updated_at"]


class AuditEventView(ReadOnlyView):
    column_list = ["created_at", "tenant", "user", "action", "details"]
    column_filters = ["action", "created_at"]
    column_default_sort = ("created_at", True)


def register(console) -> None:
    console.add_view(TenantView(Tenant, name="Tenants", category="Settings", endpoint="tenants"))
    console.add_view(UserView(User, name="Users", category="Settings", endpoint="users"))
    console.add_view(EntityLinkView(EntityLink, name="Entity links", category="Ledger", endpoint="entity_links"))
    console.add_view(WatermarkView(Watermark, name="Watermarks", category="Ledger", endpoint="watermarks"))
    console.add_view(AuditEventView(AuditEvent, name="Audit log", category="Ledger", endpoint="audit"))
