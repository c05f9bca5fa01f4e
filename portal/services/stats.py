"""What the dashboard shows: counts by status, synced and failed per day, top failure reasons, runs.

Every function takes ``tenant_id``: one tenant's figures, or None for every tenant (support staff). The
caller decides which (the console passes the signed-in user's tenant). A tenant's days are days in its
time zone; the cross-tenant figures use UTC days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, cast, func, literal_column, select

from portal.extensions import db
from portal.models import OpenBoxesConnection, QuickBooksConnection, SyncActivity, SyncRun, Tenant
from portal.models.base import utcnow
from portal.models.sync import ACTIVITY_STATUSES
from portal.sync.entities import ActivityStatus

CHART_DAYS = 14
TOP_REASONS = 5
# Rows are counted per quarter hour in SQL, then put on local days here: every UTC offset in use today is a
# whole number of quarter hours (India +5:30, Nepal +5:45), so no bucket straddles a local midnight.
BUCKET_SECONDS = 900
DAY_SECONDS = 86400


@dataclass(frozen=True)
class DayCount:
    day: date
    synced: int
    failed: int


@dataclass(frozen=True)
class Connections:
    """A tenant's two connections and whether QuickBooks must be reconnected by a person."""

    quickbooks: QuickBooksConnection | None
    openboxes: OpenBoxesConnection | None
    needs_reconnect: bool


@dataclass
class TenantSummary:
    """One row of the support overview."""

    tenant: Tenant
    connections: Connections
    last_run: SyncRun | None
    counts: dict[str, int] = field(default_factory=dict)
    last_run_counts: dict[str, int] = field(default_factory=dict)


def _scoped(query, model, tenant_id: int | None):
    return query if tenant_id is None else query.where(model.tenant_id == tenant_id)


def status_counts(tenant_id: int | None) -> dict[str, int]:
    """Rows per status (every status present, zero when none)."""
    query = _scoped(select(SyncActivity.status, func.count()), SyncActivity, tenant_id)
    found = dict(db.session.execute(query.group_by(SyncActivity.status)).all())
    return {status: found.get(status, 0) for status in ACTIVITY_STATUSES}


def counts_by_tenant() -> dict[int, dict[str, int]]:
    """{tenant id: {status: rows}} for every tenant with rows (support overview), in one query."""
    query = select(SyncActivity.tenant_id, SyncActivity.status, func.count())
    counts: dict[int, dict[str, int]] = {}
    for tenant_id, status, number in db.session.execute(query.group_by(SyncActivity.tenant_id, SyncActivity.status)):
        counts.setdefault(tenant_id, dict.fromkeys(ACTIVITY_STATUSES, 0))[status] = number
    return counts


OPEN_STATUSES = (ActivityStatus.QUEUED, ActivityStatus.SYNCING, ActivityStatus.RETRYING, ActivityStatus.SYNC_FAILED)
HISTORY_STATUSES = (ActivityStatus.SYNCED, ActivityStatus.SKIPPED)


def open_counts_by_tenant() -> dict[int, dict[str, int]]:
    """Per tenant, the open rows (queued, syncing, retrying, Sync Failed: the work, however old), from the
    (status, updated_at, tenant_id) index without the table; every status present."""
    grouping = (SyncActivity.tenant_id, SyncActivity.status)
    query = select(*grouping, func.count()).where(SyncActivity.status.in_(OPEN_STATUSES)).group_by(*grouping)
    counts: dict[int, dict[str, int]] = {}
    for tenant_id, status, number in db.session.execute(query):
        counts.setdefault(tenant_id, dict.fromkeys(ACTIVITY_STATUSES, 0))[status] = number
    return counts


