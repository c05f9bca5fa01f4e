"""The generic API (``/api/generic/{resource}``) for the domains the sandbox models."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request

from sandbox.openboxes.api_orders import order_json
from sandbox.openboxes.api_stock import shipment_json
from sandbox.openboxes.auth import current_state
from sandbox.openboxes.http import json_response, ob_error, server_error
from sandbox.openboxes.listing import int_param, paginate, sort_rows
from sandbox.openboxes.shapes import location_json, organization_json, product_json
from sandbox.openboxes.state import State

bp = Blueprint("ob_generic", __name__)
SORTABLE = ("id", "name", "dateCreated", "lastUpdated")


def _renderers(state: State) -> dict[str, tuple[str, Callable[[dict], dict]]]:
    """Resource name → (store kind, custom marshaller); the custom shape is used in generic answers too."""
    return {
        "product": ("product", product_json),
        "organization": ("organization", lambda row: organization_json(state.store, row)),
        "location": ("location", lambda row: location_json(state.store, row)),
        "shipment": ("shipment", lambda row: shipment_json(state, row)),
        "order": ("order", lambda row: order_json(state, row)),
    }


def _unknown_resource(resource: str) -> Response:
    return server_error("java.lang.IllegalAccessException", f"Unable to locate domain class for {resource}")


@bp.get("/openboxes/api/generic/<resource>")
def generic_list(resource: str) -> Response:
    """``DomainClass.list(params)``: max/offset/sort/order, and no totalCount."""
    state = current_state()
    renderers = _renderers(state)
    if resource not in renderers:
        return _unknown_resource(resource)
    kind, render = renderers[resource]
    keys = {name: (lambda row, name=name: row.get(name)) for name in SORTABLE}
    rows = sort_rows(state.store.all(kind), request.args.get("sort"), request.args.get("order"), keys)
    page = paginate(rows, int_param("max"), int_param("offset"))
    return json_response({"data": [render(row) for row in page]})


@bp.get("/openboxes/api/generic/<resource>/<record_id>")
def generic_read(resource: str, record_id: str) -> Response:
    """One record; an unknown id is an ObjectNotFoundException (404)."""
    state = current_state()
    renderers = _renderers(state)
    if resource not in renderers:
        return _unknown_resource(resource)
    kind, render = renderers[resource]
    record = state.store.get(kind, record_id)
    if record is None:
        return ob_error(404, f"Resource {resource} with id {record_id} could not be found")
    return json_response({"data": render(record)})
