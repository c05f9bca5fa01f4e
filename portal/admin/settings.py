"""Settings: account mappings and product links."""

from __future__ import annotations

from wtforms import SelectField

from portal.admin.base import TenantScopedView
from portal.admin.forms import choices as _choices
from portal.audit import record_event
from portal.models import AccountMapping, ProductLink
from portal.models.mapping import ACCOUNT_ROLES, LINK_METHODS


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


def register(console) -> None:
    console.add_view(
        AccountMappingView(AccountMapping, name="Account mappings", category="Settings", endpoint="mappings")
    )
    console.add_view(ProductLinkView(ProductLink, name="Product links", category="Settings", endpoint="product_links"))