def support_overview(days: int = CHART_DAYS, today: date | None = None) -> tuple[list[DayCount], dict]:
    """The cross-tenant chart (UTC days) and, per tenant, the open rows plus those that ended synced or
    skipped on the chart's days: one read of the window, one of the open rows. Counting every synced row
    ever would read all of them (a million) on every visit; the history is bounded to the chart's days."""
    first, found = _window(days, today, "UTC")
    per_tenant = open_counts_by_tenant()
    for (tenant_id, day, status), number in _window_counts(first, "UTC", by_tenant=True).items():
        found[(None, day, status)] += number
        if status in HISTORY_STATUSES:
            per_tenant.setdefault(tenant_id, dict.fromkeys(ACTIVITY_STATUSES, 0))[status] += number
    return _day_counts(first, days, found), per_tenant


def _bucket(column, seconds: int):
    """Whole ``seconds`` since the epoch of a timestamp column, on every backend."""
    # Literals, not bound parameters: PostgreSQL would see the SELECT and GROUP BY copies as different.
    size = literal_column(str(seconds))
    if db.session.get_bind().dialect.name == "postgresql":
        # date_part is double precision; extract() is numeric since PostgreSQL 14, several times slower here.
        return func.floor(func.date_part("epoch", column) / size)
    return cast(func.strftime(literal_column("'%s'"), column), Integer) // size  # SQLite holds UTC text


def _window(days: int, today: date | None, zone: str) -> tuple[date, Counter]:
    today = today or utcnow().astimezone(ZoneInfo(zone)).date()
    return today - timedelta(days=days - 1), Counter()


def _window_counts(
    first: date, zone: str, tenant_id: int | None = None, by_tenant: bool = False
) -> Counter[tuple[int | None, date, str]]:
    """Rows that ended synced, Sync Failed or skipped from ``first`` on, per (tenant or None, day in ``zone``,
    status). UTC days are counted by day in SQL; other zones by quarter hour, put on local days here."""
    tz = ZoneInfo(zone)
    size = DAY_SECONDS if zone == "UTC" else BUCKET_SECONDS
    bucket = _bucket(SyncActivity.updated_at, size)
    grouping = (SyncActivity.tenant_id if by_tenant else literal_column("NULL"), bucket, SyncActivity.status)
    query = (
        select(*grouping, func.count())
        .where(SyncActivity.status.in_((*HISTORY_STATUSES, ActivityStatus.SYNC_FAILED)))
        .where(SyncActivity.updated_at >= datetime.combine(first, time(), tzinfo=tz))
        .group_by(*grouping[int(not by_tenant) :])
    )
    found: Counter[tuple[int | None, date, str]] = Counter()
    for owner, slot, status, number in db.session.execute(_scoped(query, SyncActivity, tenant_id)):
        found[(owner, datetime.fromtimestamp(int(slot) * size, tz).date(), status)] += number
    return found


def _day_counts(first: date, days: int, found: Counter) -> list[DayCount]:
    every_day = (first + timedelta(days=offset) for offset in range(days))
    return [
        DayCount(when, found[(None, when, ActivityStatus.SYNCED)], found[(None, when, ActivityStatus.SYNC_FAILED)])
        for when in every_day
    ]


def daily_outcomes(
    tenant_id: int | None, days: int = CHART_DAYS, today: date | None = None, zone: str = "UTC"
) -> list[DayCount]:
    """Rows that ended synced or Sync Failed per day in ``zone`` (by their last change), oldest day first."""
    first, _ = _window(days, today, zone)
    found = _window_counts(first, zone, tenant_id)
    return _day_counts(first, days, Counter({(None, day, status): n for (_, day, status), n in found.items()}))


def top_failure_reasons(tenant_id: int | None, limit: int = TOP_REASONS) -> list[tuple[str, int]]:
    """The most frequent messages among Sync Failed rows, with how many rows carry each."""
    reason = SyncActivity.message
    query = select(reason, func.count()).where(SyncActivity.status == ActivityStatus.SYNC_FAILED)
    query = _scoped(query, SyncActivity, tenant_id).group_by(reason).order_by(func.count().desc(), reason).limit(limit)
    return [(text or "No reason recorded", number) for text, number in db.session.execute(query)]


