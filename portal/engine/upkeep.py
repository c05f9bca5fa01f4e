"""Token upkeep: refresh QuickBooks tokens in the background, before anyone needs them.

Run every few minutes by ``jobs.maintenance.refresh_tokens``. Every refresh goes through
``DbTokenProvider.refresh`` (one Redis lock per connection), so upkeep and a push refreshing at the
same moment still make one call to Intuit and never strand a rotated refresh token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.audit import record_event
from portal.clients.quickbooks import AccessToken
from portal.engine.activity import PENDING
from portal.extensions import db
from portal.models import QuickBooksConnection, SyncActivity, Tenant
from portal.models.base import utcnow
from portal.qbo_tokens import DbTokenProvider
from portal.redis_conn import get_redis
from portal.sync.clock import token_refresh_reason
from portal.sync.errors import NeedsReconnect, SyncError

log = logging.getLogger(__name__)

REFRESH_AHEAD = timedelta(minutes=15)
ROTATE_AFTER = timedelta(hours=24)
# When the refresh token (rolling or hard limit) ends within this, a person must reconnect soon.
RECONNECT_WARNING = timedelta(days=14)


@dataclass
class UpkeepReport:
    """Tenant ids by what upkeep did for them."""

    refreshed: list[int] = field(default_factory=list)
    needs_reconnect: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    reconnect_soon: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {name: list(value) for name, value in self.__dict__.items()}


@dataclass(frozen=True)
class _Token:
    connection_id: int
    tenant_id: int
    access_token: str | None
    access_expires_at: datetime | None
    ends_at: datetime | None  # the earlier of the refresh token's rolling and hard expiry


def refresh_due_tokens(now: datetime | None = None, *, ahead=REFRESH_AHEAD, rotate_after=ROTATE_AFTER) -> UpkeepReport:
    """Refresh every connected tenant's token that is expiring while in use, or was last refreshed long ago."""
    now = now or utcnow()
    tokens, busy = _connected_tokens(), _busy_tenant_ids()
    db.session.commit()  # no read transaction held open while we call Intuit
    report = UpkeepReport()
    for token in tokens:
        in_use = token.tenant_id in busy
        if token_refresh_reason(token.access_expires_at, now, in_use=in_use, ahead=ahead, rotate_after=rotate_after):
            _refresh(token, report)
        if token.ends_at is not None and token.ends_at <= now + RECONNECT_WARNING:
            report.reconnect_soon.append(token.tenant_id)
    db.session.commit()
    return report


def _connected_tokens() -> list[_Token]:
    rows = db.session.scalars(select(QuickBooksConnection).filter_by(status="connected"))
    return [
        _Token(
            row.id,
            row.tenant_id,
            row.access_token,
            row.access_expires_at,
            min((t for t in (row.refresh_expires_at, row.refresh_hard_expires_at) if t is not None), default=None),
        )
        for row in rows
    ]


def _busy_tenant_ids() -> set[int]:
    """Tenants that will call QuickBooks soon: real-time mode, or rows waiting to be pushed."""
    realtime = db.session.scalars(select(Tenant.id).where(Tenant.sync_mode == "realtime"))
    pending = db.session.scalars(select(SyncActivity.tenant_id).where(SyncActivity.status.in_(PENDING)).distinct())
    return set(realtime) | set(pending)


def _refresh(token: _Token, report: UpkeepReport) -> None:
    expires = token.access_expires_at.timestamp() if token.access_expires_at else 0.0
    provider = DbTokenProvider(token.connection_id, get_redis())
    try:
        # Passing the token we saw: if someone refreshed it meanwhile, the provider keeps theirs.
        provider.refresh(AccessToken(token.access_token or "", expires))
    except NeedsReconnect as error:
        report.needs_reconnect.append(token.tenant_id)
        record_event("quickbooks.needs_reconnect", tenant_id=token.tenant_id, details={"reason": error.message})
    except SyncError as error:
        report.failed.append(token.tenant_id)
        log.warning("token upkeep tenant=%s: %s", token.tenant_id, error.message)
    else:
        report.refreshed.append(token.tenant_id)
