"""Push up to 30 document creates of one tenant in one QuickBooks ``POST /batch``, exactly once.

Each row is claimed and prepared on its own (dependencies ensured, document mapped); a row that fails to
prepare, or that is not a plain create (an update, an earlier attempt of unknown outcome, a snapshot
still to read), settles on its own through the single push. The prepared rows go in one batch whose
``requestid`` is made of their own request ids; each ``BatchItemResponse`` is matched back by ``bId``:
the object → Synced with its Id (no read), a ``Fault`` → classified like a single answer and settled
on that row alone. When the whole call fails every row shares the outcome: throttled → deferred
(no attempt spent); unknown outcome → retrying with ``outcome_unknown``, so each row's next attempt
looks its document up by DocNumber and marker before anything is sent again.

The rows' attempt numbers are part of the batch ``requestid``: QuickBooks replays a batch's HTTP 200
answer, item Faults included, so rows retried after a passing item Fault must make a new batch. A batch
is never sent again after an unknown outcome (those rows look their documents up instead).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from portal.engine import activity
from portal.engine.context import SyncContext, load_context
from portal.engine.documents import activity_request_id, adopt_or_refuse, needs_create, record_created
from portal.engine.entities import HANDLERS
from portal.engine.push import PushDecision, handle_failure, push_claimed
from portal.extensions import db
from portal.logs import log_context
from portal.models import SyncActivity
from portal.sync.classify import classify_fault
from portal.sync.entities import ActivityStatus, Entity
from portal.sync.errors import Duplicate, SkipRecord, SyncError, Transient
from portal.sync.identity import batch_request_id
from portal.sync.mappers import Mapped
from portal.sync.snapshots import UnfetchedSnapshot

BATCH_MAX_ITEMS = 30  # Intuit's recommended maximum per batch
BATCHABLE = frozenset(entity.value for entity, handler in HANDLERS.items() if handler.prepare is not None)
LEFT_OUT = "QuickBooks' batch answer left this record out: it is looked up in QuickBooks before a retry"


@dataclass
class Prepared:
    """A claimed row ready to go in the batch: its document, and the notes to show once synced."""

    row: SyncActivity
    mapped: Mapped
    payload: dict
    notes: list[str]


def run_push_batch(activity_ids: list[int]) -> dict[int, PushDecision]:
    """Push up to 30 rows of one tenant, most in one batch; the decision of each row that was pending."""
    rows = claim_many(activity_ids[:BATCH_MAX_ITEMS])
    if not rows:
        return {}
    outcomes: dict[int, PushDecision] = {}
    try:
        ctx = load_context(rows[0].tenant_id)
    except SyncError as error:
        return {row.id: settle(row, error) for row in rows}
    for row in rows:  # the request ids are durable before anything is sent
        if row.tenant_id == ctx.tenant_id:
            row.realm_id, row.request_id = ctx.realm, activity_request_id(ctx, row)
    db.session.commit()
    prepared = []
    for row in rows:
        with log_context(tenant=row.tenant_id, activity=row.id, entity=row.entity_type):
            ready = _prepare(ctx, row, outcomes)
        if ready is not None:
            prepared.append(ready)
    if prepared:
        outcomes.update(_send(ctx, prepared))
    return outcomes


def _prepare(ctx: SyncContext, row: SyncActivity, outcomes: dict[int, PushDecision]) -> Prepared | None:
    """The row's document, or None once the row was settled on its own (decision in ``outcomes``)."""
    alone = row.tenant_id != ctx.tenant_id or row.entity_type not in BATCHABLE
    if alone or UnfetchedSnapshot.holds(row.snapshot) or not needs_create(ctx, row):
        outcomes[row.id] = push_claimed(row, row.id)
        return None
    ctx.notes = []
    try:
        mapped = HANDLERS[Entity(row.entity_type)].prepare(ctx, row)
        payload = ctx.outgoing(mapped.payload)
    except (SkipRecord, SyncError) as error:
        outcomes[row.id] = settle(row, error, rollback=True)
        return None
    return Prepared(row, mapped, payload, list(ctx.notes))


