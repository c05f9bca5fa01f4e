"""Security headers on every response: a strict Content-Security-Policy with a per-request script nonce,
no framing, no MIME sniffing, and no cross-site Referer.

The console has no inline script or style: the few inline handlers in Flask-Admin's templates are replaced
by our template overrides and ``static/js/console.js``. Flask-Admin puts the nonce on its own ``<script>``
tags. ``form-action`` also names Intuit's authorization origin, because Chrome applies it to the redirect
that answers "Connect to QuickBooks".
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request


def csp_nonce() -> str:
    """This request's script nonce (one per request, shared by every tag on the page).

    Kept in the request's environ, not ``g``: an app context can outlive one request (tests, CLI).
    """
    return request.environ.setdefault("portal.csp_nonce", secrets.token_urlsafe(18))


def origin_of(url: str) -> str:
    """``https://appcenter.intuit.com/connect/oauth2`` → ``https://appcenter.intuit.com``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def form_targets(auth_url: str) -> str:
    """Where a form (and the redirects answering it) may go: here, and Intuit's sign-in pages.

    Chrome checks every redirect of a form's navigation against ``form-action``, and Intuit's consent
    page may pass the browser on to another of its hosts (e.g. its accounts sign-in) before the consent.
    """
    origin = origin_of(auth_url)
    host = urlsplit(auth_url).hostname or ""
    intuit = "https://*.intuit.com" if host == "intuit.com" or host.endswith(".intuit.com") else ""
    return " ".join(filter(None, ("'self'", origin, intuit)))


def content_security_policy(nonce: str, auth_url: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self'",
        "img-src": "'self' data:",  # Bootstrap draws its checkbox and toggler icons as data: SVGs
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": form_targets(auth_url),
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    policy = content_security_policy(csp_nonce(), current_app.config["QBO_AUTH_URL"])
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
