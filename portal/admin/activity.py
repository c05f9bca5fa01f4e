"""The Integration Activity panel (list, detail page, retry and ignore) and the sync runs."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import (
    DateTimeBetweenFilter,
    DateTimeGreaterFilter,
    DateTimeSmallerFilter,
    FilterEqual,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import false, func, select
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.routing import BuildError

from portal.admin import activity_tabs
from portal.admin.activity_tabs import StatusGroupFilter
from portal.admin.base import BoundedListMixin, ReadOnlyView
from portal.admin.confirm import confirm_page, confirmed
from portal.extensions import db
from portal.models import OpenBoxesConnection, SyncActivity, SyncRun, Tenant
from portal.models.sync import ACTIVITY_STATUSES, ENTITY_TYPES
from portal.services import dryrun, triage
from portal.services.stats import run_outcomes
from portal.sync import advice
from portal.sync.deeplinks import openboxes_url, quickbooks_label, quickbooks_url
from portal.sync.entities import ActivityStatus, Entity, entity_label

STATUS_COLOURS = {
    ActivityStatus.SYNCED: "success",
    ActivityStatus.SYNC_FAILED: "danger",
    ActivityStatus.RETRYING: "warning",
    ActivityStatus.SKIPPED: "secondary",
}
ERROR_CATEGORIES = tuple(advice.CATEGORY_LABELS)
# Console pages a fix points to: (endpoint, path used if that page is not registered).
QUICKBOOKS_SETTINGS = ("quickbooks.index", "/admin/quickbooks/")
OPENBOXES_SETTINGS = ("openboxes.index", "/admin/openboxes/")
ACCOUNT_MAPPINGS = ("mappings.index", "/admin/mappings/")
PRODUCT_LINKS = ("product_links.index", "/admin/product_links/")
SYNC_PREFERENCES = ("preferences.index", "/admin/preferences/")


def console_url(endpoint: str, fallback: str, **values) -> str:
    """``url_for(endpoint)``, or ``fallback`` while that console page does not exist."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def status_label(status: str) -> str:
    return status.replace("_", " ").title()


def tenant_zone(tenant: Tenant | None) -> ZoneInfo:
    """A tenant's zone; UTC without a tenant, or for a zone this server does not know."""
    try:
        return ZoneInfo(tenant.timezone if tenant and tenant.timezone else "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")


def viewer_zone() -> ZoneInfo:
    """The zone times are shown in: a tenant admin's tenant zone; UTC for support (rows of many zones)."""
    return tenant_zone(None if current_user.is_support else current_user.tenant)


def minute_in(moment: datetime | None, tenant: Tenant | None) -> str:
    """``moment`` to the minute in ``tenant``'s zone, the zone unnamed (the page names it once)."""
    if moment is None:
        return "—"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(tenant_zone(tenant)):%Y-%m-%d %H:%M}"


def _zoned_iso(text: str | None) -> str:
    """An attempt-log time (ISO, UTC) to the minute in the viewer's zone."""
    try:
        moment = datetime.fromisoformat(text or "")
    except ValueError:
        return text or ""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(viewer_zone()):%Y-%m-%d %H:%M}"


class ZonedTimes:
    """A list or detail page whose times are in the viewer's zone."""

    @staticmethod
    def zone_name() -> str:
        return viewer_zone().key


def zoned_minute(view, context, model, name):
    """To the minute, in the viewer's zone (the page names the zone once)."""
    moment = getattr(model, name)
    return f"{moment.astimezone(viewer_zone()):%Y-%m-%d %H:%M}" if moment else ""


RUN_COUNTS = ("synced", "failed", "skipped", "waiting")


def _run_count(view, context, model, name):
    return getattr(model, "row_counts", {}).get(name, 0)