def _send(ctx: SyncContext, prepared: list[Prepared]) -> dict[int, PushDecision]:
    items = [
        {"bId": f"b{index}", "operation": "create", ready.mapped.entity: ready.payload}
        for index, ready in enumerate(prepared)
    ]
    db.session.commit()  # never hold a write transaction open across calls to QuickBooks
    try:
        answers = ctx.client.batch(items, batch_request_id([f"{r.row.request_id}.{r.row.attempts}" for r in prepared]))
    except SyncError as error:  # the whole call: throttled, unknown outcome, refused
        return {ready.row.id: settle(ready.row, error) for ready in prepared}
    by_bid = {answer.get("bId"): answer for answer in answers if isinstance(answer, dict)}
    outcomes = {ready.row.id: _settle_item(ctx, ready, by_bid.get(f"b{i}")) for i, ready in enumerate(prepared)}
    db.session.commit()  # every item's outcome at once
    return outcomes


def _settle_item(ctx: SyncContext, ready: Prepared, answer: dict | None) -> PushDecision:
    """One item's answer onto its own row: the created object, or its Fault classified like a single call."""
    row, mapped = ready.row, ready.mapped
    with log_context(tenant=row.tenant_id, activity=row.id, entity=row.entity_type):
        try:
            written = _written(ctx, ready, answer)
        except SyncError as error:
            return settle(row, error, commit=False)
        record_created(ctx, row, written)
        activity.mark_synced(row, str(written["Id"]), "; ".join(ready.notes) or None)
        if mapped.amount is not None:
            row.amount = mapped.amount
        activity.log_attempt(row)
        return PushDecision(ActivityStatus.SYNCED)


def _written(ctx: SyncContext, ready: Prepared, answer: dict | None) -> dict:
    """The object the item wrote (or our own one already holding its DocNumber); raises the item's error."""
    if answer is None:
        raise Transient(LEFT_OUT, outcome_unknown=True)
    if "Fault" not in answer:
        written = answer.get(ready.mapped.entity)
        if not isinstance(written, dict) or not written.get("Id"):
            raise Transient(LEFT_OUT, outcome_unknown=True)
        return written
    error = classify_fault(answer["Fault"])
    if isinstance(error, Duplicate):
        return adopt_or_refuse(ctx, ready.row, ready.mapped, error)
    raise error


def settle(
    row: SyncActivity, error: SkipRecord | SyncError, *, rollback: bool = False, commit: bool = True
) -> PushDecision:
    """Settle one row of the batch on its own: skipped, or through ``handle_failure``; logged.

    ``rollback`` first drops what a failed preparation left half done; ``commit=False`` leaves the commit
    to the caller (the item outcomes of one batch are committed together).
    """
    if rollback:
        activity_id = row.id
        db.session.rollback()
        row = db.session.get(SyncActivity, activity_id)
    if isinstance(error, SkipRecord):
        activity.mark_skipped(row, error.reason)
        outcome = PushDecision(ActivityStatus.SKIPPED)
    else:
        outcome = handle_failure(row, error)
    activity.log_attempt(row)
    if commit:
        db.session.commit()
    return outcome


def claim_many(activity_ids: list[int]) -> list[SyncActivity]:
    """Move the pending rows among these to syncing in one statement, in the given order (see ``claim``)."""
    query = (
        update(SyncActivity)
        .where(SyncActivity.id.in_(activity_ids), SyncActivity.status.in_(activity.PENDING))
        .values(status=ActivityStatus.SYNCING, attempts=SyncActivity.attempts + 1, next_attempt_at=None)
        .returning(SyncActivity.id)
        .execution_options(synchronize_session=False)
    )
    claimed = set(db.session.scalars(query).all())
    db.session.commit()
    rows = {row.id: row for row in db.session.scalars(select(SyncActivity).where(SyncActivity.id.in_(claimed)))}
    return [rows[activity_id] for activity_id in activity_ids if activity_id in rows]
