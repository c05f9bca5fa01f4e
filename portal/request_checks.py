"""Refuse malformed input once, before any view sees it, with a plain 400 page.

- Control characters: PostgreSQL refuses a NUL in text and SQLite stores it, and no name, setting or
  search needs one. Tab stays allowed (pasted from spreadsheets); line breaks only in the fields listed
  in ``MULTILINE_FIELDS`` (only the alert addresses, one per line, each then checked as an address; a name or
  URL with a line break would split log lines and e-mail headers).
- Whole numbers the console reads from addresses and forms (pages, sorting, row ids, the picked tenant,
  the relation search's offset, the progress page's ``since``) must be non-negative and small enough for
  a database column; anything larger would overflow the driver instead of meaning "no such row".
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, render_template, request

# C0 and C1 controls, DEL, Unicode line/paragraph separators and bidirectional overrides (which make a
# name read differently from what it is).
_INVISIBLE = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
CONTROL_CHARACTERS = re.compile(f"[\x00-\x08\x0a-\x1f{_INVISIBLE}]")
MULTILINE_CONTROL_CHARACTERS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_INVISIBLE}]")  # keeps CR and LF
MULTILINE_FIELDS: frozenset[str] = frozenset({"alert_emails"})
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
INT32_MAX = 2**31 - 1  # PostgreSQL ``integer``: every primary key, and the largest page we offer
EPOCH_MAX = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
NUMBER_LIMITS = {
    "page": INT32_MAX,
    "page_size": INT32_MAX,
    "sort": INT32_MAX,
    "desc": 1,
    "offset": INT32_MAX,  # Flask-Admin's ajax relation search
    "limit": INT32_MAX,
    "id": INT32_MAX,
    "rowid": INT32_MAX,
    "tenant": INT32_MAX,
    "since": EPOCH_MAX,
}


# Names Flask's ``url_for`` takes as its own options: a list page rebuilds its links from the query string
# (Flask-Admin's extra arguments, the status tabs, the reconciliation CSV link), so ``?endpoint=x`` or
# ``?_method=POST`` crashed the page and ``?_external=1`` made its links absolute. No page reads them.
URL_FOR_OPTIONS = frozenset({"endpoint", "_anchor", "_method", "_scheme", "_external"})


def number_in_range(value: str, maximum: int) -> bool:
    """True unless ``value`` is a whole number below 0 or above ``maximum`` (other text is the view's to judge)."""
    text = value.strip()
    return not WHOLE_NUMBER.fullmatch(text) or 0 <= int(text) <= maximum


# Flask-Admin's "return to" parameter: its own check lets ``http:/evil.example`` through (urljoin reads it
# as a path), and the browser then leaves the site. (The login page's ``next`` has its own check and still
# signs the user in, landing on the console.)
REDIRECT_PARAMETERS = ("url",)


def local_path(value: str) -> bool:
    """True for a path on this site (``/admin/…``): no scheme, no host, no ``//`` or ``/\\`` start."""
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc and value.startswith("/") and value[1:2] not in ("/", "\\")


def bad_input() -> str | None:
    """What is wrong with this request's query string or form, in words for people; None when nothing is."""
    for name in request.args:
        if name in URL_FOR_OPTIONS:
            return f"'{name}' is not a parameter of this console: remove it from the address."
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            forbidden = MULTILINE_CONTROL_CHARACTERS if name in MULTILINE_FIELDS else CONTROL_CHARACTERS
            if CONTROL_CHARACTERS.search(name) or forbidden.search(value):
                return "A value contains a control character (such as a NUL byte). Remove it and try again."
            if name in REDIRECT_PARAMETERS and value and not local_path(value):
                return f"'{name}' must be a page of this site (a path starting with /)."
            if name in NUMBER_LIMITS and not number_in_range(value, NUMBER_LIMITS[name]):
                return f"'{name}' must be a whole number from 0 to {NUMBER_LIMITS[name]}."
    return None


def refuse_bad_input():
    problem = bad_input()
    if problem is not None:
        return render_template("error.html", title="Request refused", message=problem), 400
    return None


def init_app(app: Flask) -> None:
    app.before_request(refuse_bad_input)
