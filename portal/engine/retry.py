"""Retrying rows by hand (one or in bulk): fresh attempts, then back to the queue."""

from __future__ import annotations

from sqlalchemy import select

from portal.engine import activity
from portal.extensions import db
from portal.models import SyncActivity


def retry_rows(activity_ids: list[int], tenant_id: int | None = None, requested_by: str | None = None) -> list[int]:
    """Reset the retryable rows among ``activity_ids`` (optionally of one tenant); return their ids."""
    query = select(SyncActivity).where(SyncActivity.id.in_(activity_ids))
    if tenant_id is not None:
        query = query.where(SyncActivity.tenant_id == tenant_id)
    reset = [row.id for row in db.session.scalars(query) if activity.reset_for_retry(row, requested_by)]
    db.session.commit()
    return reset
