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
* Character set: a US QuickBooks company stores ISO-8859-1 only. ``outside_latin1`` names the characters
  beyond it; ``to_latin1`` (used only when the tenant chose so) replaces each: typographic quotes and
  dashes by their ASCII form, other letters by their NFKD base letters (``ő`` → ``o``, ``ﬁ`` → ``fi``),
  anything else by ``?``.
* ``with_suffix`` — the clash rules append a fixed suffix (`` (customer)``, `` (supplier)``,
  `` [CODE]``), shortening the name first so the result still fits.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator

FORBIDDEN_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
SPACES = re.compile(r"\s+")
HASH_DIGITS = 7
LATIN1_LAST = 0xFF
ASCII_FORMS = {"‘": "'", "’": "'", "‚": ",", "‛": "'", "“": '"', "”": '"', "„": '"', "‐": "-", "‑": "-", "‒": "-",
               "–": "-", "—": "-", "―": "-", "•": "*", "…": "...", "€": "EUR", "™": "TM"}  # fmt: skip


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


def outside_latin1(text: str) -> list[str]:
    """The distinct characters of ``text`` beyond ISO-8859-1 (what a US company cannot store), in order."""
    return list(dict.fromkeys(char for char in text if ord(char) > LATIN1_LAST))


def to_latin1(text: str) -> str:
    """``text`` with every character beyond ISO-8859-1 replaced (see the module docstring)."""
    return "".join(char if ord(char) <= LATIN1_LAST else _latin1_form(char) for char in text)


def _latin1_form(char: str) -> str:
    if char in ASCII_FORMS:
        return ASCII_FORMS[char]
    parts = unicodedata.normalize("NFKD", char)
    kept = "".join(part for part in parts if ord(part) <= LATIN1_LAST and not unicodedata.combining(part))
    return kept or "?"


def latin1_texts(value: object, changed: list[tuple[str, str]]) -> object:
    """``value`` (a JSON body) with ``to_latin1`` applied to every text; each change is appended to ``changed``."""
    if isinstance(value, str):
        fixed = to_latin1(value)
        if fixed != value:
            changed.append((value, fixed))
        return fixed
    if isinstance(value, dict):
        return {key: latin1_texts(item, changed) for key, item in value.items()}
    if isinstance(value, list):
        return [latin1_texts(item, changed) for item in value]
    return value


def refused_characters(name: str) -> str:
    """``‘Ω’ and ‘✓’ in the name Gauze Ω✓``: what a US company refuses in ``name``."""
    quoted = [f"‘{char}’" for char in outside_latin1(name)]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
    return f"{listed} in the name {name}"


def names_in(value: object) -> Iterator[str]:
    """Every ``name`` text in a record (at any depth): what becomes a QuickBooks name."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "name" and isinstance(item, str):
                yield item
            else:
                yield from names_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from names_in(item)
