"""Intuit OAuth 2.0: the consent URL, the code exchange, token refresh, revocation and the company check.

Intuit rotates refresh tokens and kills the old one at once, so every process that changes a connection's
tokens (refresh, connect, disconnect) first takes the one Redis lock made by ``refresh_lock``.
Answers are classified here into typed errors; the callers word them for their readers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import requests
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from redis.lock import Lock
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from portal.sync.classify import classify_token_response
from portal.sync.errors import Transient

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
LOCK_TIMEOUT_SECONDS = 60  # longer than the token call's HTTP timeout
REFRESH_TIMEOUT_SECONDS = 30
HARD_EXPIRY_HEADER = {"x-include-refresh-token-hard-expires-in": "true"}
REVOKE_BY_HAND = "remove the app under QuickBooks › Settings › Apps if it is still listed there"


class IntuitRefused(Exception):
    """Intuit answered the code exchange with an OAuth error; ``error`` is its code (e.g. ``invalid_grant``)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class IntuitUnreachable(Exception):
    """Intuit could not be reached (connection refused, timeout, TLS failure)."""


def refresh_lock_key(connection_id: int) -> str:
    return f"qbo-refresh:{connection_id}"


def refresh_lock(redis, connection_id: int, wait_seconds: float) -> Lock:
    """The one lock serialising every change to a connection's tokens (not yet acquired)."""
    return redis.lock(refresh_lock_key(connection_id), timeout=LOCK_TIMEOUT_SECONDS, blocking_timeout=wait_seconds)


def authorization_url(config: Mapping, redirect_uri: str) -> tuple[str, str]:
    """Intuit's consent URL for the accounting scope, and the fresh ``state`` it carries."""
    oauth = OAuth2Session(config["QBO_CLIENT_ID"], redirect_uri=redirect_uri, scope=[ACCOUNTING_SCOPE])
    return oauth.authorization_url(config["QBO_AUTH_URL"])


def exchange_code(config: Mapping, code: str, redirect_uri: str, state: str, timeout: float) -> dict:
    """The token answer for an authorization ``code``; IntuitRefused or IntuitUnreachable otherwise."""
    oauth = OAuth2Session(config["QBO_CLIENT_ID"], redirect_uri=redirect_uri, state=state)
    try:
        # client_secret without auth= makes requests-oauthlib use HTTP Basic, the only form Intuit accepts.
        return oauth.fetch_token(
            config["QBO_TOKEN_URL"],
            code=code,
            client_secret=config["QBO_CLIENT_SECRET"],
            headers={"Accept": "application/json", **HARD_EXPIRY_HEADER},
            timeout=timeout,
        )
    except OAuth2Error as exc:
        raise IntuitRefused(exc.error) from exc
    except requests.RequestException as exc:
        raise IntuitUnreachable from exc


def company_info_status(config: Mapping, realm: str, access_token: str, timeout: float) -> int:
    """The HTTP status of reading company ``realm``'s CompanyInfo with ``access_token`` (200: it may)."""
    url = f"{config['QBO_API_BASE'].rstrip('/')}/v3/company/{realm}/companyinfo/{realm}"
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    try:
        answer = requests.get(url, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise IntuitUnreachable from exc
    return answer.status_code


def refresh_tokens(config: Mapping, refresh_token: str) -> dict:
    """The token answer for ``refresh_token``; a classified sync error (NeedsReconnect, Transient…) otherwise."""
    oauth = OAuth2Session(config["QBO_CLIENT_ID"])
    try:
        return oauth.refresh_token(
            config["QBO_TOKEN_URL"],
            refresh_token=refresh_token,
            auth=HTTPBasicAuth(config["QBO_CLIENT_ID"], config["QBO_CLIENT_SECRET"]),
            headers={"Accept": "application/json", **HARD_EXPIRY_HEADER},
            timeout=REFRESH_TIMEOUT_SECONDS,
        )
    except OAuth2Error as exc:
        body = json.dumps({"error": exc.error, "error_description": exc.description or ""})
        raise classify_token_response(exc.status_code or 400, body) from exc
    except requests.RequestException as exc:
        raise Transient("Could not reach QuickBooks' token endpoint: will retry") from exc


def revoke(config: Mapping, token: str | None, timeout: float) -> str | None:
    """Ask Intuit to revoke ``token``; a plain-language problem, or None when done (or nothing to revoke)."""
    if not token:
        return None
    try:
        answer = requests.post(
            config["QBO_REVOKE_URL"],
            json={"token": token},
            auth=HTTPBasicAuth(config["QBO_CLIENT_ID"], config["QBO_CLIENT_SECRET"]),
            headers={"Accept": "application/json"},
            timeout=timeout,
        )
    except requests.RequestException:
        return f"QuickBooks could not be reached to revoke the tokens: {REVOKE_BY_HAND}."
    if answer.status_code != 200:
        return f"QuickBooks did not confirm the revocation (error {answer.status_code}): {REVOKE_BY_HAND}."
    return None
