"""A tenant's two connections: the OpenBoxes instance it reads and the QuickBooks company it writes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedText
from portal.extensions import db
from portal.models.base import TenantOwned, Timestamps, UTCDateTime, one_of

QBO_STATUSES = ("connected", "needs_reconnect", "disconnected")


class OpenBoxesConnection(TenantOwned, Timestamps, db.Model):
    __tablename__ = "openboxes_connection"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    base_url: Mapped[str] = mapped_column(String(500))
    username: Mapped[str] = mapped_column(String(200))
    password: Mapped[str] = mapped_column(EncryptedText)
    location_id: Mapped[str] = mapped_column(String(64))
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_check_message: Mapped[str | None] = mapped_column(String(500))


class QuickBooksConnection(TenantOwned, Timestamps, db.Model):
    __tablename__ = "quickbooks_connection"
    __table_args__ = (UniqueConstraint("tenant_id"), one_of("status", QBO_STATUSES))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    realm_id: Mapped[str] = mapped_column(String(32), index=True)
    company_name: Mapped[str | None] = mapped_column(String(255))
    plan: Mapped[str | None] = mapped_column(String(32))
    home_currency: Mapped[str | None] = mapped_column(String(3))
    multicurrency: Mapped[bool] = mapped_column(Boolean, default=False)
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_hard_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="connected")
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Drift watch: QuickBooks' change feed was last read up to here (the next look asks for changes since).
    cdc_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    connected_by = relationship("User")