RUN_OUTCOMES = {
    ActivityStatus.SYNCED: "synced",
    ActivityStatus.SYNC_FAILED: "failed",
    ActivityStatus.SKIPPED: "skipped",
    ActivityStatus.QUEUED: "waiting",
    ActivityStatus.SYNCING: "waiting",
    ActivityStatus.RETRYING: "waiting",
}


def last_run(tenant_id: int | None, busy: bool = False) -> SyncRun | None:
    """The newest run (``busy``: the newest that fetched at least one record)."""
    query = _scoped(select(SyncRun), SyncRun, tenant_id).order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
    if busy:
        query = query.where(SyncRun.fetched > 0)
    return db.session.scalars(query.limit(1)).first()


def last_synced_at(tenant_id: int | None) -> datetime | None:
    """When a row last reached QuickBooks."""
    query = _scoped(select(func.max(SyncActivity.updated_at)), SyncActivity, tenant_id)
    return db.session.scalar(query.where(SyncActivity.status == ActivityStatus.SYNCED))


def run_counts(run: SyncRun | None) -> dict[str, int]:
    """Where the rows a run queued stand now, per status (pushes finish after the poll that made the run)."""
    if run is None:
        return {}
    query = select(SyncActivity.status, func.count()).where(SyncActivity.run_id == run.id)
    found = dict(db.session.execute(query.group_by(SyncActivity.status)).all())
    return {status: found.get(status, 0) for status in ACTIVITY_STATUSES}


