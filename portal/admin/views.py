"""Console pages for tenants, users, the ledger and the audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import flash, g
from flask_admin.actions import action
from flask_login import current_user, login_user
from markupsafe import Markup
from sqlalchemy import inspect
from wtforms import PasswordField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from portal.admin.activity import ZonedTimes, zoned_minute
from portal.admin.base import ReadOnlyView, TenantScopedView
from portal.admin.forms import checked
from portal.admin.forms import choices as _choices
from portal.audit import describe, record_event
from portal.auth.actor import acting_user
from portal.auth.emails import normalise_email
from portal.extensions import db
from portal.models import AuditEvent, EntityLink, Tenant, User, Watermark
from portal.models.base import utcnow
from portal.models.tenancy import PRODUCT_LINK_MODES, SYNC_MODES
from portal.services.preferences import Preferences
from portal.sync.entities import PO_TARGETS, SHIPMENT_TARGETS, TOGGLE_LABELS
from portal.sync.schedule import check_interval, next_run_at, parse_daily_time, zone

DIGEST_COLUMNS = [
    "digest_webhook_url",
    "alert_emails",
    "last_digest_failures",
    "last_digest_at",
    "last_digest_reconnect",
    "digest_reminder_week",
]


class TenantView(ZonedTimes, TenantScopedView):
    """Support staff manage tenants; a tenant admin edits only their own tenant's settings."""

    list_template = "admin/model/zoned_list.html"
    column_formatters = {"sync_enabled_at": zoned_minute}
    tenant_filter = False
    column_list = ["name", "slug", "timezone", "sync_mode", "po_target", "shipment_target", "sync_enabled_at"]
    column_searchable_list = ["name", "slug"]
    column_labels = {
        "slug": "Short name",
        "timezone": "Time zone",
        "sync_mode": "When to sync",
        "po_target": "Purchase orders become",
        "shipment_target": "Shipments become",
        "sync_enabled_at": "Syncing since",
        "realtime_interval_minutes": "Real-time interval (minutes)",
        "daily_time": "Daily at (HH:MM)",
        "product_link_mode": "A product without a link",
        **TOGGLE_LABELS,
    }
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


ROLE_CHANGE_REFUSED = "Only support staff can change a user's role or tenant."
USER_COLUMNS = ["email", "role", "tenant", "active", "last_login_at"]


