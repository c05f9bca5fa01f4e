"""The console's home page (the dashboard)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from jobs.queues import enqueue_ping
from portal.admin.base import SecureMixin


class HomeView(SecureMixin, AdminIndexView):
    """The console's home page; the dashboard issue fills it in."""

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
