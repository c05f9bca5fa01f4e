"""Reports › Reconciliation: OpenBoxes against QuickBooks per entity and period, with a chart and a CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, flash, redirect, request, url_for
from flask_admin import expose

from portal.admin.base import SecureBaseView, spreadsheet_safe
from portal.admin.tenant_choice import back_to, chosen_tenant, tenant_options
from portal.services.recon import (
    MAX_ON_HAND_READS,
    ReconReport,
    forget_cached,
    item_rows,
    period_for,
    reconcile,
    report_rows,
)
from portal.sync.entities import entity_label
from portal.sync.recon import PERIODS

CHART_WIDTH = 360  # px of the longest bar
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)  # days a report can be asked for


def chosen_period(tenant):
    """The period asked for (``period`` = day/week/month, ``day`` = YYYY-MM-DD), this week by default."""
    kind = request.args.get("period", "week")
    kind = kind if kind in PERIODS else "week"
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = None
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        day = None  # a period at the ends of the calendar would overflow its start or end
    return period_for(tenant, kind, day)


def chart_bars(report: ReconReport) -> list[dict]:
    """Bar lengths for the inline SVG chart: per entity, OpenBoxes and QuickBooks counts."""
    biggest = max([1] + [max(line.openboxes_count, line.quickbooks_count) for line in report.lines])
    bars = []
    for index, line in enumerate(report.lines):
        for offset, (side, count) in enumerate(
            (("OpenBoxes", line.openboxes_count), ("QuickBooks", line.quickbooks_count))
        ):
            bars.append(
                {
                    "y": index * 44 + offset * 18,
                    "width": round(CHART_WIDTH * count / biggest),
                    "side": side,
                    "count": count,
                    "label": entity_label(line.entity),
                    "first": offset == 0,
                }
            )
    return bars


class ReconciliationView(SecureBaseView):
    @expose("/")
    def index(self):
        tenant = chosen_tenant()
        if tenant is None:
            return self.render("admin/settings/choose_tenant.html", tenants=tenant_options(), endpoint=".index")
        report = reconcile(tenant, chosen_period(tenant))
        args = {key: value for key, value in request.args.to_dict().items() if key != "items"}
        all_items = request.args.get("items") == "all"
        return self.render(
            "admin/recon/report.html",
            tenant=tenant,
            tenant_choices=tenant_options(),
            report=report,
            bars=chart_bars(report),
            chart_height=max(1, len(report.lines)) * 44,
            periods=PERIODS,
            csv_url=url_for(".csv", **args),
            items_csv_url=url_for(".items_csv", **args),
            all_items=all_items,
            max_reads=MAX_ON_HAND_READS,
            shown_items=report.on_hand.items if all_items else report.on_hand.differing,
            items_toggle_url=url_for(".index", **args) if all_items else url_for(".index", items="all", **args),
            entity_label=entity_label,
        )

    @expose("/refresh/", methods=["POST"])
    def refresh(self):
        """Forget the cached QuickBooks answers of the tenant's company, then show the report again."""
        tenant = chosen_tenant()
        if tenant is None:
            return redirect(url_for(".index"))
        forget_cached(tenant)
        flash("QuickBooks is read again for this report (each entity once).", "success")
        args = {key: request.form.get(key) for key in ("period", "day") if request.form.get(key)}
        return back_to(".index", tenant, **args)

    @expose("/csv/")
    def csv(self):
        tenant = chosen_tenant()
        if tenant is None:
            return Response("Choose a tenant first", status=404)
        report = reconcile(tenant, chosen_period(tenant))
        rows = report_rows(report, tenant.name, lambda pk: url_for("activity.details_view", id=pk, _external=True))
        return _csv(rows, f"reconciliation-{report.period.start}-{report.period.end}.csv")

    @expose("/csv/items/")
    def items_csv(self):
        """Every linked inventory product with both quantities on hand (matching ones too)."""
        tenant = chosen_tenant()
        if tenant is None:
            return Response("Choose a tenant first", status=404)
        report = reconcile(tenant, chosen_period(tenant))
        return _csv(item_rows(report, tenant.name), f"reconciliation-items-{report.period.start}.csv")


def _csv(rows: list[list], name: str) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows([[spreadsheet_safe(value) for value in row] for row in rows])
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(out.getvalue(), mimetype="text/csv", headers=disposition)


def register(console) -> None:
    console.add_view(
        ReconciliationView(name="Reconciliation", category="Reports", endpoint="recon", url="reconciliation")
    )
