"""Deterministic identities: content hashes, QuickBooks requestids, RQ job ids, DocNumbers, markers.

Rules (our own choices: neither QuickBooks nor OpenBoxes prescribes them):

* ``content_hash`` — sha256 of canonical JSON (sorted keys, no whitespace, UTF-8, numbers by their
  decimal text) of the record *minus volatile fields at any depth*. ``DEFAULT_VOLATILE`` holds the
  bookkeeping OpenBoxes bumps on every save (``lastUpdated``, ``updatedBy``): a save that changes no
  content costs nothing. ``PO_ROW_VOLATILE`` adds the PO list row's receipt/shipment counters and the
  per-page ``totalPrice``, which change on receiving without changing the document we push.
* ``written_fingerprint`` — a vendor created on demand by a document is linked with ``w:`` + its create
  body's hash: the supplier's own row, mapping to the same body, then needs no write.
* ``doc_number`` — an OpenBoxes number of ≤ 21 characters without ``~`` is used as is. Anything else
  becomes its first 12 characters, ``~`` and 8 hex digits of sha256(number): 21 characters,
  deterministic, and never equal to a natural number (those never contain ``~``).
* marker — ``[openboxes:{entity}:{id}:{version}]`` inside PrivateNote; ``version`` is the first 12
  hex digits of the content hash (may be empty).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

DEFAULT_VOLATILE = frozenset({"lastUpdated", "updatedBy"})
PO_ROW_VOLATILE = DEFAULT_VOLATILE | {
    "shippedItemsCount",
    "receivedItemsCount",
    "invoicedItemsCount",
    "shipmentsCount",
    "totalPrice",
}
REQUEST_ID_NAMESPACE = uuid.UUID("6c1f0a3e-8a0b-4d5e-9a57-0b0c5e1d2f40")
JOB_PART = re.compile(r"^[A-Za-z0-9]+$")
JOB_KIND = re.compile(r"^[a-z][a-z_]*$")
DOC_NUMBER_MAX = 21
DOC_NUMBER_HEAD = 12
MARKER = re.compile(r"\[openboxes:([a-z_]+):([^\s:\]]+):([0-9a-f]*)\]")
MARKER_ID = re.compile(r"^[^\s:\]]+$")


def content_hash(record: Mapping, ignore: frozenset[str] = DEFAULT_VOLATILE) -> str:
    """sha256 hex of the record's canonical JSON, without ``ignore`` keys at any depth."""
    text = json.dumps(_strip(record, ignore), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _strip(value: object, ignore: frozenset[str]) -> object:
    if isinstance(value, Mapping):
        return {str(k): _strip(v, ignore) for k, v in value.items() if k not in ignore}
    if isinstance(value, list | tuple):
        return [_strip(v, ignore) for v in value]
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _number_text(value)
    return value


def _number_text(value: int | float | Decimal) -> str:
    """2, 2.0 and Decimal("2.00") hash alike: numbers by their normalized decimal text."""
    number = Decimal(str(value)).normalize()
    return f"#{number:f}"


def _plain(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def written_fingerprint(payload: Mapping) -> str:
    """What an EntityLink stores for an object created on demand from ``payload`` (no record version known).

    ``w:`` and 62 hex digits of the payload's content hash: as long as a version hash, never equal to one.
    """
    return "w:" + content_hash(payload)[:62]


def request_id(realm: str, entity: str, openboxes_id: str, version: str, generation: int = 0) -> str:
    """The QuickBooks ``requestid`` of one write: 32 hex characters (fits the 36-char batch limit).

    The same (realm, entity, id, version) always gives the same id, so a retry after an unknown
    outcome replays instead of writing twice. QuickBooks replays refusals too: after a definite
    4xx, bump ``generation`` so the corrected retry is executed.
    """
    name = "\x1f".join((realm, entity, openboxes_id, version, str(generation)))
    return uuid.uuid5(REQUEST_ID_NAMESPACE, name).hex


def batch_request_id(item_request_ids: list[str]) -> str:
    """The ``requestid`` of one ``POST /batch`` (33 characters, under the batch limit of 36).

    Made of its rows' own request ids (and attempts), in order: the same rows at the same generations give the
    same id, so a resend of that batch replays; a row bumped to a new generation makes it a new batch.
    """
    return "b" + hashlib.sha256("\x1f".join(item_request_ids).encode("utf-8")).hexdigest()[:32]


def job_id(kind: str, *parts: object) -> str:
    """An RQ job id (only ``[A-Za-z0-9_-]``): ``kind-part-part…``.

    Parts made only of letters and digits are kept (readable); any other part is replaced by ``x`` and
    20 hex digits of its sha256, so distinct inputs never collide through separator tricks.
    """
    if not JOB_KIND.match(kind):
        raise ValueError(f"job kind must be lower-case letters and underscores: {kind!r}")
    encoded = [_job_part(str(part)) for part in parts]
    return "-".join([kind, *encoded])


def _job_part(part: str) -> str:
    if JOB_PART.match(part) and len(part) <= 64:
        return part
    return "x" + hashlib.sha256(part.encode("utf-8")).hexdigest()[:20]


def doc_number(number: str) -> str:
    """QuickBooks ``DocNumber`` (≤ 21) for an OpenBoxes number; see the module docstring for the rule."""
    text = number.strip()
    if not text:
        raise ValueError("empty document number")
    if len(text) <= DOC_NUMBER_MAX and "~" not in text:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{text[:DOC_NUMBER_HEAD]}~{digest}"


def short_version(version: str) -> str:
    """The version as written into markers: 12 lower-case hex digits of a content hash."""
    return version.lower()[:12]


def marker(entity: str, openboxes_id: str, version: str = "") -> str:
    """``[openboxes:purchase_order:ff80…01:3f2a9c1b7d0e]`` for a PrivateNote."""
    if not MARKER_ID.match(openboxes_id):
        raise ValueError(f"OpenBoxes id cannot be put in a marker: {openboxes_id!r}")
    if not re.fullmatch(r"[0-9a-fA-F]*", version):
        raise ValueError(f"version must be hexadecimal: {version!r}")
    return f"[openboxes:{entity}:{openboxes_id}:{short_version(version)}]"


@dataclass(frozen=True)
class Marker:
    """What a marker says: which OpenBoxes record (and version) a QuickBooks document came from."""

    entity: str
    openboxes_id: str
    version: str

    def matches(self, entity: str, openboxes_id: str, version: str | None = None) -> bool:
        """Same record (and, when ``version`` is given, the same version)."""
        same = self.entity == entity and self.openboxes_id == openboxes_id
        return same and (version is None or self.version == short_version(version))


def parse_marker(note: str | None) -> Marker | None:
    """The first marker in a PrivateNote, or None."""
    found = MARKER.search(note or "")
    return Marker(*found.groups()) if found else None


def adjustment_key(transaction_number: str, product_id: str) -> str:
    """The natural key of an adjustment report row (it carries no id): ``T-00042/ff80…``."""
    return f"{transaction_number}/{product_id}"
