"""The inventory-transactions-summary report: adjustments by transaction date."""

from __future__ import annotations

from flask import Blueprint, Response, request

from sandbox.openboxes.auth import current_state
from sandbox.openboxes.formats import iso_utc, parse_bound_date
from sandbox.openboxes.http import json_response, ob_error
from sandbox.openboxes.listing import int_param, paginate
from sandbox.openboxes.movements import ADJUSTMENT_TYPE
from sandbox.openboxes.shapes import person_json, product_stub, rendered, report_facility_json
from sandbox.openboxes.state import State

bp = Blueprint("ob_report", __name__)


NULL_MESSAGE = "Property [{}] of class [class org.pih.warehouse.report.CycleCountReportCommand] cannot be null"


def _bound_date(name: str, state: State, messages: list[str]) -> int:
    """A required Date parameter; problems are appended to ``messages``."""
    value = request.args.get(name)
    if not value:
        messages.append(NULL_MESSAGE.format(name))
        return 0
    try:
        return parse_bound_date(value, state.tz)
    except ValueError as error:
        messages.append(f"Property [{name}]: {error}")
        return 0


def _report_params(state: State) -> tuple[str, int, int] | Response:
    """facility, startDate and endDate, or the 400 validation error the command object produces."""
    messages = [] if request.args.get("facility") else [NULL_MESSAGE.format("facility")]
    start = _bound_date("startDate", state, messages)
    end = _bound_date("endDate", state, messages)
    if messages:
        return ob_error(400, "Validation error. " + " ".join(messages), errorMessages=messages)
    return request.args["facility"], start, end


def report_row(state: State, transaction: dict, entry: dict) -> dict:
    """One (transaction, product) row: signed quantityDifference, and no transaction id."""
    difference = entry["quantityDifference"]
    return rendered(
        entry,
        {
            "transaction": {"transactionNumber": transaction["transactionNumber"]},
            "product": product_stub(state.store.get("product", entry["productId"])),
            "facility": report_facility_json(state.store.get("location", transaction["facilityId"])),
            "quantityBefore": entry["quantityBefore"],
            "quantityAfter": entry["quantityAfter"],
            "quantityDifference": difference,
            "dateRecorded": iso_utc(transaction["transactionDate"]),
            "recordedBy": {"name": (person_json(state.store, transaction["recordedBy"]) or {}).get("name")},
            "rootCauses": None,
            "comments": [transaction["comment"]] if transaction["comment"] else [],
            "varianceTypeCode": "LESS" if difference < 0 else "MORE" if difference > 0 else "EQUAL",
            "transactionAction": transaction["action"],
        },
    )


@bp.get("/openboxes/api/reports/inventory-transactions-summary")
def inventory_transactions_summary() -> Response:
    """Adjustments (type 3) between startDate and endDate, newest first; max defaults to 10, capped at 100."""
    state = current_state()
    params = _report_params(state)
    if isinstance(params, Response):
        return params
    facility, start, end = params
    products = request.args.getlist("products")
    transactions = [
        t
        for t in state.store.all("transaction")
        if t["typeId"] == ADJUSTMENT_TYPE and t["facilityId"] == facility and start <= t["transactionDate"] <= end
    ]
    transactions.sort(key=lambda t: t["transactionDate"], reverse=True)
    rows = [(t, e) for t in transactions for e in t["entries"] if not products or e["productId"] in products]
    max_rows = int_param("max")
    max_rows = 10 if max_rows is None or max_rows < 1 else min(max_rows, 100)
    page = paginate(rows, max_rows, int_param("offset"))
    return json_response({"data": [report_row(state, t, e) for t, e in page], "totalCount": len(rows)})