def run_outcomes(run_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per run, its rows synced, failed, skipped and still waiting, in one query."""
    query = (
        select(SyncActivity.run_id, SyncActivity.status, func.count())
        .where(SyncActivity.run_id.in_(run_ids))
        .group_by(SyncActivity.run_id, SyncActivity.status)
    )
    outcomes: dict[int, dict[str, int]] = {run_id: dict.fromkeys(RUN_OUTCOMES.values(), 0) for run_id in run_ids}
    for run_id, status, count in db.session.execute(query):
        outcomes[run_id][RUN_OUTCOMES[status]] += count
    return outcomes


def connections(tenant_id: int) -> Connections:
    quickbooks = db.session.scalars(select(QuickBooksConnection).filter_by(tenant_id=tenant_id)).first()
    openboxes = db.session.scalars(select(OpenBoxesConnection).filter_by(tenant_id=tenant_id)).first()
    return Connections(quickbooks, openboxes, needs_reconnect(quickbooks))


def needs_reconnect(connection: QuickBooksConnection | None, now: datetime | None = None) -> bool:
    """True when QuickBooks refused the grant, or the refresh token has expired (nothing can renew it)."""
    if connection is None or connection.status == "disconnected":
        return False
    if connection.status == "needs_reconnect":
        return True
    now = now or utcnow()
    expiries = (connection.refresh_expires_at, connection.refresh_hard_expires_at)
    return any(expiry is not None and expiry <= now for expiry in expiries)


def tenant_summaries(counts: dict[int, dict[str, int]] | None = None) -> list[TenantSummary]:
    """Every tenant with its connections, last run and counts by status (support staff only).

    A fixed number of queries whatever the number of tenants; ``counts`` (``counts_by_tenant()``) when the
    caller already has them.
    """
    counts = counts_by_tenant() if counts is None else counts
    empty = dict.fromkeys(ACTIVITY_STATUSES, 0)
    runs = last_runs_by_tenant()
    per_run = run_counts_many([run.id for run in runs.values()])
    quickbooks = {c.tenant_id: c for c in db.session.scalars(select(QuickBooksConnection))}
    openboxes = {c.tenant_id: c for c in db.session.scalars(select(OpenBoxesConnection))}
    summaries = []
    for tenant in db.session.scalars(select(Tenant).order_by(Tenant.name)):
        qbo, run = quickbooks.get(tenant.id), runs.get(tenant.id)
        links = Connections(qbo, openboxes.get(tenant.id), needs_reconnect(qbo))
        summaries.append(
            TenantSummary(tenant, links, run, counts.get(tenant.id, empty), per_run.get(run.id, {}) if run else {})
        )
    return summaries


def last_runs_by_tenant() -> dict[int, SyncRun]:
    """Each tenant's newest run, in one query (``row_number`` over the tenant's runs, newest first)."""
    newest = (
        func.row_number()
        .over(partition_by=SyncRun.tenant_id, order_by=(SyncRun.started_at.desc(), SyncRun.id.desc()))
        .label("newest")
    )
    ranked = select(SyncRun.id, newest).subquery()
    query = select(SyncRun).join(ranked, ranked.c.id == SyncRun.id).where(ranked.c.newest == 1)
    return {run.tenant_id: run for run in db.session.scalars(query)}


def run_counts_many(run_ids: list[int]) -> dict[int, dict[str, int]]:
    """``run_counts`` of several runs in one query: {run id: {status: rows}}."""
    counts = {run_id: dict.fromkeys(ACTIVITY_STATUSES, 0) for run_id in run_ids}
    if run_ids:
        query = select(SyncActivity.run_id, SyncActivity.status, func.count()).where(SyncActivity.run_id.in_(run_ids))
        for run_id, status, number in db.session.execute(query.group_by(SyncActivity.run_id, SyncActivity.status)):
            counts[run_id][status] = number
    return counts


@dataclass
class Dashboard:
    """Everything the home page shows for one tenant (``tenant`` set) or every tenant (support)."""

    counts: dict[str, int]
    days: list[DayCount]
    reasons: list[tuple[str, int]]
    last_run: SyncRun | None
    last_run_counts: dict[str, int] = field(default_factory=dict)
    tenant: Tenant | None = None
    connections: Connections | None = None
    tenants: list[TenantSummary] = field(default_factory=list)
    zone: str = "UTC"  # the zone whose days the chart counts
    last_synced_at: datetime | None = None  # the newest row that reached QuickBooks
    last_busy_run: SyncRun | None = None  # the newest run that found something (real-time mode polls often)
    last_busy_run_counts: dict[str, int] = field(default_factory=dict)


def dashboard(tenant_id: int | None) -> Dashboard:
    """One tenant's dashboard, or (None) the cross-tenant one with a summary row per tenant."""
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    zone = tenant_zone(tenant)
    if tenant_id is None:  # support: totals summed from the per-tenant counts (see support_overview)
        days, per_tenant = support_overview()
        counts = _summed(per_tenant)
    else:
        days, per_tenant, counts = daily_outcomes(tenant_id, zone=zone), {}, status_counts(tenant_id)
    figures = Dashboard(counts, days, top_failure_reasons(tenant_id), None, tenant=tenant, zone=zone)
    figures.last_run = last_run(tenant_id)
    figures.last_run_counts = run_counts(figures.last_run)
    figures.last_synced_at = last_synced_at(tenant_id)
    figures.last_busy_run = last_run(tenant_id, busy=True)
    figures.last_busy_run_counts = run_counts(figures.last_busy_run)
    if tenant is None:
        figures.tenants = tenant_summaries(per_tenant)
    else:
        figures.connections = connections(tenant_id)
    return figures


def _summed(per_tenant: dict[int, dict[str, int]]) -> dict[str, int]:
    """Rows per status over every tenant, from per-tenant counts."""
    return {status: sum(counts[status] for counts in per_tenant.values()) for status in ACTIVITY_STATUSES}


def tenant_zone(tenant: Tenant | None) -> str:
    """The tenant's IANA zone for its chart days; UTC across tenants or when the zone is unknown."""
    if tenant is None or not tenant.timezone:
        return "UTC"
    try:
        ZoneInfo(tenant.timezone)
    except (ValueError, KeyError, OSError):  # not found is a KeyError, malformed a ValueError, "America" an OSError
        return "UTC"
    return tenant.timezone
