"""A dry run: what pushing one activity row would send to QuickBooks, without writing anything.

The row's own pusher runs (the same mappers, names, DocNumber and currency as a real push) against a
client that passes reads through and records writes instead of sending them, in a database session that
never flushes and is rolled back at the end. Each would-be create is checked with one read: a name or
DocNumber already taken in QuickBooks is said before the push meets it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from sqlalchemy import select

from portal.engine.context import SyncContext, load_context
from portal.engine.entities import HANDLERS
from portal.extensions import db
from portal.models import AccountMapping, SyncActivity
from portal.sync.entities import Entity
from portal.sync.errors import SkipRecord, SyncError
from portal.sync.identity import parse_marker
from portal.sync.snapshots import UnfetchedSnapshot

NAME_ENTITIES = ("Vendor", "Customer", "Employee")
# QuickBooksClient methods a dry run passes through: reads only. Anything else (``batch``, a write added later)
# is refused rather than forwarded, so "nothing is written" does not rest on the pushers' habits.
READS = frozenset(
    {"read", "query", "query_all", "find_by_name", "find_item", "find_by_doc_number", "change_data_capture"}
    | {"company_info", "preferences"}
)


@dataclass
class Write:
    """One write the push would make: create or update, of which entity, with which body."""

    operation: str
    entity: str
    payload: dict
    request_id: str
    warning: str | None = None


@dataclass
class Preview:
    """What a push of the row would do: the dependencies written first, the document, and what would stop it."""

    writes: list[Write] = field(default_factory=list)
    failure: str | None = None
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what QuickBooks would refuse, found without writing

    @property
    def document(self) -> Write | None:
        return self.writes[-1] if self.writes else None

    @property
    def dependencies(self) -> list[Write]:
        return self.writes[:-1]

    @property
    def warnings(self) -> list[str]:
        return self.problems + [write.warning for write in self.writes if write.warning]


class RecordingClient:
    """A QuickBooksClient stand-in: reads go to QuickBooks, writes are recorded and answered locally."""

    def __init__(self, real, row: SyncActivity) -> None:
        self.real, self.row = real, row
        self.realm_id = real.realm_id
        self.writes: list[Write] = []
        self._ids = count(1)

    def __getattr__(self, name: str):
        if name not in READS:
            raise AttributeError(f"a dry run does not pass {name!r} to QuickBooks (reads only)")
        return getattr(self.real, name)

    def create(self, entity: str, payload: dict, request_id: str) -> dict:
        self.writes.append(Write("create", entity, payload, request_id, self._clash(entity, payload)))
        return {**payload, "Id": f"new-{entity}-{next(self._ids)}", "SyncToken": "0"}

    def update(self, entity: str, payload: dict, request_id: str) -> dict:
        self.writes.append(Write("update", entity, {**payload, "sparse": True}, request_id))
        return {**payload, "SyncToken": str(int(payload.get("SyncToken") or 0) + 1)}

    def _clash(self, entity: str, payload: dict) -> str | None:
        """One read: is the name or DocNumber already taken in QuickBooks?"""
        if entity in NAME_ENTITIES and payload.get("DisplayName"):
            holders = self.real.find_by_name(payload["DisplayName"])
            return _name_warning(entity, payload["DisplayName"], [kind for kind, _ in holders])
        if entity == "Item" and payload.get("Name"):
            if self.real.find_item(name=payload["Name"]):
                return f"An item named {payload['Name']!r} exists: linked if its SKU matches, else suffixed"
            return None
        if payload.get("DocNumber"):
            return self._number_warning(entity, payload["DocNumber"])
        return None

    def _number_warning(self, entity: str, number: str) -> str | None:
        for found in self.real.find_by_doc_number(entity, number):
            marker = parse_marker(found.get("PrivateNote"))
            if marker is not None and marker.matches(self.row.entity_type, self.row.openboxes_id):
                return f"QuickBooks already holds {entity} {number} from this record: it would be adopted, not created"
            return (
                f"Would fail: QuickBooks already has a {entity} numbered {number} that did not come from this record "
                "(renumber or delete it in QuickBooks first)"
            )
        return None


def _name_warning(entity: str, name: str, kinds: list[str]) -> str | None:
    if not kinds:
        return None
    if entity in kinds:
        return f"A {entity} named {name!r} exists in QuickBooks: it would be linked instead of created"
    return f"The name {name!r} is taken by a {kinds[0]}: the {entity} would be created with a suffix"


class DryRunContext(SyncContext):
    """A push context that never commits (nor takes the workers' per-object locks)."""

    writes = False

    @staticmethod
    def commit() -> None:
        """Nothing is committed in a dry run."""


def preview_push(row: SyncActivity) -> Preview:
    """What pushing ``row`` now would send; nothing is written to QuickBooks or to the database."""
    preview = Preview()
    if UnfetchedSnapshot.holds(row.snapshot):
        preview.failure = "OpenBoxes could not serve this record when it was polled: it is read again at the push"
        return preview
    if not row.snapshot:
        preview.failure = "This row holds no copy of the OpenBoxes record to preview: retry it to read the record again"
        return preview
    try:
        with db.session.no_autoflush:
            _run(row, preview)
    finally:
        db.session.rollback()
    return preview


def account_refs(payload: object) -> set[str]:
    """Every ``AccountRef``-like value (``APAccountRef``, ``DepositToAccountRef``…) in a body."""
    found: set[str] = set()
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key.endswith("AccountRef") and isinstance(value, dict) and value.get("value"):
                found.add(str(value["value"]))
            else:
                found |= account_refs(value)
    elif isinstance(payload, list):
        for value in payload:
            found |= account_refs(value)
    return found


def inactive_accounts(tenant_id: int, writes: list[Write]) -> list[str]:
    """Mapped accounts the writes use that are known to be inactive in QuickBooks (no read: the mapping's flag)."""
    used = set().union(*(account_refs(write.payload) for write in writes)) if writes else set()
    query = select(AccountMapping).where(
        AccountMapping.tenant_id == tenant_id,
        AccountMapping.qbo_account_id.in_(used),
        AccountMapping.account_active.is_(False),
    )
    return [
        f"Would fail: the account mapped as {m.role.replace('_', ' ')} ({m.account_name}) is inactive in QuickBooks: "
        "remap it under Settings › Account mappings first"
        for m in db.session.scalars(query)
    ]


def _run(row: SyncActivity, preview: Preview) -> None:
    try:
        live = load_context(row.tenant_id)
        recorder = RecordingClient(live.client, row)
        ctx = DryRunContext(live.tenant, live.connection, recorder)  # type: ignore[arg-type]
        try:
            HANDLERS[Entity(row.entity_type)].push(ctx, row)
        finally:
            preview.writes, preview.notes = recorder.writes, ctx.notes
        preview.problems = inactive_accounts(row.tenant_id, preview.writes)
    except SkipRecord as skip:
        preview.failure = f"Nothing would be sent: {skip.reason}"
    except SyncError as error:
        preview.failure = str(error)
