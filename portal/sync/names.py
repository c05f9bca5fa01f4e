"""QuickBooks-safe names: no colon/tab/newline, bounded length, deterministic and unique-safe.

Rules (QuickBooks sets the limits; how a name is repaired to fit them is ours):

* ``clean_name`` — control characters (tab, newline, CR…) become a space; ``:`` becomes `` - ``
  (so "Tape: surgical" reads "Tape - surgical"; a colon at either end just goes); runs of spaces
  collapse; outer spaces go.
* Lengths are counted in UTF-16 code units, as QuickBooks (Java) counts them, so an emoji counts 2;
  that is never more permissive than counting characters.
* ``fit_name`` — a name over the limit keeps as many leading characters as fit before
  `` ~`` + 7 hex digits of sha256(full cleaned name), so two long names sharing a prefix stay distinct
  and the same name always gives the same result.
* ``with_suffix`` — the clash rules append a fixed suffix (`` (customer)``, `` (supplier)``,
  `` [CODE]``), shortening the name first so the result still fits.
"""

from __future__ import annotations

import hashlib
import re

FORBIDDEN_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
SPACES = re.compile(r"\s+")
HASH_DIGITS = 7


def utf16_len(text: str) -> int:
    """Length as QuickBooks counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def as_text(value: object) -> str:
    """A name or text field as a string: OpenBoxes data may hold a number (or another JSON type) where text belongs."""
    return "" if value is None else value if isinstance(value, str) else str(value)


def stored_text(value: object, limit: int) -> str:
    """A display value as the database can keep it: text, without NUL (PostgreSQL refuses it), ``limit`` long."""
    return as_text(value).replace("\x00", "")[:limit]


def clean_name(text: object) -> str:
    """Name without characters QuickBooks refuses in names (colon, tab, newline, other controls)."""
    text = as_text(text)
    value = SPACES.sub(" ", FORBIDDEN_CONTROL.sub(" ", text).replace(":", " - ")).strip()
    # A colon at either end would leave a dangling dash ("Acme:" → "Acme").
    return value.strip(" -") if ":" in text else value


def clean_text(text: object, limit: int) -> str:
    """Free text (CompanyName, Description): whitespace collapsed, cut to ``limit`` units."""
    return _cut(SPACES.sub(" ", FORBIDDEN_CONTROL.sub(" ", as_text(text))).strip(), limit)


def fit_name(text: object, limit: int) -> str:
    """``clean_name`` within ``limit`` UTF-16 units, shortened with a hash tag when too long."""
    name = clean_name(text)
    if utf16_len(name) <= limit:
        return name
    tag = " ~" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:HASH_DIGITS]
    return _cut(name, limit - len(tag)).rstrip(" -") + tag


def with_suffix(name: str, suffix: str, limit: int) -> str:
    """``name`` + ``suffix``, cutting ``name`` so the whole fits ``limit``."""
    room = limit - utf16_len(suffix)
    base = name if utf16_len(name) <= room else _cut(name, room).rstrip(" -")
    return base + suffix


def _cut(text: str, limit: int) -> str:
    """The longest prefix within ``limit`` UTF-16 units (never splits a character)."""
    out, used = [], 0
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
        out.append(char)
    return "".join(out).rstrip()
