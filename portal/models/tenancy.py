"""Tenants (one OpenBoxes instance ↔ one QuickBooks company) and the people who use the console."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from portal.crypto import EncryptedText
from portal.extensions import db
from portal.models.base import Timestamps, UTCDateTime, one_of
from portal.sync.entities import PO_TARGETS, SHIPMENT_TARGETS

SYNC_MODES = ("realtime", "scheduled", "manual")
PRODUCT_LINK_MODES = ("auto_create", "manual")
ROLES = ("support", "tenant_admin")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Tenant(Timestamps, db.Model):
    __table_args__ = (
        one_of("sync_mode", SYNC_MODES),
        one_of("po_target", PO_TARGETS),
        one_of("shipment_target", SHIPMENT_TARGETS),
        one_of("product_link_mode", PRODUCT_LINK_MODES),
        CheckConstraint("realtime_interval_minutes BETWEEN 1 AND 5", name="realtime_interval_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    sync_mode: Mapped[str] = mapped_column(String(16), default="manual")
    realtime_interval_minutes: Mapped[int] = mapped_column(Integer, default=5)
    daily_time: Mapped[str] = mapped_column(String(5), default="02:00")
    sync_purchase_orders: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_suppliers: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_shipments: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_products: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_adjustments: Mapped[bool] = mapped_column(Boolean, default=True)
    po_target: Mapped[str] = mapped_column(String(16), default="PurchaseOrder")
    shipment_target: Mapped[str] = mapped_column(String(16), default="Invoice")
    product_link_mode: Mapped[str] = mapped_column(String(16), default="auto_create")
    # Names beyond a US QuickBooks company's character set are changed to it (``to_latin1``) instead of failing.
    transliterate_names: Mapped[bool] = mapped_column(Boolean, default=False)
    # Inventory items start with OpenBoxes' on-hand quantity at the start date (``portal.sync.opening``).
    opening_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    opening_baseline: Mapped[dict | None] = mapped_column(JSON)  # ``OpeningStock.to_json()`` as of the start
    sync_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest_webhook_url: Mapped[str | None] = mapped_column(EncryptedText)  # its path is often the credential
    # Addresses the tenant admin named for failure alerts (one per line, normalised), besides the admins.
    alert_emails: Mapped[str | None] = mapped_column(Text)
    last_digest_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_digest_reconnect: Mapped[bool] = mapped_column(Boolean, default=False)  # the last digest asked to reconnect
    digest_reminder_week: Mapped[str | None] = mapped_column(String(8))  # ISO week of the last reminder, "2026-W05"

    def __str__(self) -> str:
        return self.name


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "app_user"
    __table_args__ = (
        one_of("role", ROLES),
        CheckConstraint(
            "(role = 'support' AND tenant_id IS NULL) OR (role = 'tenant_admin' AND tenant_id IS NOT NULL)",
            name="role_matches_tenant",
        ),
        # With the unique email, one account per address whatever its case (login ignores case).
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session cookie; a new value ends all of the user's sessions (see get_id).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    tenant = relationship("Tenant")

    @validates("email")
    def _lower_case_email(self, key: str, value: str | None) -> str | None:
        return value.strip().lower() if value else value

    def get_id(self) -> str:
        """Flask-Login keeps this in the session: a cookie only works while its token is current."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Sign the user out everywhere (every browser, every copied cookie)."""
        self.session_token = new_session_token()

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_support(self) -> bool:
        return self.role == "support"

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.end_sessions()  # whoever knew the old password is signed out

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __str__(self) -> str:
        return self.email
