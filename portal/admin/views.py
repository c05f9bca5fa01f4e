"""Console pages for each table. Later issues give them their full behaviour."""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup
from wtforms import PasswordField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from portal.admin.base import ReadOnlyView, TenantScopedView
from portal.audit import record_event
from portal.extensions import db
from portal.models.base import utcnow
from portal.models.mapping import ACCOUNT_ROLES, LINK_METHODS
from portal.models.tenancy import PO_TARGETS, PRODUCT_LINK_MODES, SHIPMENT_TARGETS, SYNC_MODES


def _choices(values):
    return [(value, value.replace("_", " ")) for value in values]


class TenantView(TenantScopedView):
    """Support staff manage tenants; a tenant admin edits only their own tenant's settings."""

    tenant_filter = False
    column_list = ["name", "slug", "timezone", "sync_mode", "po_target", "shipment_target", "sync_enabled_at"]
    column_searchable_list = ["name", "slug"]
    # The historical cutoff and schedule are set by the system (CLI, "enable sync"), not typed in.
    form_excluded_columns = ["created_at", "updated_at", "next_run_at", "sync_enabled_at"]
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
    }

    @property
    def can_create(self):
        return current_user.is_support

    @property
    def can_delete(self):
        return current_user.is_support

    def on_model_change(self, form, model, is_created):
        record_event("tenant.created" if is_created else "tenant.changed", tenant=model)


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


class OpenBoxesConnectionView(TenantScopedView):
    column_list = ["tenant", "base_url", "username", "location_id", "last_checked_at", "last_check_message"]
    form_columns = ["tenant", "base_url", "username", "location_id", "new_password"]
    form_extra_fields = {"new_password": PasswordField("Password (leave empty to keep)")}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if form.new_password.data:
            model.password = form.new_password.data
        elif is_created:
            raise ValidationError("Enter the OpenBoxes password.")


class QuickBooksConnectionView(ReadOnlyView):
    can_export = False
    column_list = ["tenant", "company_name", "realm_id", "plan", "home_currency", "status"]
    column_list += ["access_expires_at"]
    column_details_exclude_list = ["access_token", "refresh_token"]


class AccountMappingView(TenantScopedView):
    column_list = ["tenant", "role", "account_number", "account_name", "qbo_account_id", "account_active"]
    column_filters = ["role"]
    form_columns = ["tenant", "role", "qbo_account_id", "account_number", "account_name"]
    form_overrides = {"role": SelectField}
    form_args = {"role": {"choices": _choices(ACCOUNT_ROLES)}}
    can_export = True

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        record_event("mapping.saved", tenant_id=model.tenant_id, details={"role": model.role})


class ProductLinkView(TenantScopedView):
    column_list = ["tenant", "product_code", "product_name", "qbo_item_name", "qbo_item_id", "link_method"]
    column_searchable_list = ["product_code", "product_name", "qbo_item_name"]
    column_filters = ["link_method"]
    form_columns = ["tenant", "realm_id", "openboxes_product_id", "product_code", "product_name"]
    form_columns += ["qbo_item_id", "qbo_item_name", "link_method"]
    form_overrides = {"link_method": SelectField}
    form_args = {"link_method": {"choices": _choices(LINK_METHODS)}}
    can_export = True


class EntityLinkView(ReadOnlyView):
    column_list = ["tenant", "realm_id", "entity_type", "openboxes_id", "qbo_id", "sync_token", "updated_at"]
    column_filters = ["entity_type", "realm_id"]
    column_searchable_list = ["openboxes_id", "qbo_id"]


class WatermarkView(ReadOnlyView):
    column_list = ["tenant", "entity_type", "position", "updated_at"]


class SyncRunView(ReadOnlyView):
    column_list = ["tenant", "trigger", "started_at", "finished_at", "fetched", "synced", "failed", "skipped"]
    column_default_sort = ("started_at", True)


def _status_badge(view, context, model, name):
    colours = {"synced": "success", "sync_failed": "danger", "retrying": "warning", "skipped": "secondary"}
    label = model.status.replace("_", " ").title()
    return Markup('<span class="badge badge-{}">{}</span>').format(colours.get(model.status, "info"), label)


class SyncActivityView(ReadOnlyView):
    """The Integration Activity panel."""

    column_list = ["updated_at", "tenant", "entity_type", "openboxes_number", "status", "attempts", "message"]
    column_labels = {"updated_at": "Time", "openboxes_number": "OpenBoxes number", "message": "Error"}
    column_filters = ["status", "entity_type", "error_category", "updated_at"]
    column_searchable_list = ["openboxes_number"]
    column_default_sort = ("updated_at", True)
    column_formatters = {"status": _status_badge}

    @action("ignore", "Ignore", "Mark the selected rows as skipped? They will not be pushed.")
    def action_ignore(self, ids):
        rows = [row for row in self.scoped_rows(ids) if row.status in ("sync_failed", "queued", "retrying")]
        for row in rows:
            row.status = "skipped"
            row.message = f"Ignored by {current_user.email} on {utcnow():%Y-%m-%d %H:%M} UTC"
            record_event("activity.ignored", tenant_id=row.tenant_id, details={"activity_id": row.id})
        db.session.commit()
        flash(f"Ignored {len(rows)} row(s).", "success")


class AuditEventView(ReadOnlyView):
    column_list = ["created_at", "tenant", "user", "action", "details"]
    column_filters = ["action", "created_at"]
    column_default_sort = ("created_at", True)
