"""Change Data Capture: ``GET /v3/company/{realm}/cdc?entities=A,B&changedSince=<datetime>``.

Answers ``{"CDCResponse": [{"QueryResponse": [{"Vendor": [...]}, {"Item": [...]}]}], "time": ...}``: per
entity asked, the objects whose ``MetaData.LastUpdatedTime`` is at or after ``changedSince`` (inactive ones
included), and the deleted ones as ``{"Id", "status": "Deleted", "MetaData": {"LastUpdatedTime"}}``. At
most 30 days back and 1,000 objects per answer, as Intuit documents; the fault codes for breaking those
limits are not documented (see the sandbox README).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import faults
from .clock import PACIFIC
from .entities import BY_NAME
from .rules import Ctx

MAX_LOOKBACK = timedelta(days=30)
MAX_OBJECTS = 1000


def changes(ctx: Ctx, entities: str | None, changed_since: str | None) -> dict:
    """The CDC answer for the comma-separated ``entities`` since ``changed_since`` (ISO with offset)."""
    if not entities:
        raise faults.required_missing("entities")
    since = _since(changed_since)
    responses, total = [], 0
    for name in [part.strip() for part in entities.split(",") if part.strip()]:
        spec = BY_NAME.get(name.lower())
        if spec is None:
            raise faults.query_parse_error(f"Invalid entity {name!r} in entities")
        changed = [row for row in ctx.records(spec.name) if _at(row) >= since]
        changed += [tomb for tomb in ctx.company.deleted.get(spec.name, {}).values() if _at(tomb) >= since]
        total += len(changed)
        responses.append({spec.name: sorted(changed, key=_at), "startPosition": 1, "maxResults": len(changed)})
    if total > MAX_OBJECTS:
        raise faults.query_invalid(f"CDC found {total} objects, more than {MAX_OBJECTS}: ask for a shorter window")
    return {"CDCResponse": [{"QueryResponse": responses}]}


def _since(text: str | None) -> datetime:
    if not text:
        raise faults.required_missing("changedSince")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise faults.invalid_string("changedSince", f"{text!r} is not a date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PACIFIC)  # the company's zone
    if moment < datetime.now(PACIFIC) - MAX_LOOKBACK:
        raise faults.query_invalid("changedSince must be within the last 30 days")
    return moment


def _at(row: dict) -> datetime:
    return datetime.fromisoformat(row["MetaData"]["LastUpdatedTime"])
