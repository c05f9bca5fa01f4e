"""Intuit OAuth 2 endpoints: consent page, token endpoint (Basic client auth), revoke, discovery."""

from __future__ import annotations

import json as jsonlib
from html import escape
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, redirect, request

from .api import apply_rule
from .clock import intuit_tid
from .respond import sandbox
from .tokens import OAuthError

blueprint = Blueprint("qbo_oauth", __name__)
AUTHORIZE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
KNOWN_SCOPES = {
    ACCOUNTING_SCOPE,
    "com.intuit.quickbooks.payment",
    "openid",
    "profile",
    "email",
    "phone",
    "address",
}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{content}</body></html>"""


def error_page(message: str) -> Response:
    """Client or redirect URI problems are shown to the user, never redirected (RFC 6749 §4.1.2.1)."""
    return Response(PAGE.format(title="Connection error", content=f"<p>{escape(message)}</p>"), 400)


def redirect_allowed(uri: str) -> bool:
    allowed = sandbox().options.redirect_uris
    if allowed is not None:
        return uri in allowed
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and parts.hostname in LOOPBACK_HOSTS


def back_to_client(params: dict, answer: dict) -> Response:
    uri = params["redirect_uri"]
    separator = "&" if "?" in uri else "?"
    return redirect(uri + separator + urlencode(answer), 302)


def check_request(params: dict) -> Response | None:
    """Problems with the authorization request itself; None when the consent page may be shown."""
    if params.get("client_id") != sandbox().options.client_id:
        return error_page("invalid_client: unknown client_id")
    if not redirect_allowed(params.get("redirect_uri", "")):
        return error_page("redirect_uri is not registered for this app")
    state = {"state": params["state"]} if params.get("state") else {}
    if params.get("response_type") != "code":
        return back_to_client(params, {"error": "unsupported_response_type", **state})
    scopes = set(params.get("scope", "").split())
    if ACCOUNTING_SCOPE not in scopes or scopes - KNOWN_SCOPES:
        return back_to_client(params, {"error": "invalid_scope", **state})
    if not state:
        return back_to_client(params, {"error": "invalid_request", "error_description": "state is required"})
    return None


@blueprint.get(AUTHORIZE_PATH)
def consent_page() -> Response:
    params = request.args.to_dict()
    problem = check_request(params)
    if problem is not None:
        return problem
    companies = sandbox().state.companies.values()
    options = "".join(
        f'<option value="{escape(c.realm)}">{escape(c.name)} ({escape(c.plan)}, {escape(c.realm)})</option>'
        for c in companies
    )
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(params.get(name, ""))}">'
        for name in ("client_id", "redirect_uri", "response_type", "scope", "state")
    )
    content = (
        f'<form method="post" action="{AUTHORIZE_PATH}">{hidden}'
        f'<p><label>Company <select name="realmId">{options}</select></label></p>'
        '<button type="submit" name="decision" value="connect">Connect</button> '
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
    )
    return Response(PAGE.format(title="Connect to QuickBooks (sandbox)", content=content))


@blueprint.post(AUTHORIZE_PATH)
def consent_decision() -> Response:
    params = request.form.to_dict()
    problem = check_request(params)
    if problem is not None:
        return problem
    if params.get("decision") != "connect":
        return back_to_client(params, {"error": "access_denied", "state": params["state"]})
    realm = params.get("realmId", "")
    if realm not in sandbox().state.companies:
        return error_page("Choose a company")
    code = sandbox().tokens.issue_code(realm, params["client_id"], params["redirect_uri"], params["scope"])
    return back_to_client(params, {"code": code, "state": params["state"], "realmId": realm})


def oauth_json(body: dict, status: int = 200) -> Response:
    response = Response(jsonlib.dumps(body), status, content_type="application/json;charset=UTF-8")
    response.headers.update({"intuit_tid": intuit_tid(), "Cache-Control": "no-store", "Pragma": "no-cache"})
    return response


def client_ok() -> bool:
    """Intuit authenticates the app with HTTP Basic only; credentials in the form body are refused."""
    auth, options = request.authorization, sandbox().options
    return auth is not None and (auth.username, auth.password) == (options.client_id, options.client_secret)


@blueprint.post(TOKEN_PATH)
def token_endpoint() -> Response:
    box = sandbox()
    grant = request.form.get("grant_type", "")
    presented = request.form.get("code") if grant == "authorization_code" else request.form.get("refresh_token")
    box.counters.token_call(box.tokens.realm_of(presented), grant or "missing")
    rule = box.injector.take("POST", request.path, box.tokens.realm_of(presented))
    if rule is None:
        return _grant(box, grant)
    return apply_rule(rule, lambda: _grant(box, grant))


def _grant(box, grant: str) -> Response:
    if not client_ok():
        return oauth_json({"error": "invalid_client"}, 401)
    hard = request.headers.get("x-include-refresh-token-hard-expires-in", "").lower() == "true"
    try:
        if grant == "authorization_code":
            code = _required("code")
            answer = box.tokens.exchange_code(code, request.form.get("redirect_uri"), box.options.client_id, hard)
        elif grant == "refresh_token":
            answer = box.tokens.refresh(_required("refresh_token"), box.options.client_id, hard)
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported")
    except OAuthError as error:
        return oauth_json(error.body(), error.status)
    return oauth_json(answer)


def _required(name: str) -> str:
    value = request.form.get(name)
    if not value:
        raise OAuthError("invalid_request", f"{name} is required")
    return value


@blueprint.post(REVOKE_PATH)
def revoke_endpoint() -> Response:
    box = sandbox()
    body = request.get_json(silent=True) or {}
    box.counters.token_call(box.tokens.realm_of(body.get("token")), "revoke")
    if not client_ok():
        return oauth_json({"error": "invalid_client"}, 401)
    if not body.get("token"):
        return oauth_json({"error": "invalid_request", "error_description": "token is required"}, 400)
    box.tokens.revoke(body["token"])
    return Response("", 200, headers={"intuit_tid": intuit_tid()})


@blueprint.get("/.well-known/openid_configuration")
def discovery() -> Response:
    """Intuit recommends reading endpoints from this document rather than hard-coding them."""
    base = request.host_url.rstrip("/")
    return oauth_json(
        {
            "issuer": "https://oauth.platform.intuit.com/op/v1",
            "authorization_endpoint": base + AUTHORIZE_PATH,
            "token_endpoint": base + TOKEN_PATH,
            "revocation_endpoint": base + REVOKE_PATH,
            "scopes_supported": sorted(KNOWN_SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }
    )
