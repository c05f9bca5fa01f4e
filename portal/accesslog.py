"""Access-log lines without secrets: gunicorn's logger with the OAuth callback's query values blanked.

Intuit's redirect back to us carries a one-time authorization ``code`` (worth a token until it is used),
the ``state`` that binds it to a sign-in, and the company's ``realmId``. Log readers need none of them, so
their values become ``[redacted]`` wherever they appear in a line (request line, query string, Referer).
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

SECRET_PARAMETERS = ("code", "state", "realmId")
REDACTED = "[redacted]"
# Also percent-encoded, as inside a login page's ``next=`` (a callback opened without a session).
_SECRET_VALUE = re.compile(
    rf"(^|[?&;]|%3F|%26|%253F|%2526)({'|'.join(SECRET_PARAMETERS)})(=|%3D|%253D)[^&;#\s\"%]*(?:%(?!26|2526)[^&;#\s\"%]*)*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` (a URL, a query string or a log line) with the secret parameters' values blanked."""
    return _SECRET_VALUE.sub(rf"\1\2\3{REDACTED}", text)


class RedactingLogger(Logger):
    """Gunicorn's logger (``logger_class`` in gunicorn.conf.py) whose access lines go through :func:`redact`."""

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
