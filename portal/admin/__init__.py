"""The Flask-Admin console, built inside the app factory (a module-level Admin breaks a second app).

Each area of the console lives in its own module with a ``register(console)`` that adds its views, in
menu order: the home page and activity first, then settings, the audit log, then the ledger (support only).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import flask_admin
from flask import Response, redirect, url_for
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

from portal.admin import activity, connections, dashboard, preferences, recon, settings, views
from portal.security_headers import csp_nonce

AREAS = (activity, recon, settings, preferences, connections, views)
SWATCH = "flatly"
SWATCH_CSS = Path(flask_admin.__file__).parent / f"static/bootstrap/bootstrap4/swatch/{SWATCH}/bootstrap.min.css"
FAVICON = Path(__file__).parents[1] / "static" / "favicon.svg"
REMOTE_IMPORT = re.compile(r"@import url\(https?://[^)]*\);")


@cache
def local_swatch_css() -> str:
    """The Bootswatch theme without its Google Fonts ``@import``: the console loads nothing from elsewhere
    (the theme's font stack falls back to the system font)."""
    return REMOTE_IMPORT.sub("", SWATCH_CSS.read_text(encoding="utf-8"))


def expose_flask_admin_templates(app, console: Admin) -> None:
    """Make the theme's own templates reachable as ``flask_admin/…``, so an override can reuse them.

    ``admin/model/layout.html`` replaces one macro and imports the others from the original instead of
    carrying a copy of Flask-Admin's template.
    """
    theme_dir = Path(flask_admin.__file__).parent / "templates" / console.theme.folder
    originals = PrefixLoader({"flask_admin": FileSystemLoader(str(theme_dir))})
    app.jinja_loader = ChoiceLoader([app.jinja_loader, originals])


def declare_language(response: Response) -> Response:
    """``<html lang="en">`` on the console's pages: Flask-Admin's base template writes a bare ``<html>``
    outside any block, and screen readers need the language to pronounce the page."""
    if response.mimetype == "text/html" and not response.direct_passthrough:
        body = response.get_data()
        if b"<html>" in body[:200]:
            response.set_data(body.replace(b"<html>", b'<html lang="en">', 1))
    return response


def init_app(app) -> None:
    console = Admin(
        app,
        name="OpenBoxes ↔ QuickBooks",
        url="/admin",
        theme=Bootstrap4Theme(swatch=SWATCH, fluid=True, base_template="admin/portal_base.html"),
        index_view=dashboard.home_view(),
        csp_nonce_generator=csp_nonce,
    )
    for area in AREAS:
        area.register(console)
    expose_flask_admin_templates(app, console)
    # Settings pages show times in the tenant's zone to the minute, and name the zone once.
    app.jinja_env.filters.update(minute_in=activity.minute_in, zone_of=lambda tenant: activity.tenant_zone(tenant).key)
    app.after_request(declare_language)

    @app.route("/theme/bootstrap.min.css")
    def theme_css():
        response = Response(local_swatch_css(), mimetype="text/css")
        response.cache_control.public, response.cache_control.max_age = True, 86400
        return response

    @app.route("/favicon.ico")
    def favicon():
        response = Response(FAVICON.read_bytes(), mimetype="image/svg+xml")
        response.cache_control.public, response.cache_control.max_age = True, 86400
        return response

    @app.route("/")
    def root():
        return redirect(url_for("admin.index"))
