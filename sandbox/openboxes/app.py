"""``make_app``: the OpenBoxes 0.9 sandbox as a WSGI app (Flask inside a fault/counting middleware)."""

from __future__ import annotations

import time
from http import HTTPStatus

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from sandbox.openboxes import api_catalog, api_generic, api_orders, api_receiving, api_report, api_stock, auth, control
from sandbox.openboxes.demo_data import seed
from sandbox.openboxes.faults import FaultRule, drop_connection
from sandbox.openboxes.http import json_response, ob_error, server_error
from sandbox.openboxes.listing import UnknownSortProperty
from sandbox.openboxes.state import Options, State


class SandboxApp:
    """The WSGI callable: counts requests, applies injected faults, then runs Flask under the state lock."""

    def __init__(self, flask_app: Flask, state: State) -> None:
        self.flask_app = flask_app
        self.state = state

    def close(self) -> None:
        """Flush and close the state file (if any)."""
        with self.state.lock:
            self.state.store.close()

    def __call__(self, environ: dict, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_sandbox"):
            method = environ.get("REQUEST_METHOD", "GET")
            self.state.requests.record(method, self._route(environ, path), path, environ.get("QUERY_STRING", ""))
            rule = self.state.faults.pick(method, path)
            if rule is not None:
                fault = self._apply_fault(rule, environ)
                if fault is not None:
                    return fault(environ, start_response)
        return self._locked(environ, start_response)

    def _route(self, environ: dict, path: str) -> str:
        """The matched URL rule (``/openboxes/api/products/<product_id>``), or the raw path."""
        try:
            rule, _ = self.flask_app.url_map.bind_to_environ(environ).match(return_rule=True)
            return rule.rule
        except HTTPException:
            return path

    def _apply_fault(self, rule: FaultRule, environ: dict) -> Response | None:
        if rule.kind == "slow":
            time.sleep(rule.delay)  # outside the lock: other requests keep flowing
            return None
        if rule.kind == "drop":
            drop_connection(environ)
        try:
            reason = HTTPStatus(rule.status).phrase
        except ValueError:
            reason = "Error"
        page = f"<html><body><h1>{rule.status} {reason}</h1><p>Injected by the sandbox.</p></body></html>"
        return Response(page, status=rule.status, content_type="text/html;charset=utf-8")

    def _locked(self, environ: dict, start_response):
        with self.state.lock:
            chunks = self.flask_app(environ, start_response)
            try:
                body = list(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
            self.state.store.flush()
        return body


def _register_errors(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(error: HTTPException) -> Response:
        if request.path.startswith("/_sandbox"):
            return json_response({"error": "no such control route"}, 404)
        return ob_error(404, "Resource not found")

    @app.errorhandler(405)
    def not_allowed(error: HTTPException) -> Response:
        return ob_error(405, "Method not allowed")

    @app.errorhandler(Exception)
    def crashed(error: Exception) -> Response:
        # Grails answers an uncaught exception (a line whose product was deleted…) with a 500 naming its class.
        if isinstance(error, HTTPException):
            return error
        return server_error("java.lang.NullPointerException", f"{type(error).__name__}: {error}")

    @app.errorhandler(UnknownSortProperty)
    def bad_sort(error: UnknownSortProperty) -> Response:
        return server_error("org.hibernate.QueryException", f"could not resolve property: {error}")


def make_app(**options: object) -> SandboxApp:
    """Build the sandbox. Options: session_timeout, po_lag, timezone, data ("demo"/"empty"), state_path, seed.

    With ``state_path`` the records live in that SQLite file and survive restarts (sessions never do).
    """
    state = State(Options(**options))
    flask_app = Flask("sandbox.openboxes")
    flask_app.extensions["openboxes_sandbox"] = state
    for blueprint in (
        auth.bp,
        api_catalog.bp,
        api_orders.bp,
        api_stock.bp,
        api_receiving.bp,
        api_report.bp,
        api_generic.bp,
        control.bp,
    ):
        flask_app.register_blueprint(blueprint)
    flask_app.before_request(auth.security_check)
    _register_errors(flask_app)
    with state.lock:
        if state.store.is_empty():
            seed(state, state.options.data)
    return SandboxApp(flask_app, state)
