"""The console's "Preview what would be sent": a dry run of one pending or failed row (nothing is written)."""

from __future__ import annotations

import json

from portal.engine.dryrun import Preview, preview_push
from portal.models import SyncActivity
from portal.sync.entities import ActivityStatus

PREVIEWABLE = (ActivityStatus.QUEUED, ActivityStatus.RETRYING, ActivityStatus.SYNC_FAILED)


def can_preview(row: SyncActivity) -> bool:
    """Only rows still to be pushed (pending or failed) have something to preview."""
    return row.status in PREVIEWABLE


def preview_activity(row: SyncActivity) -> Preview:
    """The dry run of ``row``; raises ValueError for a row that is not pending or failed."""
    if not can_preview(row):
        raise ValueError("Only queued, retrying or Sync Failed rows can be previewed: this one is not pending")
    return preview_push(row)


def pretty(payload: dict) -> str:
    """The body as QuickBooks would receive it, indented."""
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True)
