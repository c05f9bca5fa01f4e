"""Writing one QuickBooks document (or name-list update) exactly once.

Create with a deterministic requestid (a retry replays instead of duplicating); after an unknown
outcome, or when QuickBooks says the DocNumber is taken, look the document up by DocNumber and adopt it
only if its PrivateNote marker names the same OpenBoxes record. Updates are sparse, with the SyncToken
from the ledger, re-read once on a stale SyncToken (5010).
"""

from __future__ import annotations

from portal.engine.context import SyncContext
from portal.engine.links import find_link, save_link
from portal.models import SyncActivity
from portal.sync.errors import Conflict, Duplicate, Permanent
from portal.sync.identity import parse_marker, request_id
from portal.sync.mappers import Mapped


def activity_request_id(ctx: SyncContext, row: SyncActivity, suffix: str = "") -> str:
    return request_id(ctx.realm, row.entity_type + suffix, row.openboxes_id, row.version, row.request_generation)


def write_document(ctx: SyncContext, row: SyncActivity, mapped: Mapped) -> dict:
    """Create or update the document for ``row``; record the link; return QuickBooks' object."""
    link = find_link(ctx.tenant_id, ctx.realm, row.entity_type, row.openboxes_id)
    if link is not None and link.content_hash == row.version:
        return {"Id": link.qbo_id, "SyncToken": link.sync_token}
    if link is not None:
        written = update_object(ctx, mapped.entity, link.qbo_id, link.sync_token, mapped.payload, row)
    else:
        written = _create_document(ctx, row, mapped)
    save_link(ctx.tenant_id, ctx.realm, row.entity_type, row.openboxes_id, written, row.version)
    return written


def _create_document(ctx: SyncContext, row: SyncActivity, mapped: Mapped) -> dict:
    if row.outcome_unknown:
        adopted = adopt_by_marker(ctx, row, mapped)
        if adopted is not None:
            return adopted
    try:
        return ctx.client.create(mapped.entity, ctx.outgoing(mapped.payload), activity_request_id(ctx, row))
    except Duplicate as duplicate:
        return adopt_or_refuse(ctx, row, mapped, duplicate)


def adopt_or_refuse(ctx: SyncContext, row: SyncActivity, mapped: Mapped, duplicate: Duplicate) -> dict:
    """The DocNumber is taken: ours (the marker names this record) is adopted, anyone else's is refused."""
    adopted = adopt_by_marker(ctx, row, mapped)
    if adopted is not None:
        return adopted
    number = mapped.lookup.get("DocNumber")
    raise Permanent(
        f"QuickBooks already has a {duplicate.existing_type or mapped.entity} numbered {number} that did not "
        f"come from this OpenBoxes record: renumber or delete it in QuickBooks, then retry",
        duplicate.code,
    ) from duplicate


def needs_create(ctx: SyncContext, row: SyncActivity) -> bool:
    """True when ``row`` is a plain create: no linked document yet, and no earlier attempt of unknown outcome."""
    return not row.outcome_unknown and find_link(ctx.tenant_id, ctx.realm, row.entity_type, row.openboxes_id) is None


def record_created(ctx: SyncContext, row: SyncActivity, written: dict) -> None:
    """Link ``row``'s record to the document QuickBooks created (or that was adopted) for it."""
    save_link(ctx.tenant_id, ctx.realm, row.entity_type, row.openboxes_id, written, row.version)


def adopt_by_marker(ctx: SyncContext, row: SyncActivity, mapped: Mapped) -> dict | None:
    """The document with this DocNumber whose marker names this OpenBoxes record, if any."""
    number = mapped.lookup.get("DocNumber")
    if not number:
        return None
    for found in ctx.client.find_by_doc_number(mapped.entity, number):
        note = parse_marker(found.get("PrivateNote"))
        if note is not None and note.matches(row.entity_type, row.openboxes_id):
            return found
    return None


def update_object(
    ctx: SyncContext, entity: str, qbo_id: str, sync_token: str | None, fields: dict, row: SyncActivity
) -> dict:
    """Sparse update; on a stale SyncToken re-read the object once and apply the change again."""
    body = {**ctx.outgoing(fields), "Id": qbo_id, "SyncToken": sync_token or "0"}
    try:
        return ctx.client.update(entity, body, activity_request_id(ctx, row, "-update"))
    except Conflict:
        fresh = ctx.client.read(entity, qbo_id)
        body["SyncToken"] = fresh["SyncToken"]
        return ctx.client.update(entity, body, activity_request_id(ctx, row, f"-update-{fresh['SyncToken']}"))
