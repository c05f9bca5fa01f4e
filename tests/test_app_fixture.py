"""The ``app`` fixture reuses one app, yet each test meets it as if it were new (these run in this order)."""

from __future__ import annotations

from flask_admin import BaseView, expose


class ProbePage(BaseView):
    @expose("/")
    def index(self):
        return "probe"


def test_a_test_serves_requests_and_changes_a_setting(app, client):
    assert client.get("/auth/login").status_code == 200
    app.config["METRICS_TOKEN"] = "changed-by-a-test"


def test_the_next_has_the_setting_back_and_may_add_routes_and_views(app, client, base_config):
    assert app.config["METRICS_TOKEN"] == base_config.get("METRICS_TOKEN", "")
    app.add_url_rule("/probe-route", "probe_route", lambda: "route")
    app.extensions["admin"][0].add_view(ProbePage(name="Probe", endpoint="probe_page"))
    assert client.get("/probe-route").get_data(as_text=True) == "route"
    assert client.get("/admin/probe_page/").get_data(as_text=True) == "probe"


def test_the_one_after_has_none_of_those_routes_and_views(app, client):
    assert "probe_route" not in app.view_functions and "probe_page.index" not in app.view_functions
    assert client.get("/probe-route").status_code == 404
