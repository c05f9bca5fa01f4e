"""Settings: account mappings and product links.

Both pages work on one tenant: a tenant admin's own, or the one a support user picked (``?tenant=``).
Support staff without a pick get the cross-tenant list of rows with a tenant chooser above it.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, request
from flask_admin import expose
from flask_login import current_user
from wtforms import SelectField

from portal.admin.base import TenantScopedView
from portal.admin.forms import choices as _choices
from portal.admin.tenant_choice import back_to, chosen_tenant, tenant_options
from portal.audit import record_event
from portal.models import AccountMapping, ProductLink
from portal.models.mapping import ACCOUNT_ROLES, LINK_METHODS
from portal.services import accounts, catalogue, products
from portal.sync.accounts import OPTIONAL_ROLES, SUITABLE_TYPES, account_label
from portal.sync.errors import SyncError
from portal.sync.product_links import STATES
from portal.sync.refs import ROLE_LABELS

PAGE_SIZE = 50
STATE_LABELS = {"linked": "Linked", "auto_created": "Auto-created", "unlinked": "Unlinked", "conflict": "Conflict"}


def _message(error: Exception) -> str:
    return getattr(error, "message", None) or str(error)


def _flash_outcome_of(call, done, failed: str) -> None:
    """Run ``call``; flash ``done(result)`` on success, or ``failed`` with the plain reason."""
    try:
        result = call()
    except SyncError as error:
        flash(f"{failed}: {_message(error)}", "error")
    else:
        flash(done(result), "success")


def _tenant_or_404():
    return chosen_tenant() or abort(404)


class AccountMappingView(TenantScopedView):
    list_template = "admin/settings/overview_list.html"
    column_list = ["tenant", "role", "account_number", "account_name", "qbo_account_id", "account_active"]
    column_filters = ["role"]
    form_columns = ["tenant", "role", "qbo_account_id"]
    form_overrides = {"role": SelectField}
    form_args = {"role": {"choices": _choices(ACCOUNT_ROLES)}}
    can_export = True

    @expose("/")
    def index_view(self):
        tenant = chosen_tenant()
        if tenant is None:
            return super().index_view()
        try:
            live, problem = accounts.live_accounts(tenant.id), None
        except SyncError as error:
            live, problem = [], _message(error)
        return self.render(
            "admin/settings/mappings.html",
            tenant=tenant,
            roles=ROLE_LABELS,
            optional=OPTIONAL_ROLES,
            suitable=SUITABLE_TYPES,
            mappings=accounts.tenant_mappings(tenant.id),
            choices=accounts.role_choices(live),
            label=account_label,
            problem=problem,
        )

    @expose("/save/", methods=["POST"])
    def save(self):
        tenant = _tenant_or_404()
        chosen = {role: request.form[f"account_{role}"] for role in ACCOUNT_ROLES if f"account_{role}" in request.form}
        try:
            changed = accounts.save_mappings(tenant.id, chosen)
        except (accounts.AccountRefused, SyncError) as error:
            flash(f"Nothing saved: {_message(error)}", "error")
        else:
            labels = ", ".join(ROLE_LABELS[role] for role in changed)
            flash(f"Saved: {labels}." if changed else "Nothing changed.", "success")
        return back_to(".index_view", tenant)

    @expose("/refresh/", methods=["POST"])
    def refresh(self):
        tenant = _tenant_or_404()
        _flash_outcome_of(
            lambda: accounts.live_accounts(tenant.id, refresh=True),
            lambda found: f"Read {len(found)} accounts from QuickBooks.",
            "Could not read the accounts",
        )
        return back_to(".index_view", tenant)

    def validate_form(self, form):
        """The raw create/edit form follows the picker's rule: a suitable active account of the tenant's company."""
        if not super().validate_form(form):
            return False
        if not hasattr(form, "qbo_account_id"):
            return True  # the delete and action forms
        tenant = form.tenant.data if current_user.is_support else current_user.tenant
        if tenant is None:
            form.tenant.errors = ["Choose the tenant whose account you are mapping."]
            return False
        try:
            live = accounts.live_accounts(tenant.id)
            form.checked_account = accounts.checked_account(live, form.role.data, form.qbo_account_id.data)
        except (accounts.AccountRefused, SyncError) as error:
            form.qbo_account_id.errors = [_message(error)]
            return False
        return True

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        account = form.checked_account
        model.account_number, model.account_name, model.account_active = account["number"], account["name"], True
        details = {"role": model.role, "to": f"{account_label(account)} (id {account['id']})"}
        record_event("mapping.saved", tenant_id=model.tenant.id, details=details)

    def render(self, template, **kwargs):
        return super().render(template, tenant_choices=tenant_options(), **kwargs)


class ProductLinkView(TenantScopedView):
    """The products of a tenant with their link state; links change only through the actions here."""

    list_template = "admin/settings/overview_list.html"
    can_create = False
    can_edit = False
    can_delete = False
    column_list = ["tenant", "product_code", "product_name", "qbo_item_name", "qbo_item_id", "link_method"]
    column_searchable_list = ["product_code", "product_name", "qbo_item_name"]
    column_filters = ["link_method"]
    column_choices = {"link_method": _choices(LINK_METHODS)}
    can_export = True

    @expose("/")
    def index_view(self):
        tenant = chosen_tenant()
        if tenant is None:
            return super().index_view()
        state, search = request.args.get("state") or None, request.args.get("q", "")
        page = max(request.args.get("page", 1, type=int), 1)
        try:
            items, problem = catalogue.live_items(tenant.id), None
        except SyncError as error:
            items, problem = [], _message(error)
        rows = catalogue.product_rows(tenant.id, items)
        shown = catalogue.filter_rows(rows.values(), state if state in STATES else None, search)
        counts = {name: sum(1 for row in rows.values() if row.state == name) for name in STATES}
        return self.render(
            "admin/settings/products.html",
            tenant=tenant,
            rows=shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            total=len(shown),
            page=page,
            pages=max(1, -(-len(shown) // PAGE_SIZE)),
            state=state,
            search=search,
            counts=counts,
            states=STATE_LABELS,
            problem=problem,
        )

    @expose("/bulk/", methods=["POST"])
    def bulk(self):
        tenant = _tenant_or_404()
        action, scope = request.form.get("action", ""), request.form.get("scope", "selected")
        ids = None if scope == "filtered" else request.form.getlist("product_id")
        try:
            outcome = products.run_bulk(
                tenant.id, action, ids, request.form.get("state") or None, request.form.get("q") or None
            )
        except (ValueError, SyncError) as error:
            flash(f"Nothing changed: {_message(error)}", "error")
            return back_to(".index_view", tenant)
        _flash_outcome(action, outcome)
        return back_to(".index_view", tenant, state=request.form.get("state") or None, q=request.form.get("q") or None)

    @expose("/load/", methods=["POST"])
    def load(self):
        tenant = _tenant_or_404()
        _flash_outcome_of(
            lambda: catalogue.load_products(tenant.id),
            lambda count: f"Loaded {count} products from OpenBoxes.",
            "Could not load the products",
        )
        return back_to(".index_view", tenant)

    @expose("/refresh/", methods=["POST"])
    def refresh(self):
        tenant = _tenant_or_404()
        _flash_outcome_of(
            lambda: catalogue.live_items(tenant.id, refresh=True),
            lambda found: f"Read {len(found)} items from QuickBooks.",
            "Could not read the items",
        )
        product_id = request.form.get("product_id")  # refreshed from a product's link page: back to it
        return back_to(".link", tenant, product_id=product_id) if product_id else back_to(".index_view", tenant)

    @expose("/link/", methods=["GET", "POST"])
    def link(self):
        tenant = _tenant_or_404()
        product_id = request.values.get("product_id", "")
        if request.method == "POST":
            try:
                row = products.link_by_hand(tenant.id, product_id, request.form.get("item_id", ""))
            except (products.LinkRefused, SyncError) as error:
                flash(f"Not linked: {_message(error)}", "error")
                return back_to(".link", tenant, product_id=product_id)
            flash(f"Linked {row.label}.", "success")
            return back_to(".index_view", tenant)
        try:
            items = catalogue.live_items(tenant.id)
        except SyncError as error:
            flash(f"Could not read the items: {_message(error)}", "error")
            return back_to(".index_view", tenant)
        row = catalogue.product_rows(tenant.id, items).get(product_id) or abort(404)
        query = request.args.get("q", "")
        shown, total = catalogue.search_items(items, query)
        current = next((item for item in items if item["id"] == row.item_id), None)
        if current is not None and current not in shown:
            shown.insert(0, current)  # the linked item stays the one selected
        return self.render(
            "admin/settings/product_link.html", tenant=tenant, row=row, items=shown, total=total, query=query
        )

    @expose("/items/")
    def items(self):
        """Search the tenant's cached QuickBooks items: ``{"items": [[id, label], …], "total": n}`` (pairs as in
        Flask-Admin's ajax loaders)."""
        tenant = _tenant_or_404()
        try:
            items = catalogue.live_items(tenant.id)
        except SyncError as error:
            return jsonify({"error": f"Could not read the items: {_message(error)}"}), 503
        shown, total = catalogue.search_items(items, request.args.get("query", ""))
        return jsonify({"items": [[item["id"], catalogue.item_label(item)] for item in shown], "total": total})

    @expose("/mode/", methods=["POST"])
    def mode(self):
        tenant = _tenant_or_404()
        try:
            changed = products.set_link_mode(tenant.id, request.form.get("mode", ""))
        except ValueError as error:
            flash(str(error), "error")
        else:
            flash("Saved the product link mode." if changed else "Nothing changed.", "success")
        return back_to(".index_view", tenant)

    def render(self, template, **kwargs):
        return super().render(template, tenant_choices=tenant_options(), **kwargs)


def _flash_outcome(action: str, outcome: products.BulkResult) -> None:
    verb = {"match": "Linked", "create": "Created or linked", "unlink": "Unlinked"}[action]
    flash(f"{verb} {outcome.done} product(s).", "success" if outcome.done or not outcome.problems else "warning")
    for problem in outcome.problems[:10]:
        flash(problem, "warning")
    if len(outcome.problems) > 10:
        flash(f"…and {len(outcome.problems) - 10} more not done.", "warning")
    if outcome.remaining:
        flash(f"{outcome.remaining} more to do: run the action again.", "info")


def register(console) -> None:
    console.add_view(
        AccountMappingView(AccountMapping, name="Account mappings", category="Settings", endpoint="mappings")
    )
    console.add_view(ProductLinkView(ProductLink, name="Product links", category="Settings", endpoint="product_links"))
