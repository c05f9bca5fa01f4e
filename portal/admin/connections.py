"""Settings › Integrations: the OpenBoxes and QuickBooks connections."""

from __future__ import annotations

from wtforms import PasswordField
from wtforms.validators import ValidationError

from portal.admin.base import ReadOnlyView, TenantScopedView
from portal.models import OpenBoxesConnection, QuickBooksConnection


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


def register(console) -> None:
    console.add_view(
        OpenBoxesConnectionView(OpenBoxesConnection, name="OpenBoxes", category="Settings", endpoint="openboxes")
    )
    console.add_view(
        QuickBooksConnectionView(QuickBooksConnection, name="QuickBooks", category="Settings", endpoint="quickbooks")
    )
