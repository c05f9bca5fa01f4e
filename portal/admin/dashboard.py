"""The console's home page: connections, sync mode and runs, counts, a 14-day chart and top failure reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import abort, current_app, flash, redirect, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from jobs.queues import enqueue_ping
from portal.admin.activity import (
    ACCOUNT_MAPPINGS,
    OPENBOXES_SETTINGS,
    QUICKBOOKS_SETTINGS,
    STATUS_COLOURS,
    SYNC_PREFERENCES,
    console_url,
    minute_in,
    status_label,
)
from portal.admin.base import SecureMixin
from portal.models import Tenant
from portal.services import enable, stats, triage
from portal.services.digest import tenant_admin_emails
from portal.sync.digest import webhook_host

CHART_WIDTH, CHART_HEIGHT = 720, 220
PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM = 40, 12, 190
BAR_COLOURS = {"synced": "#18bc9c", "failed": "#e74c3c"}  # Flatly's success and danger


@dataclass(frozen=True)
class Bar:
    kind: str  # "synced" or "failed"
    day: str
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def colour(self) -> str:
        return BAR_COLOURS[self.kind]


@dataclass(frozen=True)
class Chart:
    """Geometry of the synced/failed per day bar chart, drawn as inline SVG by the template."""

    width: int
    height: int
    bars: list[Bar]
    day_labels: list[tuple[float, str]]
    grid: list[tuple[float, int]]
    baseline: float
    left: int


def build_chart(days: list[stats.DayCount]) -> Chart:
    """Two bars per day (synced, failed) scaled to the busiest day; days without rows draw no bar."""
    top = max([1] + [max(day.synced, day.failed) for day in days])
    slot = (CHART_WIDTH - PLOT_LEFT) / max(1, len(days))
    bar_width = slot * 0.38
    scale = (PLOT_BOTTOM - PLOT_TOP) / top
    bars, labels = [], []
    for index, day in enumerate(days):
        left = PLOT_LEFT + index * slot + slot * 0.1
        for offset, kind, count in ((0, "synced", day.synced), (1, "failed", day.failed)):
            if count:
                x, height = left + offset * bar_width, count * scale
                bars.append(Bar(kind, day.day.isoformat(), count, *_box(x, PLOT_BOTTOM - height, bar_width, height)))
        labels.append((round(left + bar_width, 1), day.day.strftime("%m-%d")))
    grid = [(PLOT_TOP + (PLOT_BOTTOM - PLOT_TOP) * (1 - value / top), value) for value in sorted({0, top // 2, top})]
    return Chart(CHART_WIDTH, CHART_HEIGHT, bars, labels, grid, PLOT_BOTTOM, PLOT_LEFT)


def _box(x: float, y: float, width: float, height: float) -> tuple:
    return round(x, 1), round(y, 1), round(width, 1), round(height, 1)


def panel_url(status: str | None = None, tenant_id: int | None = None) -> str:
    """The Integration Activity panel, filtered by status and (support) tenant."""
    filters = {}
    if status:
        filters["flt0_status_equals"] = status
    if tenant_id is not None:
        filters["flt1_tenant_equals"] = tenant_id
    return url_for("activity.index_view", **filters)


def local_time(moment: datetime | None, zone: str | None = None) -> str:
    """``moment`` in the tenant's time zone (UTC when unknown), e.g. ``2026-11-26 02:00 America/Chicago``."""
    if moment is None:
        return "—"
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tzdata folder such as "America"
        tz = ZoneInfo("UTC")
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M} {tz.key}"


def digest_status(tenant: Tenant | None) -> str | None:
    """Where the tenant's failure digests go and when the last one went, in a sentence (None across tenants)."""
    if tenant is None:
        return None
    channels = []
    if current_app.config["SMTP_HOST"] and (admins := len(tenant_admin_emails(tenant.id))):
        channels.append(f"email to {admins} admin(s)")
    if tenant.digest_webhook_url:
        channels.append(f"webhook {webhook_host(tenant.digest_webhook_url)}")
    if not channels:
        return "off: add a webhook under Sync preferences" + (
            "" if current_app.config["SMTP_HOST"] else " (email is not set up on this server)"
        )
    last = minute_in(tenant.last_digest_at, tenant) if tenant.last_digest_at else "none yet"
    return f"{', '.join(channels)}; last sent {last}"


SETUP_PAGES = {
    "openboxes": OPENBOXES_SETTINGS,
    "quickbooks": QUICKBOOKS_SETTINGS,
    "accounts": ACCOUNT_MAPPINGS,
    "preferences": SYNC_PREFERENCES,
    "start": QUICKBOOKS_SETTINGS,
}


def setup_url(place: str) -> str:
    """The console page where a setup step is done."""
    return console_url(*SETUP_PAGES[place])


class HomeView(SecureMixin, AdminIndexView):
    """The dashboard: a tenant admin sees their tenant; support staff see every tenant."""

    @expose("/")
    def index(self):
        figures = stats.dashboard(None if current_user.is_support else current_user.tenant_id)
        steps = enable.setup_steps(figures.tenant.id) if figures.tenant else []
        return self.render(
            self._template,
            figures=figures,
            setup=steps if not all(step.done for step in steps) else [],
            causes=triage.failure_causes(None if current_user.is_support else current_user.tenant_id),
            setup_url=setup_url,
            chart=build_chart(figures.days),
            panel_url=panel_url,
            local_time=local_time,
            status_label=status_label,
            status_colours=STATUS_COLOURS,
            reconnect_url=console_url(*QUICKBOOKS_SETTINGS),
            openboxes_settings_url=console_url(*OPENBOXES_SETTINGS),
            preferences_url=console_url(*SYNC_PREFERENCES),
            digest_status=digest_status(figures.tenant),
        )

    @expose("/ping", methods=["POST"])
    def ping(self):
        """Support staff: prove web → Redis → worker → database with a trivial job."""
        if not current_user.is_support:
            abort(403)
        job = enqueue_ping()
        flash(f"Sent job {job.id} to the worker; look for 'worker.ping' in the audit log.", "info")
        return redirect(url_for(".index"))


def home_view() -> HomeView:
    return HomeView(name="Home", url="/admin", template="admin/home.html")
