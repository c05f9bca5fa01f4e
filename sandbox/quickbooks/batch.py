"""``POST /batch``: up to 30 items, each answered on its own (HTTP 200 even when items fail)."""

from __future__ import annotations

from dataclasses import replace

from . import entities, faults, query
from .clock import timestamp
from .rules import Ctx

ITEM_KEYS = {"bId", "operation", "optionsData"}


def run_batch(ctx: Ctx, body: dict, max_items: int, bid_limit: int | None) -> dict:
    items = body.get("BatchItemRequest")
    if not isinstance(items, list) or not items:
        raise faults.required_missing("BatchItemRequest")
    if len(items) > max_items:
        detail = f"Batch size {len(items)} exceeds the maximum of {max_items} items"
        raise faults.QboError("1040", "Batch size exceeds allowed limit", detail, "BatchItemRequest")
    _check_bids(items, bid_limit)
    created: set[tuple[str, str]] = set()
    answers = []
    for item in items:
        # Each item sees the company as it was before the batch: earlier creations stay hidden.
        item_ctx = replace(ctx, hidden=set(created))
        answer = {"bId": item["bId"]}
        try:
            answer.update(_run_item(item_ctx, item, created))
        except faults.QboError as error:
            answer["Fault"] = error.fault()
        answers.append(answer)
    return {"BatchItemResponse": answers, "time": timestamp(millis=True)}


def _check_bids(items: list, bid_limit: int | None) -> None:
    seen = set()
    for item in items:
        bid = item.get("bId") if isinstance(item, dict) else None
        if not bid:
            raise faults.required_missing("bId")
        if bid in seen:
            raise faults.QboError("2010", "Request has invalid or unsupported property", f"Duplicate bId {bid}", "bId")
        if bid_limit is not None and len(str(bid)) > bid_limit:
            raise faults.bad_length("bId", len(str(bid)), bid_limit, 1)
        seen.add(bid)


def _run_item(ctx: Ctx, item: dict, created: set[tuple[str, str]]) -> dict:
    if "Query" in item:
        return {"QueryResponse": query.run(ctx, str(item["Query"]))}
    names = [key for key in item if key not in ITEM_KEYS]
    spec = entities.BY_NAME.get(names[0].lower()) if len(names) == 1 else None
    if spec is None or spec.name != names[0] or not isinstance(item[names[0]], dict):
        raise faults.unsupported_operation(f"batch item {sorted(names)}")
    operation = item.get("operation", "")
    if item.get("optionsData") or operation not in ("create", "update", "delete"):
        raise faults.unsupported_operation(f"operation={operation} optionsData={item.get('optionsData')}")
    body = item[spec.name]
    if operation == "delete":
        return {spec.name: entities.delete(ctx, spec, body)}
    if operation == "update":
        return {spec.name: entities.update(ctx, spec, body)}
    record = entities.create(ctx, spec, body)
    created.add((spec.name, record["Id"]))
    return {spec.name: record}