def _valid_email(form, field) -> None:
    if field.data:  # an empty field is the required-check's to report
        try:
            normalise_email(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None


@dataclass(frozen=True)
class _StoredUser:
    """A user's access as stored before a form changes it."""

    role: str
    tenant_id: int | None
    tenant_name: str | None
    active: bool

    @classmethod
    def of(cls, user: User) -> _StoredUser:
        return cls(user.role, user.tenant_id, user.tenant.name if user.tenant else None, user.active)


ROLE_NAMES = {"tenant_admin": "Tenant admin", "support": "Support staff"}


class UserView(ZonedTimes, TenantScopedView):
    """People who can sign in. A tenant admin adds and edits tenant admins of their own tenant only;
    roles and tenants are support's to change, and every such change is audited under both tenants."""

    column_list = USER_COLUMNS
    # Named, so the password hash and the session token are never shown or exported.
    column_details_list = [*USER_COLUMNS, "failed_logins", "locked_until", "created_at", "updated_at"]
    column_export_list = USER_COLUMNS
    column_searchable_list = ["email"]
    list_template = "admin/model/zoned_list.html"
    column_formatters = {
        "role": lambda view, context, model, name: ROLE_NAMES.get(model.role, model.role),
        "last_login_at": zoned_minute,
    }
    form_columns = ["email", "role", "tenant", "active", "new_password"]
    form_overrides = {"role": SelectField}
    form_args = {
        "role": {"choices": list(ROLE_NAMES.items())},
        # Lower-cased before the uniqueness check, so another spelling of a taken address is caught.
        "email": {"filters": [lambda value: value.strip().lower() if value else value], "validators": [_valid_email]},
    }
    form_extra_fields = {
        "new_password": PasswordField("Password", validators=[Optional(), Length(min=10)]),
    }
    form_ajax_refs = {"tenant": {"fields": ["name", "slug"], "page_size": 10}}

    def create_form(self, obj=None):
        return self._fields_for_actor(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._fields_for_actor(super().edit_form(obj))

    def _fields_for_actor(self, form):
        if not acting_user().is_support:  # nothing to post: the fields are not in a tenant admin's form
            del form["role"]
            del form["tenant"]
        return form

    # No autoflush while the form fills the row: a half-filled row (role support, tenant not yet cleared)
    # would be flushed by the tenant field's own lookup and break the role/tenant constraint.
    def create_model(self, form):
        with db.session.no_autoflush:
            return super().create_model(form)

    def update_model(self, form, model):
        g.user_before_edit = _StoredUser.of(model)
        with db.session.no_autoflush:
            return super().update_model(form, model)

    def on_model_change(self, form, model, is_created):
        before = None if is_created else g.pop("user_before_edit", None)
        actor = acting_user()
        if actor.is_support:
            _settle_tenant(model)
        else:
            _keep_in_tenant(model, actor, is_created)
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            raise ValidationError("Set a password of at least 10 characters for the new user.")
        if before is not None:
            _record_access_change(before, model)
        # By relationship: a new user's ``tenant_id`` is only filled in at flush.
        record_event("user.saved", tenant=model.tenant, details={"email": model.email})

    def after_model_change(self, form, model, is_created):
        if model.id == current_user.id and model.active:
            login_user(model)  # editing yourself (a new password) ends your other sessions, not this one

    def on_model_delete(self, model):
        if model.id == current_user.id:
            raise ValidationError("You cannot delete your own account. Ask another admin or support staff.")
        record_event("user.deleted", tenant_id=model.tenant_id, details={"email": model.email})

    @action("delete", "Delete", "Delete the selected users?")
    def action_delete(self, ids):
        deleted = sum(1 for row in self.scoped_rows(ids) if self.delete_model(row))
        flash(f"Deleted {deleted} user(s).", "success")


def _settle_tenant(model: User) -> None:
    """Support staff set roles: support users belong to no tenant, tenant admins to one."""
    if model.role == "support":
        model.tenant = None
    elif model.tenant is None:
        raise ValidationError("A tenant admin belongs to a tenant: pick one.")


def _keep_in_tenant(model: User, actor, is_created: bool) -> None:
    """A tenant admin's users are tenant admins of that admin's tenant, and stay so."""
    tenant = db.session.get(Tenant, actor.tenant_id)
    if not is_created and (model.role != "tenant_admin" or model.tenant is not tenant):
        raise ValidationError(ROLE_CHANGE_REFUSED)
    model.role = "tenant_admin"
    model.tenant = tenant


def _record_access_change(before: _StoredUser, model: User) -> None:
    """Audit a role or tenant change under the old and the new tenant; end the sessions it affects."""
    new_tenant = model.tenant
    new_tenant_id = new_tenant.id if new_tenant else None
    if before.active and not model.active:
        model.end_sessions()
    if (before.role, before.tenant_id) == (model.role, new_tenant_id):
        return
    model.end_sessions()
    details = {
        "email": model.email,
        "old_role": before.role,
        "new_role": model.role,
        "old_tenant": before.tenant_name,
        "new_tenant": new_tenant.name if new_tenant else None,
    }
    for tenant_id in dict.fromkeys((before.tenant_id, new_tenant_id)):
        record_event("user.role_changed", tenant_id=tenant_id, details=details)


class EntityLinkView(ReadOnlyView):
    """Support's ledger: which OpenBoxes record became which QuickBooks one (a tenant admin never sees it)."""

    support_only = True
    column_list = ["tenant", "realm_id", "entity_type", "openboxes_id", "qbo_id", "sync_token", "updated_at"]
    column_filters = ["entity_type", "realm_id"]
    column_searchable_list = ["openboxes_id", "qbo_id"]


class WatermarkView(ReadOnlyView):
    """Support's ledger: how far each entity's poll has read (a tenant admin never sees it)."""

    support_only = True
    column_list = ["tenant", "entity_type", "position", "updated_at"]


LISTED_IDS = 10


def _short_details(details: dict | None) -> dict:
    """The details, with a long id list (a bulk retry lists every row) cut to its first ids in the list."""
    details = dict(details or {})
    ids = details.get("activity_ids")
    if isinstance(ids, list) and len(ids) > LISTED_IDS:
        details["activity_ids"] = [*ids[:LISTED_IDS], f"… {len(ids) - LISTED_IDS} more (see the details page)"]
    return details


def _audit_sentence(view, context, model, name) -> str:
    return describe(model.action, model.details)


def _audit_technical(view, context, model, name) -> Markup:
    """The action code and the raw details, folded away: support needs them, a finance user does not."""
    raw = json.dumps(_short_details(model.details), indent=2, sort_keys=True, default=str, ensure_ascii=False)
    return Markup(
        '<details class="technical-details"><summary>Technical details</summary><code>{}</code><pre>{}</pre></details>'
    ).format(model.action, raw)


class AuditEventView(ZonedTimes, ReadOnlyView):
    """Who did what, said in plain words; the action code and raw details sit in a collapsed block."""

    list_template = "admin/model/zoned_list.html"

    column_list = ["created_at", "tenant", "user", "sentence", "details"]
    column_details_list = ["created_at", "tenant", "user", "sentence", "action", "details"]
    column_export_list = ["created_at", "tenant", "user", "sentence", "action", "details"]
    column_labels = {
        "created_at": "When",
        "user": "Who",
        "sentence": "What happened",
        "action": "Event code",
        "details": "Technical details",
    }
    column_formatters = {"created_at": zoned_minute, "sentence": _audit_sentence, "details": _audit_technical}
    column_formatters_detail = {"created_at": zoned_minute, "sentence": _audit_sentence}
    column_formatters_export = {"sentence": _audit_sentence}
    column_filters = ["action", "created_at"]
    column_default_sort = ("created_at", True)


def register(console) -> None:
    console.add_view(TenantView(Tenant, name="Tenants", category="Settings", endpoint="tenants"))
    console.add_view(UserView(User, name="Users", category="Settings", endpoint="users"))
    # The audit log is the tenant admin's too, so it stands outside the support-only Ledger menu.
    console.add_view(AuditEventView(AuditEvent, name="Audit log", endpoint="audit"))
    console.add_view(EntityLinkView(EntityLink, name="Entity links", category="Ledger", endpoint="entity_links"))
    console.add_view(WatermarkView(Watermark, name="Watermarks", category="Ledger", endpoint="watermarks"))
