"""Reading and writing a tenant's per-entity watermark state."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Tenant, Watermark
from portal.models.base import utcnow
from portal.sync.watermark import WatermarkState


def observed_until() -> datetime:
    """Every change before this moment is listed by a poll starting now (server clock difference allowed)."""
    return utcnow() - timedelta(seconds=current_app.config["OPENBOXES_CLOCK_SKEW_SECONDS"])


def _row(tenant: Tenant, entity: str) -> Watermark | None:
    return db.session.scalar(select(Watermark).filter_by(tenant_id=tenant.id, entity_type=entity))


def load_state(tenant: Tenant, entity: str) -> WatermarkState:
    """The stored scan state, or a fresh one that starts at the tenant's ``sync_enabled_at``."""
    row = _row(tenant, entity)
    if row is None or not row.state:
        return WatermarkState.starting_at(tenant.sync_enabled_at or utcnow())
    return WatermarkState.from_json(row.state)


def load_raw(tenant: Tenant, entity: str) -> dict:
    row = _row(tenant, entity)
    return dict(row.state) if row is not None and row.state else {}


def save_state(tenant: Tenant, entity: str, state: dict) -> None:
    row = _row(tenant, entity)
    if row is None:
        row = Watermark(tenant_id=tenant.id, entity_type=entity)
        db.session.add(row)
    row.state = state
    row.position = state.get("position")
