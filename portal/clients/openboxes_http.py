"""What OpenBoxes' HTTP answers mean: the base URL's parts, "session lost" answers, and the typed error for
each failure (with the message that tells the user what to fix)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import requests

from portal.clients.openboxes_errors import (
    SETTINGS,
    OpenBoxesAuthFailed,
    OpenBoxesError,
    OpenBoxesLocationUnavailable,
    OpenBoxesNotFound,
    OpenBoxesRequestRefused,
    OpenBoxesServerError,
    OpenBoxesUnexpectedPayload,
    OpenBoxesUnsafeUrl,
)
from portal.sync.errors import answer_words

DEFAULT_CONTEXT_PATH = "/openboxes"
LOGIN_PAGES = ("/errors/handleUnauthorized", "/auth/login")
CHOOSE_LOCATION_PAGE = "/dashboard/chooseLocation"
FORBIDDEN_PAGE = "/errors/handleForbidden"


def split_base_url(base_url: str) -> tuple[str, str, int]:
    """``(root URL with context path, host, port)``; raises OpenBoxesUnsafeUrl for unusable URLs."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OpenBoxesUnsafeUrl(f"'{base_url}' is not an http(s) URL: fix the OpenBoxes URL under {SETTINGS}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise OpenBoxesUnsafeUrl(
            f"The OpenBoxes URL must not contain credentials, a query or a fragment: fix it under {SETTINGS}"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OpenBoxesUnsafeUrl(f"'{base_url}' has an invalid port: fix the OpenBoxes URL under {SETTINGS}") from None
    context_path = parts.path.rstrip("/") or DEFAULT_CONTEXT_PATH
    return f"{parts.scheme}://{parts.netloc}{context_path}", parts.hostname, port


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL (what a requests adapter is mounted on)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def transport_reason(error: requests.RequestException) -> str:
    """A few words on why the request got no answer, for the Unreachable message."""
    text = str(error).lower()
    if "refused" in text:
        return "connection refused"
    if "reset" in text or "aborted" in text or "remotedisconnected" in text or "closed" in text:
        return "the connection was dropped"
    return "network error"


def session_lost(response: requests.Response) -> str:
    """Why the answer means "no live session" (for the log), or "" when it does not."""
    status = response.status_code
    if status == 401:
        return "401"
    if status in (301, 302, 303, 307):
        target = _redirect_path(response)
        return f"redirect to {target}" if target.endswith((*LOGIN_PAGES, CHOOSE_LOCATION_PAGE)) else ""
    if 200 <= status < 300:
        content_type = response.headers.get("Content-Type", "").lower()
        if "html" in content_type or response.content.lstrip()[:1] == b"<":
            return "an HTML page instead of JSON"
    return ""


def failure(response: requests.Response, path: str, *, host: str, username: str) -> OpenBoxesError:
    """The typed error for an answer that is neither 200 nor "session lost"."""
    status = response.status_code
    detail = server_said(response)  # kept apart too, for messages that name the record rather than the path
    where = f"OpenBoxes at {host} {answer_words(status)} at {path}{f' ({detail})' if detail else ''}"
    if status >= 500:
        retry = f"{where}; the sync will retry"
        return OpenBoxesServerError(retry, status=status, outcome_unknown=False, detail=detail)
    if status == 404:
        missing = f"{where}: the record does not exist, or the URL is wrong"
        return OpenBoxesNotFound(missing, status=status, detail=detail)
    if status == 403:
        fix = f"give user '{username}' the needed role in OpenBoxes"
        return OpenBoxesRequestRefused(f"{where}: {fix}", status=status)
    if 400 <= status < 500:
        return OpenBoxesRequestRefused(f"{where}: report this to support", status=status)
    if 300 <= status < 400:
        return _redirect_failure(response, where, username)
    return OpenBoxesUnexpectedPayload(f"{where}: check the OpenBoxes URL under {SETTINGS}", status=status)


def refused_after_login(response: requests.Response, *, host: str, username: str, location_id: str) -> OpenBoxesError:
    """The error when a call still looks "session lost" right after a successful login."""
    if _redirect_path(response).endswith(CHOOSE_LOCATION_PAGE):
        return location_unavailable(host, location_id)
    if 200 <= response.status_code < 300:
        return OpenBoxesUnexpectedPayload(
            f"OpenBoxes at {host} answered with an HTML page instead of JSON, even after logging in "
            f"again: check the OpenBoxes URL under {SETTINGS}",
            status=response.status_code,
        )
    return OpenBoxesAuthFailed(
        f"OpenBoxes at {host} accepted the login of user '{username}' but refused its next "
        f"request (the user may be inactive): activate the user in OpenBoxes or fix {SETTINGS}",
        status=response.status_code,
    )


def location_unavailable(host: str, location_id: str) -> OpenBoxesLocationUnavailable:
    """The error for a location id the server does not know or has deactivated."""
    return OpenBoxesLocationUnavailable(
        f"OpenBoxes at {host} has no active location with id '{location_id}': choose the facility under {SETTINGS}"
    )


def _redirect_failure(response: requests.Response, where: str, username: str) -> OpenBoxesError:
    """The error for a redirect that is not "session lost": forbidden, or a wrong URL."""
    target = urlsplit(response.headers.get("Location", "")).path
    if target.endswith(FORBIDDEN_PAGE):
        return OpenBoxesRequestRefused(
            f"OpenBoxes denied user '{username}' access: give the user the needed role in OpenBoxes",
            status=403,
        )
    return OpenBoxesUnexpectedPayload(
        f"{where} (a redirect to {target or 'nowhere'}): check the OpenBoxes URL under {SETTINGS}",
        status=response.status_code,
    )


def _redirect_path(response: requests.Response) -> str:
    """The path a redirect points to, without a trailing slash ("" when there is none)."""
    return urlsplit(response.headers.get("Location", "")).path.rstrip("/")


def server_said(response: requests.Response) -> str:
    """The message of an OpenBoxes error body (JSON or one line of plain text), capped; "" for pages and the rest."""
    content_type = response.headers.get("Content-Type", "")
    text = response.content[:300].decode("utf-8", "replace").strip()
    if "text/plain" in content_type and text and "\n" not in text:
        return text[:200]
    try:
        body = json.loads(response.content)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    message = body.get("errorMessage") or "; ".join(map(str, body.get("errorMessages") or []))
    return str(message)[:200]
