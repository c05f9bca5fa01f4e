"""The typed errors of the OpenBoxes client: each is also a Transient or a Permanent, so the job layer knows what
to do next. Import them from ``portal.clients.openboxes``, which re-exports them."""

from __future__ import annotations

from portal.sync.errors import Permanent, SyncError, Transient

SETTINGS = "Settings › OpenBoxes"  # the console page that error messages send the user to


class OpenBoxesError(SyncError):
    """Base of every error the OpenBoxes client raises (catch this to catch them all)."""


class OpenBoxesUnreachable(OpenBoxesError, Transient):
    """No usable answer: DNS failure, connection refused or dropped, timeout. Retry later."""


class OpenBoxesServerError(OpenBoxesError, Transient):
    """OpenBoxes (or a proxy in front of it) answered 5xx. Retry later."""


class OpenBoxesAuthFailed(OpenBoxesError, Permanent):
    """The login was refused, or a fresh session was refused at once (e.g. an inactive user)."""


class OpenBoxesNotFound(OpenBoxesError, Permanent):
    """The record (or the route) does not exist on this server."""


class OpenBoxesRequestRefused(OpenBoxesError, Permanent):
    """A 4xx other than 401/404: validation error, missing role, method not allowed."""


class OpenBoxesLocationUnavailable(OpenBoxesRequestRefused):
    """The configured location (facility) id is unknown or inactive on the server."""


class OpenBoxesUnexpectedPayload(OpenBoxesError, Permanent):
    """The answer is not the JSON this client understands (wrong URL, proxy page, other version).

    Permanent on purpose: the same request gives the same answer until someone fixes the URL, the
    proxy or the server version, so automatic retries would only spend attempts. Transport damage
    (truncated bodies, resets) surfaces as OpenBoxesUnreachable instead.
    """


class OpenBoxesUnsafeUrl(OpenBoxesError, Permanent):
    """The base URL is malformed or resolves to an address the bridge refuses to call (SSRF guard)."""
