"""The Integration Activity list's status tabs: All / Needs attention / Failed / Waiting / Synced / Skipped.

Each tab is a link applying a status filter (the rest of the list's filters and search kept), with its count
of the rows the other filters match. Counts stop where the list's count stops (``max_listed_rows``, "10,000+"):
a grouped count of at most 10,001 matching rows, exact when fewer match (a search, a narrow filter); past
that, one query of a ``count(*)`` of at most 10,001 rows per status, each read from an index on the status
(``(tenant_id, status, updated_at)`` for a tenant, ``(status, updated_at, tenant_id)`` for support). A tab
costs as much at a million rows as at ten thousand; an exact grouped count read every row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import request
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from sqlalchemy import func, literal_column, select

from portal.models import SyncActivity
from portal.sync.entities import ActivityStatus

S = ActivityStatus
# Groups of statuses a tab shows at once; "waiting" as the home page and the sync runs count it.
STATUS_GROUPS = {
    "attention": ("Needs attention", (S.SYNC_FAILED, S.RETRYING)),
    "waiting": ("Waiting", (S.QUEUED, S.SYNCING, S.RETRYING)),
}
# (label, filter argument, value, statuses counted)
TABS = (
    ("All", None, None, tuple(S)),
    ("Needs attention", "status_group_equals", "attention", STATUS_GROUPS["attention"][1]),
    ("Failed", "status_equals", S.SYNC_FAILED.value, (S.SYNC_FAILED,)),
    ("Waiting", "status_group_equals", "waiting", STATUS_GROUPS["waiting"][1]),
    ("Synced", "status_equals", S.SYNCED.value, (S.SYNCED,)),
    ("Skipped", "status_equals", S.SKIPPED.value, (S.SKIPPED,)),
)
STATUS_ARG = re.compile(r"^flt\d+_status_(group_)?equals$")


class StatusGroupFilter(BaseSQLAFilter):
    """Status in one of ``STATUS_GROUPS`` (a tab's several statuses behind one plain choice)."""

    def __init__(self, column, name: str) -> None:
        super().__init__(column, name, options=[(key, label) for key, (label, _) in STATUS_GROUPS.items()])

    def validate(self, value) -> bool:
        return value in STATUS_GROUPS

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias).in_([s.value for s in STATUS_GROUPS[value][1]]))

    def operation(self) -> str:
        return "equals"


def statuses_let_through(flt, value) -> set[str] | None:
    """The statuses a status filter (equals, or a tab's group) lets through; None for any other filter."""
    if isinstance(flt, StatusGroupFilter):
        return {status.value for status in STATUS_GROUPS[value][1]} if value in STATUS_GROUPS else None
    if isinstance(flt, FilterEqual) and getattr(flt.column, "key", None) == "status":
        return {value}
    return None


@dataclass(frozen=True)
class Tab:
    label: str
    url: str
    count: int
    active: bool
    capped: bool = False  # more rows than the cap match: ``count`` is the cap

    @property
    def shown(self) -> str:
        """The count as the tab shows it: "1,234", or "10,000+" past the cap."""
        return f"{self.count:,}+" if self.capped else f"{self.count:,}"


def status_tabs(view) -> list[Tab]:
    """The tabs of ``view``'s list page for the current request: links, counts, the one being shown."""
    kept = {key: value for key, value in request.args.items() if not STATUS_ARG.match(key) and key != "page"}
    cap = view.max_listed_rows
    counts = _counts_without_status_filter(view, cap)
    chosen = {(STATUS_ARG.match(k) and k.split("_", 1)[1], v) for k, v in request.args.items() if STATUS_ARG.match(k)}
    tabs = []
    for label, arg, value, statuses in TABS:
        extra = {f"flt9_{arg}": value} if arg else {}
        active = chosen == ({(arg, value)} if arg else set())
        count = sum(counts[status.value] for status in statuses)
        url = view.get_url(".index_view", **kept, **extra)
        tabs.append(Tab(label, url, min(count, cap), active, capped=count > cap))
    return tabs


def _counts_without_status_filter(view, cap: int) -> dict[str, int]:
    """Rows per status matching the list's other filters and search, each counted up to ``cap + 1``.

    First one grouped count of at most ``cap + 1`` matching rows: exact when fewer match (a search, a
    narrow filter: one index read). Past the cap, one query of a capped count per status, each read from an
    index on the status, so no tab reads more than ``cap + 1`` rows of its status.
    """
    args = view._get_list_extra_args()
    others = [f for f in args.filters or [] if getattr(view._filters[f[0]].column, "key", None) != "status"]
    _, query = view.get_list(0, None, False, args.search, others, execute=False, page_size=0)
    query = query.enable_eagerloads(False).order_by(None)
    first = query.with_entities(SyncActivity.status.label("status")).limit(cap + 1).subquery()
    counts = dict(query.session.execute(select(first.c.status, func.count()).group_by(first.c.status)).all())
    if sum(counts.values()) <= cap:
        return {status.value: counts.get(status.value, 0) for status in S}
    per_status = [
        select(func.count())
        .select_from(
            query.filter(SyncActivity.status == status.value)
            .with_entities(literal_column("1"))
            .limit(cap + 1)
            .subquery()
        )
        .scalar_subquery()
        .label(status.value)
        for status in S
    ]
    return dict(query.session.execute(select(*per_status)).one()._mapping)
