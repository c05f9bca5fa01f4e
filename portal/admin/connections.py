"""Settings › Integrations: the QuickBooks and OpenBoxes connection pages, and turning syncing on.

A tenant admin always works on their own tenant (any ``tenant`` value they send is ignored). Support staff
pick a tenant with ``?tenant=<id>`` (the forms carry it as a hidden field); without one they get the list
of tenants with both connections' status.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.admin.base import SecureBaseView, db_int
from portal.admin.confirm import confirm_page, confirmed, refusal_page
from portal.admin.tenant_choice import url_for_tenant
from portal.extensions import db
from portal.models import OpenBoxesConnection, QuickBooksConnection, Tenant
from portal.services import connect as qbo_connect
from portal.services import connect_openboxes, enable, qbo_company


class TenantPage(SecureBaseView):
    """A settings page about one tenant: the user's own, or (support) the one picked with ``tenant``."""

    def selected_tenant(self) -> Tenant | None:
        if not current_user.is_support:
            return db.session.get(Tenant, current_user.tenant_id)
        picked = db_int(request.values.get("tenant", ""))
        return None if picked is None else db.session.get(Tenant, picked)

    def back(self, tenant_id: int | None):
        """Redirect to this page for ``tenant_id`` (the tenant list for support when None)."""
        picked = tenant_id if current_user.is_support else None
        return redirect(url_for(".index", tenant=picked))

    def tenant_list(self):
        tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
        quickbooks = {row.tenant_id: row for row in db.session.scalars(select(QuickBooksConnection))}
        openboxes = {row.tenant_id: row for row in db.session.scalars(select(OpenBoxesConnection))}
        return self.render(
            "admin/connections/tenants.html", tenants=tenants, quickbooks=quickbooks, openboxes=openboxes
        )

    def flash_result(self, result: qbo_connect.Result, tenant: Tenant):
        return self.notify(tenant, result.message, result.category)

    def notify(self, tenant: Tenant, message: str, category: str = "success"):
        flash(message, category)
        return self.back(tenant.id)

    def require_tenant(self) -> Tenant | None:
        tenant = self.selected_tenant()
        if tenant is None:
            flash("Choose a tenant first.", "error")
        return tenant


class QuickBooksView(TenantPage):
    """Settings › Integrations › QuickBooks: status, company facts, connect/disconnect, start syncing."""

    @expose("/")
    def index(self):
        tenant = self.selected_tenant()
        if tenant is None:
            return self.tenant_list()
        connection = qbo_company.connection_of(tenant.id)
        return self.render(
            "admin/connections/quickbooks.html",
            tenant=tenant,
            connection=connection,
            warnings=qbo_company.plan_warnings(connection, tenant),
            link_count=qbo_company.link_count(tenant.id, connection.realm_id) if connection else 0,
        )

    @expose("/connect", methods=["POST"])
    def connect(self):
        tenant = self.require_tenant()
        if tenant is None:
            return self.back(None)
        callback = url_for(".callback", _external=True)
        reset = request.form.get("reset_links") == "y"
        try:
            return redirect(qbo_connect.start_authorization(tenant.id, current_user.id, callback, reset_links=reset))
        except qbo_connect.ConnectRefused as refused:
            return self.notify(tenant, refused.message, refused.category)

    @expose("/callback")
    def callback(self):
        result = qbo_connect.complete_authorization(request.args, current_user.id)
        flash(result.message, result.category)
        return self.back(result.tenant_id)

    @expose("/disconnect", methods=["POST"])
    def disconnect(self):
        tenant = self.require_tenant()
        if tenant is None:
            return self.back(None)
        if not confirmed():
            return confirm_page(
                self,
                title=f"Disconnect {tenant.name} from QuickBooks?",
                lines=qbo_connect.disconnect_consequences(tenant.id),
                confirm_label="Disconnect",
                cancel_url=url_for_tenant(".index", tenant),
                danger=True,
            )
        return self.flash_result(qbo_connect.disconnect(tenant.id), tenant)

    @expose("/refresh", methods=["POST"])
    def refresh(self):
        tenant = self.require_tenant()
        if tenant is None:
            return self.back(None)
        return self.flash_result(qbo_connect.refresh_company_details(tenant.id), tenant)

    @expose("/enable", methods=["POST"])
    def enable(self):
        tenant = self.require_tenant()
        if tenant is None:
            return self.back(None)
        here = url_for_tenant(".index", tenant)
        gaps = enable.setup_gaps(tenant.id)
        if gaps:
            return refusal_page(self, title=f"{tenant.name} cannot start syncing yet", lines=gaps, back_url=here)
        if not confirmed():
            return confirm_page(
                self,
                title=f"Start syncing {tenant.name} from now?",
                lines=enable.start_consequences(tenant.id),
                confirm_label="Start syncing from now",
                cancel_url=here,
            )
        return self.notify(tenant, qbo_connect.enable_syncing(tenant.id))


def _http_url(form, field) -> None:
    if not field.data.strip().lower().startswith(("http://", "https://")):
        raise ValidationError(
            "Enter the address starting with https:// (or http://), e.g. https://openboxes.example.org"
        )


class OpenBoxesForm(FlaskForm):
    base_url = StringField(
        "OpenBoxes URL", validators=[DataRequired("Enter the OpenBoxes URL."), Length(max=500), _http_url]
    )
    username = StringField("Username", validators=[DataRequired("Enter the integration user."), Length(max=200)])
    password = PasswordField("Password", validators=[Length(max=500)])
    location_id = StringField(
        "Location (facility)", validators=[DataRequired("Pick or enter the location."), Length(max=64)]
    )


class OpenBoxesView(TenantPage):
    """Settings › Integrations › OpenBoxes: URL, user, write-only password, location; test the connection."""

    @expose("/")
    def index(self):
        tenant = self.selected_tenant()
        if tenant is None:
            return self.tenant_list()
        connection = connect_openboxes.openboxes_connection_of(tenant.id)
        form = OpenBoxesForm(obj=connection)
        form.password.data = ""  # write-only: the stored password never goes back to the browser
        return self.render_page(tenant, connection, form)

    def render_page(self, tenant, connection, form):
        return self.render("admin/connections/openboxes.html", tenant=tenant, connection=connection, form=form)

    @expose("/locations")
    def locations(self):
        """The facilities OpenBoxes lists, for the page's picker (read by script, so no page waits on OpenBoxes)."""
        tenant = self.selected_tenant()
        if tenant is None:
            abort(404)
        found = connect_openboxes.location_choices(tenant.id)
        return jsonify({"choices": found.choices, "problem": found.problem})

    @expose("/save", methods=["POST"])
    def save(self):
        tenant = self.require_tenant()
        if tenant is None:
            return self.back(None)
        form = OpenBoxesForm()
        if not form.validate():
            connection = connect_openboxes.openboxes_connection_of(tenant.id)
            return self.render_page(tenant, connection, form)
        data = {name: form[name].data or "" for name in ("base_url", "username", "password", "location_id")}
        return self.flash_result(connect_openboxes.save_openboxes_settings(tenant.id, **data), tenant)

    @expose("/test", methods=["POST"])
    def test(self):
        tenant = self.require_tenant()
        if tenant is None:
            return self.back(None)
        return self.flash_result(connect_openboxes.check_openboxes_connection(tenant.id), tenant)


def register(console) -> None:
    console.add_view(OpenBoxesView(name="OpenBoxes", category="Settings", endpoint="openboxes"))
    console.add_view(QuickBooksView(name="QuickBooks", category="Settings", endpoint="quickbooks"))