class SyncRunView(ZonedTimes, ReadOnlyView):
    """Each poll; its counts are where the rows it found stand now (pushes finish after the poll)."""

    list_template = "admin/model/zoned_list.html"

    column_list = ["tenant", "trigger", "started_at", "finished_at", "fetched", *RUN_COUNTS]
    column_default_sort = ("started_at", True)
    column_labels = {"failed": "Sync Failed", "waiting": "Still waiting"}
    column_descriptions = {"waiting": "Queued, being pushed or waiting to retry"}
    column_formatters = {
        "started_at": zoned_minute,
        "finished_at": zoned_minute,
        **dict.fromkeys(RUN_COUNTS, _run_count),
    }
    column_formatters_export = column_formatters

    def get_list(self, *args, **kwargs):
        count, runs = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True):
            counts = run_outcomes([run.id for run in runs])
            for run in runs:
                run.row_counts = counts.get(run.id, {})
        return count, runs


DRIFT_LABELS = {"edited": "Edited in QuickBooks", "deleted": "Deleted in QuickBooks"}


def _status_badge(view, context, model, name):
    colour = STATUS_COLOURS.get(model.status, "info")
    badge = Markup('<span class="badge badge-{}">{}</span>').format(colour, status_label(model.status))
    if model.drift:
        title = model.drift_detail or ""
        badge += Markup(' <span class="badge badge-warning drift-badge" title="{}">{}</span>').format(
            title, DRIFT_LABELS.get(model.drift, model.drift)
        )
    return badge


def _entity_label(view, context, model, name):
    return entity_label(model.entity_type)


def _number_link(view, context, model, name):
    text = model.openboxes_number or model.label or model.openboxes_id
    return Markup('<a href="{}">{}</a>').format(view.get_url(".details_view", id=model.id), text)


def _qbo_link(view, context, model, name):
    url = row_quickbooks_url(model)
    if url is None:
        return ""
    tenant = model.tenant
    text = quickbooks_label(
        model.entity_type, model.openboxes_number, model.label, model.snapshot, tenant.po_target, tenant.shipment_target
    )
    return Markup('<a href="{}" target="_blank" rel="noopener">{} ↗</a>').format(url, text or model.qbo_id)


def row_quickbooks_url(row: SyncActivity) -> str | None:
    tenant = row.tenant
    environment = current_app.config.get("QBO_ENVIRONMENT", "sandbox")
    return quickbooks_url(row.entity_type, row.qbo_id, environment, tenant.po_target, tenant.shipment_target)


def load_label_snapshots(rows: list[SyncActivity]) -> None:
    """Load the snapshot of the listed rows whose QuickBooks label needs it (adjustments), in one query."""
    wanted = [row.id for row in rows if row.entity_type == Entity.ADJUSTMENT and row.qbo_id]
    if not wanted:
        return
    snapshots = dict(
        db.session.execute(select(SyncActivity.id, SyncActivity.snapshot).where(SyncActivity.id.in_(wanted))).all()
    )
    for row in rows:
        if row.id in snapshots:
            set_committed_value(row, "snapshot", snapshots[row.id])


def _choices(values) -> list[tuple[str, str]]:
    return [(value, status_label(value)) for value in values]


def retry_and_queue(ids: list[int]) -> int | None:
    """Queue another try of the rows among ``ids`` the acting user may retry; how many. More rows than
    ``BULK_RETRY_INLINE_MAX_ROWS`` are retried by one background job instead (None: it says how far it is)."""
    tenant_id = None if current_user.is_support else current_user.tenant_id
    if len(ids) > current_app.config["BULK_RETRY_INLINE_MAX_ROWS"]:
        triage.retry_in_background(ids, tenant_id, current_user.email, current_user.id)
        flash(f"Retrying {len(ids):,} rows in the background: the line above the list shows how far it is.", "success")
        return None
    return triage.retry_activities(ids, tenant_id, current_user.email)


def _flash_retried(count: int | None) -> None:
    if count is None:
        return
    if count:
        flash(f"Queued {count} row(s) for another try. Their status changes here as the worker pushes them.", "success")
    else:
        flash("Nothing to retry: only Sync Failed, retrying or queued rows can be retried.", "warning")


