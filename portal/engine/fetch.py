"""Records OpenBoxes lists but cannot serve: each gets its own activity row, and the poll goes on.

Reading one record takes several requests (an order's detail and lines, a movement and its shipment, the
products they name). When one of them fails, or what comes back cannot be turned into a snapshot, the
record gets a row of its own: the reason names the record and what OpenBoxes answered, and the row follows
the Sync Failed path like any push (attempts, backoff, then Sync Failed; retry and ignore in the panel).
Its push reads the record again before writing to QuickBooks; a later poll that reads it fills the same row.

Errors about the connection itself (OpenBoxes down, login refused) are not the record's fault: they stop
the entity's poll as before, and the watermark does not move.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from portal.clients.openboxes import (
    OpenBoxesAuthFailed,
    OpenBoxesLocationUnavailable,
    OpenBoxesUnexpectedPayload,
    OpenBoxesUnreachable,
    OpenBoxesUnsafeUrl,
)
from portal.engine import activity
from portal.engine.openboxes import jsonable
from portal.extensions import db
from portal.models import SyncActivity, SyncRun
from portal.sync.entities import entity_label
from portal.sync.errors import SyncError, Transient, answer_words, describe_record
from portal.sync.identity import content_hash
from portal.sync.snapshots import UnfetchedSnapshot

log = logging.getLogger(__name__)
# Not about one record: the whole entity's poll stops (nothing is skipped, the watermark stays).
CONNECTION_ERRORS = (OpenBoxesUnreachable, OpenBoxesAuthFailed, OpenBoxesLocationUnavailable, OpenBoxesUnsafeUrl)
# What building a snapshot from an unexpected answer raises (a missing key, a list where a dict was due…).
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
# Where a listed record carries the number people know it by (order, movement, product, organization).
NUMBER_FIELDS = ("orderNumber", "identifier", "productCode", "code", "name")


@dataclass(frozen=True)
class Fetched:
    """One record read in full: what its activity row stores."""

    version: str
    snapshot: dict
    number: str | None = None
    label: str | None = None


class RecordUnreadable(Exception):
    """Reading one record failed; ``error`` is the typed failure with a message naming the record."""

    def __init__(self, error: SyncError) -> None:
        super().__init__(error.message)
        self.error = error


class Unreadable(NamedTuple):
    """A listed record the bridge cannot read: its key, the record as listed, and the failure."""

    key: str
    record: dict
    failure: RecordUnreadable


class Reading:
    """Reading one record, request by request: a failing step becomes a RecordUnreadable naming both."""

    def __init__(self, entity: str, number: str | None, openboxes_id: str) -> None:
        self.subject = describe_record(entity_label(entity), str(number or openboxes_id), None)

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        """Wrap the requests and parsing that read ``what`` (e.g. "its lines")."""
        try:
            yield
        except CONNECTION_ERRORS:
            raise
        except SyncError as error:
            raise RecordUnreadable(error.reworded(self._answered(error, what))) from None
        except SHAPE_ERRORS as error:
            message = f"{self.subject}: OpenBoxes sent {what} {_shape_problem(error)}: fix the record in OpenBoxes"
            raise RecordUnreadable(OpenBoxesUnexpectedPayload(f"{message}, then retry")) from None

    def _answered(self, error: SyncError, what: str) -> str:
        status = getattr(error, "status", None)
        said = f" ({error.detail})" if error.detail else ""
        if isinstance(error, OpenBoxesUnexpectedPayload):
            return f"{self.subject}: OpenBoxes sent {what} in a form the bridge cannot read{said}{_fix(error)}"
        answer = f"{answer_words(status)}{said}" if status else "did not answer"
        return f"{self.subject}: OpenBoxes {answer} when the bridge read {what}{_fix(error)}"


def _fix(error: SyncError) -> str:
    if isinstance(error, Transient):
        return "; the sync will retry"
    if getattr(error, "status", None) == 404:
        return " (it may have been deleted): fix the record in OpenBoxes, then retry"
    return ": fix the record in OpenBoxes, then retry"


def _shape_problem(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"without the field {error.args[0]!r} the bridge needs" if error.args else "with a field missing"
    return "with a value of the wrong kind"


def record_failure(
    tenant_id: int, entity: str, openboxes_id: str, listed: dict, failure: RecordUnreadable, *, run_id: int, **shown
) -> SyncActivity | None:
    """The record's own row, counted as a failed attempt (retrying with backoff, or Sync Failed).

    None when the record already waits in a fetch-failed row (that row retries it). ``shown`` holds the
    row's ``number`` and ``label``.
    """
    from portal.engine.push import handle_failure  # push reads records again through this module

    if activity.waiting_row(tenant_id, entity, openboxes_id) is not None:
        return None
    version = UnfetchedSnapshot.version(content_hash(listed))
    snapshot = UnfetchedSnapshot(listed).to_json()
    row = activity.record_version(tenant_id, entity, openboxes_id, version, run_id=run_id, snapshot=snapshot, **shown)
    if row is not None:
        row.attempts += 1
        handle_failure(row, failure.error)
        activity.log_attempt(row)
    return row


def _record_id(record: dict) -> str:
    return str(record["id"]) if record.get("id") not in (None, "") else ""


def identified(records: list, entity: str, run_id: int | None, key=_record_id) -> list[dict]:
    """The listed records the bridge can tell apart; the others are counted on the run, not fatal."""
    good = [record for record in records if _key_of(record, key)]
    if len(good) < len(records):
        note_on_run(run_id, f"{entity_label(entity)}: {len(records) - len(good)} record(s) listed without an id")
    return good


def split_dated(records: list[dict], entity: str, dated) -> tuple[list[dict], list[Unreadable]]:
    """Records whose time ``dated`` can read, and the others, each with the failure naming it."""
    good, bad = [], []
    for record in records:
        if _key_of(record, dated):
            good.append(record)
        else:
            bad.append(_unreadable(entity, str(record["id"]), record, "it without a date the bridge can read"))
    return good, bad


def rejected_rows(rejected, entity: str, run_id: int | None, key=_record_id) -> list[Unreadable]:
    """Rows of a page the client could not read (``Page.rejected``): those with an id, each with its failure.

    The others cannot be told apart: they are counted on the run.
    """
    found = [(_key_of(item.row, key), item) for item in rejected]
    nameless = sum(1 for record_key, _ in found if not record_key)
    if nameless:
        note_on_run(run_id, f"{entity_label(entity)}: {nameless} record(s) listed without an id")
    return [
        _unreadable(entity, str(record_key), jsonable(item.row), item.reason[:200])
        for record_key, item in found
        if record_key
    ]


def _unreadable(entity: str, key: str, record: dict, sent: str) -> Unreadable:
    number = next((record.get(name) for name in NUMBER_FIELDS if isinstance(record.get(name), str)), None)
    subject = Reading(entity, number, key).subject
    message = f"{subject}: OpenBoxes sent {sent}: fix the record in OpenBoxes, then retry"
    return Unreadable(key, record, RecordUnreadable(OpenBoxesUnexpectedPayload(message)))


def record_unreadable(tenant_id: int, entity: str, items: list[Unreadable], run_id: int) -> list[SyncActivity]:
    """A row for each listed record the bridge cannot read (None for those already waiting in one)."""
    rows = [record_failure(tenant_id, entity, item.key, item.record, item.failure, run_id=run_id) for item in items]
    return [row for row in rows if row is not None]


def _key_of(record, key) -> object:
    try:
        return isinstance(record, dict) and key(record)
    except SHAPE_ERRORS:
        return None


def note_on_run(run_id: int | None, text: str) -> None:
    """Add a line to the run's error (records the poll had to leave out), and to the log."""
    log.warning("poll run=%s: %s", run_id, text)
    run = db.session.get(SyncRun, run_id) if run_id else None
    if run is not None:
        run.error = "; ".join(part for part in (run.error, text) if part)
