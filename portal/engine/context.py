"""Everything a push needs for one tenant: its QuickBooks connection, client and the mapper refs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import ClassVar

from flask import current_app, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import defer

from portal.clients.quickbooks import QuickBooksClient
from portal.clients.ratelimit import Limits, RealmRateLimiter
from portal.engine.opening_state import stored_opening
from portal.extensions import db
from portal.metrics import record_qbo_call
from portal.models import AccountMapping, QuickBooksConnection, Tenant
from portal.models.base import utcnow
from portal.qbo_tokens import DbTokenProvider
from portal.redis_conn import get_redis
from portal.sync.dates import local_date
from portal.sync.errors import NeedsReconnect, describe_not_connected
from portal.sync.names import latin1_texts
from portal.sync.refs import Account, Opening, Refs

INVENTORY_START_LEAD_DAYS = 365
# Inside a console request every QuickBooks call must leave room under gunicorn's 25 s for the others
# (the OAuth callback makes three in turn); a job has time to wait for a slow answer.
WEB_CALL_TIMEOUT_SECONDS = 5
JOB_CALL_TIMEOUT_SECONDS = 30


@dataclass
class SyncContext:
    tenant: Tenant
    connection: QuickBooksConnection
    client: QuickBooksClient
    notes: list[str] = field(default_factory=list)  # said on the row when it is synced
    accounts: dict[str, Account] | None = None  # the tenant's account mappings, read at the first refs()
    writes: ClassVar[bool] = True  # False for a dry run: nothing it does is written anywhere

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def outgoing(self, payload: dict) -> dict:
        """The body to send: names changed to what a US company stores when the tenant chose so (noted)."""
        if not self.tenant.transliterate_names:
            return payload
        changed: list[tuple[str, str]] = []
        fixed = latin1_texts(payload, changed)
        for before, after in changed:
            self.note(f"Changed for QuickBooks (Western European characters only): ‘{before}’ → ‘{after}’")
        return fixed

    def refs(self, **links: dict[str, str]) -> Refs:
        """Mapper refs with the given links (``vendors=``, ``customers=``, ``items=``)."""
        return build_refs(self, **links)

    @staticmethod
    def commit() -> None:
        db.session.commit()

    @property
    def realm(self) -> str:
        return self.connection.realm_id

    @property
    def tenant_id(self) -> int:
        return self.tenant.id


def rate_limits(config) -> Limits:
    """Our share of Intuit's per-realm limits; the per-second limit runs on the window's clock (a 60th of it).

    A push waits in the limiter at most about one step of its realm's pace (1/8 s): its turn among the
    realm's own calls. A longer wait means the realm's budget is spent, and the push is deferred instead,
    so a worker never sleeps on one realm's job while other realms' jobs are waiting.
    """
    window = config["QBO_RATE_WINDOW_SECONDS"]
    per_second = config["QBO_RATE_PER_SECOND"]
    step = window / 60 / per_second
    return Limits(
        budget=config["QBO_RATE_BUDGET"],
        window_seconds=window,
        per_second=per_second,
        second_seconds=window / 60,
        concurrency=config["QBO_MAX_CONCURRENCY"],
        batch_budget=config["QBO_BATCH_BUDGET"],
        batch_items_count=config["QBO_BATCH_ITEMS_COUNT"],
        max_wait_seconds=min(1.0, 1.5 * step),
    )


def load_context(tenant_id: int) -> SyncContext:
    """The tenant's live QuickBooks connection and a client for it. Raises NeedsReconnect."""
    # One query for both rows. The tokens are not decrypted here: the token provider serves them from its
    # cache while the row's updated_at says they have not changed.
    tokens = (defer(QuickBooksConnection.access_token), defer(QuickBooksConnection.refresh_token))
    query = (
        select(Tenant, QuickBooksConnection)
        .outerjoin(QuickBooksConnection, QuickBooksConnection.tenant_id == Tenant.id)
        .where(Tenant.id == tenant_id)
        .options(*tokens)
    )
    tenant, connection = db.session.execute(query).one()
    if connection is None or connection.status != "connected":
        raise NeedsReconnect(describe_not_connected(connection.status if connection else None))
    config = current_app.config
    redis = get_redis()
    client = QuickBooksClient(
        connection.realm_id,
        DbTokenProvider(connection.id, redis, stamp=connection.updated_at),
        api_base=config["QBO_API_BASE"],
        timeout=WEB_CALL_TIMEOUT_SECONDS if has_request_context() else JOB_CALL_TIMEOUT_SECONDS,
        limiter=RealmRateLimiter(redis, rate_limits(config)),
        observer=lambda realm, status: record_qbo_call(redis, realm, status),
    )
    return SyncContext(tenant, connection, client)


@contextmanager
def kept_across_commits() -> Iterator[None]:
    """Within the block, a commit does not expire what the session holds (the claimed row, the tenant, its
    connection): a push owns its row, so reading them again after each of its commits only costs queries.
    Everything is expired when the block ends, so the next job reads fresh rows."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before
        session.expire_all()


def account_label(mapping: AccountMapping) -> str:
    return f"{mapping.account_number} - {mapping.account_name}" if mapping.account_number else mapping.account_name


def build_refs(
    ctx: SyncContext,
    *,
    vendors: dict[str, str] | None = None,
    customers: dict[str, str] | None = None,
    items: dict[str, str] | None = None,
) -> Refs:
    """Mapper refs: company facts, the tenant's options and mappings, and the links already known."""
    if ctx.accounts is None:  # read once per push: an order asks for refs more than once
        mappings = db.session.scalars(select(AccountMapping).filter_by(tenant_id=ctx.tenant_id))
        ctx.accounts = {m.role: Account(m.qbo_account_id, account_label(m)) for m in mappings}
    return Refs(
        plan=ctx.connection.plan or "Plus",
        home_currency=ctx.connection.home_currency or "USD",
        multicurrency=bool(ctx.connection.multicurrency),
        accounts=ctx.accounts,
        vendors=vendors or {},
        customers=customers or {},
        items=items or {},
        po_target=ctx.tenant.po_target,
        shipment_target=ctx.tenant.shipment_target,
        timezone=ctx.tenant.timezone or "UTC",
        inventory_start_date=inventory_start_date(ctx.tenant),
        opening=opening_refs(ctx.tenant),
    )


def opening_refs(tenant: Tenant) -> Opening | None:
    """The kept opening stock as of the start's local day, when the tenant has it on (else None)."""
    stock = stored_opening(tenant)
    if stock is None and tenant.opening_stock:  # OpenBoxes was down when the start was set: the poll reads it
        return Opening(local_date(tenant.sync_enabled_at or utcnow(), tenant.timezone or "UTC"), pending=True)
    if stock is None:
        return None
    return Opening(local_date(stock.start, tenant.timezone or "UTC"), stock.quantities)


def inventory_start_date(tenant: Tenant) -> date | None:
    """Items we create start tracking a year before syncing was enabled.

    Their opening quantity is 0, so an early start posts nothing, while shipments and adjustments
    backdated into that year still find the item started (QuickBooks refuses them otherwise, 6270).
    With opening stock on they start on the same day, with their opening quantity (``opening_refs``).
    """
    if tenant.sync_enabled_at is None:
        return None
    return (tenant.sync_enabled_at - timedelta(days=INVENTORY_START_LEAD_DAYS)).date()
