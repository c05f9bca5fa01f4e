"""The Flask-Admin console, built inside the app factory (a module-level Admin breaks a second app)."""

from __future__ import annotations

from flask import redirect, url_for
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from portal.admin import views
from portal.admin.base import HomeView
from portal.models import (
    AccountMapping,
    AuditEvent,
    EntityLink,
    OpenBoxesConnection,
    ProductLink,
    QuickBooksConnection,
    SyncActivity,
    SyncRun,
    Tenant,
    User,
    Watermark,
)

MODEL_VIEWS = (
    (views.SyncActivityView, SyncActivity, "Integration Activity", None, "activity"),
    (views.SyncRunView, SyncRun, "Sync runs", None, "runs"),
    (views.AccountMappingView, AccountMapping, "Account mappings", "Settings", "mappings"),
    (views.ProductLinkView, ProductLink, "Product links", "Settings", "product_links"),
    (views.OpenBoxesConnectionView, OpenBoxesConnection, "OpenBoxes", "Settings", "openboxes"),
    (views.QuickBooksConnectionView, QuickBooksConnection, "QuickBooks", "Settings", "quickbooks"),
    (views.TenantView, Tenant, "Tenants", "Settings", "tenants"),
    (views.UserView, User, "Users", "Settings", "users"),
    (views.EntityLinkView, EntityLink, "Entity links", "Ledger", "entity_links"),
    (views.WatermarkView, Watermark, "Watermarks", "Ledger", "watermarks"),
    (views.AuditEventView, AuditEvent, "Audit log", "Ledger", "audit"),
)


def init_app(app) -> None:
    console = Admin(
        app,
        name="OpenBoxes ↔ QuickBooks",
        url="/admin",
        theme=Bootstrap4Theme(swatch="flatly", fluid=True, base_template="admin/portal_base.html"),
        index_view=HomeView(name="Home", url="/admin", template="admin/home.html"),
    )
    for view_class, model, name, category, endpoint in MODEL_VIEWS:
        console.add_view(view_class(model, name=name, category=category, endpoint=endpoint))

    @app.route("/")
    def root():
        return redirect(url_for("admin.index"))
