"""Sync bookkeeping: the idempotency ledger, watermarks, runs and the Integration Activity rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DDL, JSON, Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import TenantOwned, Timestamps, UTCDateTime, one_of, utcnow
from portal.sync.entities import ACTIVITY_STATUSES, ENTITY_TYPES, ActivityStatus

__all__ = ["ACTIVITY_STATUSES", "ENTITY_TYPES"]

RUN_TRIGGERS = ("realtime", "scheduled", "manual", "retry")
TRIGRAM_INDEX = "ix_sync_activity_number_trgm"
DRIFT_KINDS = ("edited", "deleted")


class EntityLink(TenantOwned, Timestamps, db.Model):
    """OpenBoxes id → QuickBooks id per realm; survives reconnects and is never reused across realms."""

    __table_args__ = (
        UniqueConstraint("tenant_id", "realm_id", "entity_type", "openboxes_id"),
        Index("ix_entity_link_realm_qbo", "realm_id", "entity_type", "qbo_id"),
        one_of("entity_type", ENTITY_TYPES),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    realm_id: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    openboxes_id: Mapped[str] = mapped_column(String(64))
    qbo_id: Mapped[str] = mapped_column(String(32))
    sync_token: Mapped[str | None] = mapped_column(String(16))
    content_hash: Mapped[str | None] = mapped_column(String(64))


class Watermark(TenantOwned, db.Model):
    __table_args__ = (UniqueConstraint("tenant_id", "entity_type"), one_of("entity_type", ENTITY_TYPES))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    position: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SyncRun(TenantOwned, db.Model):
    __table_args__ = (one_of("trigger", RUN_TRIGGERS),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    synced: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class SyncActivity(TenantOwned, Timestamps, db.Model):
    """One row per OpenBoxes record version: what the Integration Activity panel shows."""

    __table_args__ = (
        UniqueConstraint("tenant_id", "entity_type", "openboxes_id", "version"),
        Index("ix_sync_activity_panel_status", "tenant_id", "status", "updated_at"),
        Index("ix_sync_activity_panel_entity", "tenant_id", "entity_type", "updated_at"),
        Index("ix_sync_activity_number", "tenant_id", "openboxes_number"),
        # The panel at a million rows: newest first per tenant and across tenants, a run's rows, a status
        # across tenants (dashboard, support filters, bulk retry), and the number search (trigrams on
        # PostgreSQL, which serve ILIKE '%term%'; a plain index elsewhere; see migration 9c4e2b7d1a30).
        Index("ix_sync_activity_tenant_updated", "tenant_id", "updated_at", "id"),
        Index("ix_sync_activity_updated", "updated_at", "id"),
        Index("ix_sync_activity_run", "run_id"),
        Index("ix_sync_activity_status_updated", "status", "updated_at", "tenant_id"),
        Index(
            TRIGRAM_INDEX,
            "openboxes_number",
            postgresql_using="gin",
            postgresql_ops={"openboxes_number": "gin_trgm_ops"},
        ),
        one_of("entity_type", ENTITY_TYPES),
        one_of("status", ACTIVITY_STATUSES),
        one_of("drift", DRIFT_KINDS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_run.id", ondelete="SET NULL"))
    entity_type: Mapped[str] = mapped_column(String(32))
    openboxes_id: Mapped[str] = mapped_column(String(64))
    openboxes_number: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ActivityStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_category: Mapped[str | None] = mapped_column(String(32))
    qbo_error_code: Mapped[str | None] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    realm_id: Mapped[str | None] = mapped_column(String(32))
    qbo_id: Mapped[str | None] = mapped_column(String(32))
    request_id: Mapped[str | None] = mapped_column(String(64))
    # Bumped when a person retries after QuickBooks definitely refused: a reused requestid would
    # only replay the stored refusal.
    request_generation: Mapped[int] = mapped_column(Integer, default=0)
    # The last attempt may have been applied (no answer): look the document up before creating it.
    outcome_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str | None] = mapped_column(String(255))
    # The OpenBoxes record as polled (with the details fetched for it): pushes map this snapshot, so a
    # version is pushed exactly as it was seen, and a push never needs OpenBoxes to be up.
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    # What each push attempt (and each retry or ignore by a person) ended in, oldest first, capped:
    # the detail page's attempt history. Entries: at, attempt, status, category, code, message.
    attempt_log: Mapped[list | None] = mapped_column(JSON)
    # Drift watch: the QuickBooks document was ``edited`` or ``deleted`` there after we synced it (what
    # changed in ``drift_detail``); cleared when the row is pushed again.
    drift: Mapped[str | None] = mapped_column(String(16))
    drift_detail: Mapped[str | None] = mapped_column(Text)
    drift_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ``create_all`` (the tests, a fresh demo) needs the extension behind the trigram index on PostgreSQL.
event.listen(
    SyncActivity.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
