"""The Integration Activity panel and the sync runs."""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup

from portal.admin.base import ReadOnlyView
from portal.audit import record_event
from portal.extensions import db
from portal.models import SyncActivity, SyncRun
from portal.models.base import utcnow


class SyncRunView(ReadOnlyView):
    column_list = ["tenant", "trigger", "started_at", "finished_at", "fetched", "synced", "failed", "skipped"]
    column_default_sort = ("started_at", True)


def _status_badge(view, context, model, name):
    colours = {"synced": "success", "sync_failed": "danger", "retrying": "warning", "skipped": "secondary"}
    label = model.status.replace("_", " ").title()
    return Markup('<span class="badge badge-{}">{}</span>').format(colours.get(model.status, "info"), label)


class SyncActivityView(ReadOnlyView):
    """The Integration Activity panel."""

    column_list = ["updated_at", "tenant", "entity_type", "openboxes_number", "status", "attempts", "message"]
    column_labels = {"updated_at": "Time", "openboxes_number": "OpenBoxes number", "message": "Error"}
    column_filters = ["status", "entity_type", "error_category", "updated_at"]
    column_searchable_list = ["openboxes_number"]
    column_default_sort = ("updated_at", True)
    column_formatters = {"status": _status_badge}

    @action("ignore", "Ignore", "Mark the selected rows as skipped? They will not be pushed.")
    def action_ignore(self, ids):
        rows = [row for row in self.scoped_rows(ids) if row.status in ("sync_failed", "queued", "retrying")]
        for row in rows:
            row.status = "skipped"
            row.message = f"Ignored by {current_user.email} on {utcnow():%Y-%m-%d %H:%M} UTC"
            record_event("activity.ignored", tenant_id=row.tenant_id, details={"activity_id": row.id})
        db.session.commit()
        flash(f"Ignored {len(rows)} row(s).", "success")


def register(console) -> None:
    console.add_view(SyncActivityView(SyncActivity, name="Integration Activity", endpoint="activity"))
    console.add_view(SyncRunView(SyncRun, name="Sync runs", endpoint="runs"))