class SyncActivityView(ZonedTimes, BoundedListMixin, ReadOnlyView):
    """The Integration Activity panel: every record version, its status and what to do about a failure.

    At a million rows: the list never loads the snapshot or attempt log (large JSON, only the detail page
    shows them), counts and pages stop at ``max_listed_rows`` (see ``BoundedListMixin``) and the newest-first
    order is (updated_at, id), which the indexes of migration 9c4e2b7d1a30 serve per tenant and overall.
    """

    list_template = "admin/activity/list.html"
    details_template = "admin/activity/details.html"
    column_list = ["updated_at", "tenant", "entity_type", "openboxes_number", "status", "attempts", "message"]
    column_list += ["qbo_link"]
    column_labels = {
        "updated_at": "Time",
        "entity_type": "Entity",
        "openboxes_number": "OpenBoxes number",
        "message": "Error",
        "qbo_link": "QuickBooks",
        "error_category": "Error category",
        "qbo_error_code": "QuickBooks code",
        "openboxes_id": "OpenBoxes id",
        "next_attempt_at": "Next attempt",
        "realm_id": "QuickBooks company (realm)",
        "qbo_id": "QuickBooks id",
        "request_id": "QuickBooks request id",
        "outcome_unknown": "Outcome unknown (looked up before writing again)",
        "created_at": "First seen",
        "drift_seen_at": "Change in QuickBooks seen",
    }
    column_sortable_list = ["updated_at", ("tenant", "tenant.name"), "entity_type", "openboxes_number", "status"]
    column_sortable_list += ["attempts"]
    column_filters = [
        FilterEqual(SyncActivity.status, "Status", options=_choices(ACTIVITY_STATUSES)),
        FilterEqual(SyncActivity.entity_type, "Entity", options=_choices(ENTITY_TYPES)),
        DateTimeBetweenFilter(SyncActivity.updated_at, "Time"),
        DateTimeGreaterFilter(SyncActivity.updated_at, "Time"),
        DateTimeSmallerFilter(SyncActivity.updated_at, "Time"),
        FilterEqual(SyncActivity.error_category, "Error category", options=_choices(ERROR_CATEGORIES)),
        StatusGroupFilter(SyncActivity.status, "Status group"),
        FilterEqual(SyncActivity.drift, "Changed in QuickBooks", options=list(DRIFT_LABELS.items())),
    ]
    column_searchable_list = ["openboxes_number"]
    # id breaks ties, so a page boundary among rows of one second neither repeats nor skips a row.
    column_default_sort = [("updated_at", True), ("id", True)]
    column_formatters = {
        "updated_at": zoned_minute,
        "entity_type": _entity_label,
        "status": _status_badge,
        "openboxes_number": _number_link,
        "qbo_link": _qbo_link,
    }
    column_export_list = ["updated_at", "tenant", "entity_type", "openboxes_number", "status", "attempts"]
    column_export_list += ["error_category", "qbo_error_code", "message", "qbo_id", "qbo_link"]
    column_details_list = ["tenant", "entity_type", "openboxes_number", "label", "status", "attempts"]
    column_details_list += ["next_attempt_at", "message", "amount", "created_at", "updated_at"]
    # Support's internals: the detail page folds them under "Technical details" (activity/details.html).
    technical_details = ["openboxes_id", "version", "error_category", "qbo_error_code", "realm_id", "qbo_id"]
    technical_details += ["request_id", "outcome_unknown", "drift_seen_at"]
    column_formatters_detail = {
        "status": _status_badge,
        "entity_type": _entity_label,
        "updated_at": zoned_minute,
        "created_at": zoned_minute,
        "next_attempt_at": zoned_minute,
        "drift_seen_at": zoned_minute,
    }
    column_formatters_export = {"qbo_link": lambda view, context, model, name: row_quickbooks_url(model) or ""}

    def get_query(self):
        return super().get_query().options(defer(SyncActivity.snapshot), defer(SyncActivity.attempt_log))

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True):
            load_label_snapshots(rows)
        return count, rows

    @action("retry", "Retry selected", "Retry the selected rows now?")
    def action_retry(self, ids):
        rows = self.scoped_rows(ids)
        _flash_retried(retry_and_queue([row.id for row in rows]))

    @action("ignore", "Ignore", "Mark the selected rows as skipped? They will not be pushed.")
    def action_ignore(self, ids):
        count = triage.ignore_activities(self.scoped_rows(ids), current_user.email)
        flash(f"Ignored {count} row(s).", "success")

    @action(
        "repush",
        "Push again (deleted in QuickBooks)",
        "Create the selected rows' documents again in QuickBooks? Only those deleted there are pushed.",
    )
    def action_repush(self, ids):
        count = triage.repush_deleted(self.scoped_rows(ids), current_user.email)
        if count:
            flash(f"Queued {count} row(s) to be created again in QuickBooks.", "success")
        else:
            flash("Nothing to push again: only synced rows whose document was deleted in QuickBooks can be.", "warning")

    @expose("/retry-matching/", methods=["POST"])
    def retry_matching_view(self):
        """Retry every Sync Failed row the list's current filters and search match (the user's rows only)."""
        back = self.get_url(".index_view", **request.args.to_dict())
        if not confirmed():
            count = self.failed_matching_count()
            return confirm_page(
                self,
                title=f"Retry {count} failed row(s)?",
                lines=self.retry_matching_consequences(),
                confirm_label=f"Retry {count} row(s)",
                cancel_url=back,
            )
        _flash_retried(retry_and_queue(self.failed_matching_ids()))
        return redirect(back)

    @expose("/retry-cause/", methods=["POST"])
    def retry_cause_view(self):
        """Retry every Sync Failed row (the user's rows only) whose cause was fixed, after a confirmation."""
        cause = request.form.get("cause", "")
        if cause not in advice.CAUSE_LABELS:
            abort(400)
        tenant_id = None if current_user.is_support else current_user.tenant_id
        ids = triage.failed_ids_with_cause(tenant_id, cause)
        if not confirmed():
            return confirm_page(
                self,
                title=f"Retry {len(ids)} failed row(s)?",
                lines=[
                    f"Queue another try of every Sync Failed row whose cause is: {advice.CAUSE_LABELS[cause]}.",
                    "They fail again if the cause is not fixed yet (each row's page says what to fix).",
                ],
                confirm_label=f"Retry {len(ids)} row(s)",
                cancel_url=url_for("admin.index"),
            )
        _flash_retried(retry_and_queue(ids))
        return redirect(url_for("admin.index"))

    def bulk_retry_progress(self) -> str | None:
        """The signed-in user's last background retry, in words (see ``triage.retry_in_background``)."""
        return triage.bulk_retry_progress(current_user.id)

    def status_tabs(self) -> list[activity_tabs.Tab]:
        """All / Needs attention / Failed / Waiting / Synced / Skipped, with counts (see ``activity_tabs``)."""
        return activity_tabs.status_tabs(self)

    def retry_matching_consequences(self) -> list[str]:
        """Which filters apply, and how many failed rows of which tenant would be queued again."""
        args = self._get_list_extra_args()
        applied = [f"{name} {self._filters[idx].operation()} {value}" for idx, name, value in args.filters or []]
        if args.search:
            applied.append(f"search “{args.search}”")
        per_tenant = (
            self._failed_matching_query()
            .join(Tenant, Tenant.id == SyncActivity.tenant_id)
            .with_entities(Tenant.name, func.count(SyncActivity.id))
            .group_by(Tenant.name)
            .order_by(Tenant.name)
        )
        tenants = ", ".join(f"{name}: {count}" for name, count in per_tenant)
        return [
            f"Queue another try of the Sync Failed rows matching {' and '.join(applied) or 'no filter (all rows)'}.",
            f"Rows per tenant: {tenants or 'none'}.",
            "Leave rows that are not Sync Failed alone. Fix the cause first, or they fail again.",
        ]

    def failed_matching_ids(self) -> list[int]:
        """Ids of the Sync Failed rows matching the request's filters and search, scoped to the user."""
        return [pk for (pk,) in self._failed_matching_query().with_entities(SyncActivity.id)]

    def failed_matching_count(self) -> int:
        return self._failed_matching_query().with_entities(func.count(SyncActivity.id)).scalar()

    def _failed_matching_query(self):
        """The Sync Failed rows among those the list's filters and search match. A status filter is decided
        here: one without Sync Failed matches nothing (PostgreSQL would read every row of the filter's status
        to find none with two statuses), one with it adds nothing."""
        args = self._get_list_extra_args()
        filters, excluded = [], False
        for flt in args.filters or []:
            allowed = activity_tabs.statuses_let_through(self._filters[flt[0]], flt[2])
            if allowed is None:
                filters.append(flt)
            excluded = excluded or (allowed is not None and ActivityStatus.SYNC_FAILED.value not in allowed)
        _, query = self.get_list(0, None, False, args.search, filters, execute=False, page_size=0)
        query = query.enable_eagerloads(False).order_by(None).filter(SyncActivity.status == ActivityStatus.SYNC_FAILED)
        return query.filter(false()) if excluded else query

    @expose("/preview/")
    def preview_view(self):
        """A dry run of one pending or failed row: the JSON a push would send, and what would stop it."""
        row = self.get_one(request.args.get("id", "")) or abort(404)
        if not dryrun.can_preview(row):
            flash("Only queued, retrying or Sync Failed rows can be previewed.", "warning")
            return redirect(self.get_url(".details_view", id=row.id))
        number, row_id = row.openboxes_number or row.label or row.openboxes_id, row.id
        preview = dryrun.preview_activity(row)
        return self.render(
            "admin/activity/preview.html",
            preview=preview,
            pretty=dryrun.pretty,
            title=f"{entity_label(row.entity_type)} {number}",
            back_url=self.get_url(".details_view", id=row_id),
        )

    def detail_context(self, row: SyncActivity) -> dict:
        """What the detail page shows beyond the row's fields: the fix, deep links and attempt history."""
        guidance = advice.advise(row.error_category, row.qbo_error_code, row.message)
        ob_url = openboxes_url(self._openboxes_base_url(row.tenant_id), row.entity_type, row.openboxes_id, row.snapshot)
        fix_label, fix_url = self._fix_link(guidance.fix, ob_url)
        return {
            "failed": row.status in (ActivityStatus.SYNC_FAILED, ActivityStatus.RETRYING) or bool(row.error_category),
            "retryable": row.status in (ActivityStatus.SYNC_FAILED, ActivityStatus.RETRYING, ActivityStatus.QUEUED),
            "advice": guidance,
            "fix_label": fix_label,
            "fix_url": fix_url,
            "quickbooks_url": row_quickbooks_url(row),
            "openboxes_url": ob_url,
            "history": [{**entry, "at": _zoned_iso(entry.get("at"))} for entry in reversed(row.attempt_log or [])],
            "status_label": status_label(row.status),
            "status_colour": STATUS_COLOURS.get(row.status, "info"),
            "drift_label": DRIFT_LABELS.get(row.drift or ""),
        }

    @staticmethod
    def _openboxes_base_url(tenant_id: int) -> str | None:
        return db.session.scalar(select(OpenBoxesConnection.base_url).filter_by(tenant_id=tenant_id))

    @staticmethod
    def _fix_link(fix: str, ob_url: str | None) -> tuple[str, str | None]:
        """The fix in words and the page where it is done (None when it is done outside the console)."""
        if fix == advice.ACCOUNT_MAPPINGS:
            return "Remap the account under Account mappings", console_url(*ACCOUNT_MAPPINGS)
        if fix == advice.PRODUCT_LINKS:
            return "Link the product under Product links", console_url(*PRODUCT_LINKS)
        if fix == advice.RECONNECT:
            return "Reconnect QuickBooks", console_url(*QUICKBOOKS_SETTINGS)
        if fix == advice.SYNC_PREFERENCES:
            return "Change the sync target under Sync preferences", console_url(*SYNC_PREFERENCES)
        if fix == advice.OPENBOXES_RECORD:
            return "Edit the record in OpenBoxes", ob_url
        if fix == advice.QUICKBOOKS_COMPANY:
            return "Fix it in the QuickBooks company (see the reason)", None
        if fix == advice.SUPPORT:
            return "Contact support with this page's address", None
        return "Retry: the cause was passing, nothing needs changing", None


def register(console) -> None:
    console.add_view(SyncActivityView(SyncActivity, name="Integration Activity", endpoint="activity"))
    console.add_view(SyncRunView(SyncRun, name="Sync runs", endpoint="runs"))
