"""The Flask-Admin console, built inside the app factory (a module-level Admin breaks a second app).

Each area of the console lives in its own module with a ``register(console)`` that adds its views, in
menu order: the home page and activity first, then settings, then the ledger.
"""

from __future__ import annotations

from flask import redirect, url_for
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from portal.admin import activity, connections, dashboard, preferences, settings, views

AREAS = (activity, settings, preferences, connections, views)


def init_app(app) -> None:
    console = Admin(
        app,
        name="OpenBoxes ↔ QuickBooks",
        url="/admin",
        theme=Bootstrap4Theme(swatch="flatly", fluid=True, base_template="admin/portal_base.html"),
        index_view=dashboard.home_view(),
    )
    for area in AREAS:
        area.register(console)

    @app.route("/")
    def root():
        return redirect(url_for("admin.index"))
