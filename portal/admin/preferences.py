"""Settings › Sync preferences: when to sync, what, as which documents; "Sync now" and its live progress.

The progress page is rendered by the server and refreshed by ``static/js/sync_progress.js`` from a
small JSON endpoint (no inline script, so it works under a strict Content-Security-Policy); without
JavaScript a ``<meta refresh>`` reloads the page.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import available_timezones

from flask import abort, current_app, flash, jsonify, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.admin.base import SecureBaseView
from portal.admin.confirm import confirm_page, confirmed, refusal_page
from portal.admin.forms import checked
from portal.admin.tenant_choice import back_to, chosen_tenant, tenant_options, url_for_tenant
from portal.services.digest import alert_emails_of, save_alert_emails, save_digest_webhook
from portal.services.dryrun import pretty
from portal.services.history import dry_run_history, history_lines, preview_history, start_history_import
from portal.services.opening import opening_lines, preview_opening, set_opening_stock
from portal.services.preferences import ENTITY_TOGGLES, Preferences, run_progress, save_preferences, start_sync_now
from portal.sync.digest import check_webhook_url
from portal.sync.entities import PO_TARGETS, SHIPMENT_TARGETS, TOGGLE_LABELS, entity_label
from portal.sync.errors import TRANSLITERATE_LABEL, SyncError
from portal.sync.schedule import check_interval, parse_daily_time, zone

MODES = [
    ("realtime", "Real-time: every few minutes"),
    ("scheduled", "Scheduled: once a day"),
    ("manual", "Manual: only when someone clicks Sync now"),
]
LINK_MODES = [
    ("auto_create", "is created in QuickBooks when first needed"),
    ("manual", "fails its document until linked under Product links"),
]


class PreferencesForm(FlaskForm):
    sync_mode = RadioField("When to sync", choices=MODES, validators=[InputRequired()])
    realtime_interval_minutes = IntegerField(
        "Real-time interval (minutes, 1–5)", validators=[InputRequired(), checked(check_interval)]
    )
    daily_time = StringField("Daily at (HH:MM, 24-hour)", validators=[InputRequired(), checked(parse_daily_time)])
    timezone = StringField("Time zone (e.g. America/New_York)", validators=[InputRequired(), checked(zone)])
    po_target = SelectField("Purchase orders become", choices=[(v, v) for v in PO_TARGETS])
    shipment_target = SelectField("Shipments become", choices=[(v, v) for v in SHIPMENT_TARGETS])
    product_link_mode = SelectField("A product without a link", choices=LINK_MODES)
    transliterate_names = BooleanField(
        f"{TRANSLITERATE_LABEL}: a US company stores Western European characters only (ISO-8859-1); "
        "instead of failing, change the others (‘Ω’ becomes ‘?’, ‘ő’ becomes ‘o’) and say so on the record"
    )

    def preferences(self) -> Preferences:
        values = {name: getattr(self, name).data for name in Preferences.__dataclass_fields__ if name != "toggles"}
        values["timezone"] = values["timezone"].strip()
        values["daily_time"] = values["daily_time"].strip()
        return Preferences(**values, toggles={name: getattr(self, name).data for name in ENTITY_TOGGLES})


# One checkbox per entity toggle of the registry (WTForms picks up fields set on the class).
for _toggle, _label in TOGGLE_LABELS.items():
    setattr(PreferencesForm, _toggle, BooleanField(_label))


class DigestForm(FlaskForm):
    digest_webhook_url = StringField(
        "Failure digest webhook (http/https URL; empty for none)",
        validators=[Optional(strip_whitespace=True), checked(check_webhook_url)],
    )


class AlertEmailsForm(FlaskForm):
    alert_emails = TextAreaField(
        "Also email failure alerts to (one address per line, or separated by commas)",
        validators=[Length(max=2000)],
    )


def _form_for(tenant) -> PreferencesForm:
    prefs = Preferences.of(tenant)
    data = {name: getattr(prefs, name) for name in Preferences.__dataclass_fields__ if name != "toggles"}
    return PreferencesForm(data={**data, **prefs.toggles})


def with_row_links(progress: dict) -> dict:
    """The run's failures, each with the address of its row's detail page (reason, fix, retry)."""
    for failure in progress["failures"]:
        failure["url"] = url_for("activity.details_view", id=failure["id"])
    return progress


def _day_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


class SyncPreferencesView(SecureBaseView):
    @expose("/", methods=["GET", "POST"])
    def index(self):
        tenant = chosen_tenant()
        if tenant is None:
            return self.render("admin/settings/choose_tenant.html", tenants=tenant_options(), endpoint=".index")
        form = PreferencesForm() if request.method == "POST" else _form_for(tenant)
        if request.method == "POST" and form.validate():
            changed = save_preferences(tenant.id, form.preferences())
            flash(f"Saved the sync preferences of {tenant.name}." if changed else "Nothing changed.", "success")
            return back_to(".index", tenant)
        return self.render(
            "admin/settings/preferences.html",
            form=form,
            tenant=tenant,
            toggles=TOGGLE_LABELS,
            zones=sorted(available_timezones()),
            digest_form=DigestForm(data={"digest_webhook_url": tenant.digest_webhook_url or ""}),
            emails_form=AlertEmailsForm(data={"alert_emails": "\n".join(alert_emails_of(tenant))}),
            smtp_configured=bool(current_app.config["SMTP_HOST"]),
        )

    @expose("/alert-emails/", methods=["POST"])
    def alert_emails(self):
        tenant = chosen_tenant() or abort(404)
        form = AlertEmailsForm()
        try:
            if not form.validate():
                raise ValueError(" ".join(form.alert_emails.errors))
            changed = save_alert_emails(tenant.id, form.alert_emails.data or "")
        except ValueError as error:
            flash(f"Not saved: {error}", "error")
            return back_to(".index", tenant)
        flash(f"Saved the failure alert addresses of {tenant.name}." if changed else "Nothing changed.", "success")
        return back_to(".index", tenant)

    @expose("/digest/", methods=["POST"])
    def digest(self):
        tenant = chosen_tenant() or abort(404)
        form = DigestForm()
        if not form.validate():
            flash(" ".join(form.digest_webhook_url.errors), "error")
            return back_to(".index", tenant)
        try:
            changed = save_digest_webhook(tenant.id, form.digest_webhook_url.data or "")
        except ValueError as error:
            flash(str(error), "error")
            return back_to(".index", tenant)
        flash(f"Saved the failure digest webhook of {tenant.name}." if changed else "Nothing changed.", "success")
        return back_to(".index", tenant)

    @expose("/sync-now/", methods=["POST"])
    def sync_now(self):
        tenant = chosen_tenant() or abort(404)
        try:
            since = start_sync_now(tenant.id)
        except ValueError as error:
            flash(str(error), "error")
            return back_to(".index", tenant)
        return back_to(".progress", tenant, since=since)

    @expose("/history/", methods=["POST"])
    def history(self):
        """Sync from a past date: the preview is the confirmation page; confirming queues the import."""
        tenant = chosen_tenant() or abort(404)
        here = url_for_tenant(".index", tenant)
        day = _history_day()
        if day is None:
            return back_to(".index", tenant)
        try:
            if confirmed():
                since = start_history_import(tenant.id, day)
                return back_to(".progress", tenant, since=since, history=day.isoformat())
            preview = preview_history(tenant.id, day)
        except ValueError as error:
            return self._history_refused(tenant, day, error)
        except SyncError as error:
            flash(f"Could not read OpenBoxes for the preview: {error.message}", "error")
            return back_to(".index", tenant)
        return confirm_page(
            self,
            title=f"Sync {tenant.name} from {day:%Y-%m-%d}?",
            lines=history_lines(tenant.id, preview),
            confirm_label=f"Sync from {day:%Y-%m-%d}",
            cancel_url=here,
            look_first=("Show what would be sent", url_for(".history_dry_run")),
        )

    @expose("/history/dry-run/", methods=["POST"])
    def history_dry_run(self):
        """Sync from a past date, before it starts: the first documents of each kind it would send (dry runs)."""
        tenant = chosen_tenant() or abort(404)
        here = url_for_tenant(".index", tenant)
        day = _history_day()
        if day is None:
            return back_to(".index", tenant)
        try:
            samples = dry_run_history(tenant.id, day)
        except ValueError as error:
            return self._history_refused(tenant, day, error)
        except SyncError as error:
            flash(f"Could not read OpenBoxes for the dry run: {error.message}", "error")
            return back_to(".index", tenant)
        return self.render(
            "admin/settings/history_dry_run.html",
            tenant=tenant,
            day=day,
            samples=samples,
            pretty=pretty,
            entity_label=entity_label,
            back_url=here,
        )

    def _history_refused(self, tenant, day: date, error: ValueError):
        title = f"{tenant.name} cannot sync from {day}"
        return refusal_page(self, title=title, lines=[str(error)], back_url=url_for_tenant(".index", tenant))

    @expose("/opening/", methods=["POST"])
    def opening(self):
        """Opening stock: turning it on asks first, showing the value it books and where; off is immediate."""
        tenant = chosen_tenant() or abort(404)
        here = url_for_tenant(".index", tenant)
        if request.form.get("on") != "1":
            set_opening_stock(tenant.id, False)
            flash(f"Opening stock is off for {tenant.name}: new inventory items start with quantity 0.", "success")
            return back_to(".index", tenant)
        try:
            if confirmed():
                set_opening_stock(tenant.id, True)
                flash(f"Opening stock is on for {tenant.name}.", "success")
                return back_to(".index", tenant)
            preview = preview_opening(tenant.id)
        except ValueError as error:
            return refusal_page(self, title="Opening stock cannot be turned on yet", lines=[str(error)], back_url=here)
        except SyncError as error:
            flash(f"Could not read OpenBoxes for the opening stock: {error.message}", "error")
            return back_to(".index", tenant)
        return confirm_page(
            self,
            title=f"Turn opening stock on for {tenant.name}?",
            lines=opening_lines(tenant.id, preview),
            confirm_label=f"Book {preview.total:,.2f} as opening stock",
            cancel_url=here,
        )

    @expose("/progress/")
    def progress(self):
        tenant = chosen_tenant() or abort(404)
        since = request.args.get("since", type=int) or abort(404)
        history = _day_or_none(request.args.get("history"))
        data_url = url_for(".progress_json", tenant=request.args.get("tenant"), since=since)
        progress = with_row_links(run_progress(tenant.id, since))
        return self.render(
            "admin/settings/progress.html", tenant=tenant, progress=progress, data_url=data_url, history=history
        )

    @expose("/progress.json")
    def progress_json(self):
        tenant = chosen_tenant() or abort(404)
        since = request.args.get("since", type=int) or abort(404)
        return jsonify(with_row_links(run_progress(tenant.id, since)))

    def render(self, template, **kwargs):
        return super().render(template, tenant_choices=tenant_options(), **kwargs)


def register(console) -> None:
    console.add_view(
        SyncPreferencesView(name="Sync preferences", category="Settings", endpoint="preferences", url="preferences")
    )


def _history_day() -> date | None:
    """The day a history import starts from, as the form gave it; None (and a plain message) when unreadable."""
    try:
        return date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        flash("Choose the date to sync from (year, month and day).", "error")
        return None
