"""Read API for the app context, products, organizations, locations and the generic API."""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from sandbox.openboxes import catalog
from sandbox.openboxes.auth import current_state, session_location
from sandbox.openboxes.formats import parse_bound_date
from sandbox.openboxes.http import json_response, ob_error, server_error
from sandbox.openboxes.listing import int_param, paginate, sort_rows
from sandbox.openboxes.shapes import location_json, organization_json, product_json
from sandbox.openboxes.state import State

bp = Blueprint("ob_catalog", __name__)
APP_VERSION = "0.9.8"
PRODUCT_SORTS = {
    name: (lambda row, name=name: row.get(name))
    for name in (
        "id",
        "name",
        "productCode",
        "description",
        "category",
        "unitOfMeasure",
        "pricePerUnit",
        "dateCreated",
        "lastUpdated",
        "updatedBy",
        "active",
    )
}
ORGANIZATION_SORTS = {
    name: (lambda row, name=name: row.get(name))
    for name in ("id", "name", "code", "description", "dateCreated", "lastUpdated")
}
PRODUCT_TEXT_FIELDS = ("name", "description", "productCode", "unitOfMeasure", "category")


@bp.get("/openboxes/api/getAppContext")
def app_context() -> Response:
    """Server version, currency and time zone; reads session.warehouse.id, so it fails without a location."""
    state = current_state()
    location = session_location(state)
    if location is None:
        return server_error("java.lang.NullPointerException", "Cannot get property 'id' on null object")
    user = g.ob_user
    return json_response(
        {
            "data": {
                "user": {
                    "id": user["id"],
                    "username": user["id"],
                    "firstName": user["firstName"],
                    "lastName": user["lastName"],
                    "email": user["email"],
                },
                "location": location_json(state.store, location),
                "isSuperuser": True,
                "isUserApprover": True,
                "supportedLocales": ["en", "fr", "de"],
                "currentLocale": user["locale"],
                "appVersion": APP_VERSION,
                "grailsVersion": "3.3.16",
                "branchName": "release/0.9.8",
                "buildNumber": "1",
                "environment": "production",
                "currencyCode": state.options.currency,
                "localizedHelpScoutKey": None,
                "timezone": state.options.timezone,
                "pageSize": 10,
            }
        }
    )


def _created_filter(state: State, rows: list[dict]) -> list[dict]:
    """q, createdAfter and createdBefore share one ``or {}`` criteria block, as in OpenBoxes 0.9."""
    tests = []
    query = request.args.get("q")
    if query:
        needle = query.casefold()
        tests.append(lambda p: any(needle in (p.get(f) or "").casefold() for f in PRODUCT_TEXT_FIELDS))
    if request.args.get("createdAfter"):
        after = parse_bound_date(request.args["createdAfter"], state.tz)
        tests.append(lambda p: p["dateCreated"] >= after)
    if request.args.get("createdBefore"):
        before = parse_bound_date(request.args["createdBefore"], state.tz)
        tests.append(lambda p: p["dateCreated"] <= before)
    if not tests:
        return rows
    return [row for row in rows if any(test(row) for test in tests)]


@bp.get("/openboxes/api/products")
def list_products() -> Response:
    """``{"data":[…],"totalCount":N}``; inactive products hidden unless includeInactive=true."""
    state = current_state()
    rows = [row for row in state.store.all("product") if not catalog.is_deleted(row)]
    if request.args.get("includeInactive", "false").lower() != "true":
        rows = [row for row in rows if row["active"]]
    try:
        rows = _created_filter(state, rows)
    except ValueError as error:
        return server_error("java.time.format.DateTimeParseException", str(error))
    rows = sort_rows(rows, request.args.get("sort", "name"), request.args.get("order"), PRODUCT_SORTS)
    page = paginate(rows, int_param("max"), int_param("offset"))
    return json_response({"data": [product_json(row) for row in page], "totalCount": len(rows)})


@bp.get("/openboxes/api/products/<product_id>")
def read_product(product_id: str) -> Response:
    """One product; an unknown id is a 404."""
    product = current_state().store.get("product", product_id)
    if catalog.is_deleted(product):
        return ob_error(404, f"Resource product with id {product_id} could not be found")
    return json_response({"data": product_json(product)})


def _organization_matches(organization: dict) -> bool:
    role = request.args.get("roleType")
    if role and role not in organization["roles"]:
        return False
    active = request.args.get("active")
    if active is not None and organization["active"] != (active.lower() == "true"):
        return False
    query = (request.args.get("q") or "").casefold()
    fields = (organization["id"], organization["code"], organization["name"], organization.get("description"))
    return not query or any((value or "").casefold().startswith(query) for value in fields)


@bp.get("/openboxes/api/organizations")
def list_organizations() -> Response:
    """``{"data":[…]}`` with no totalCount; inactive organizations are listed (no active flag shown)."""
    state = current_state()
    rows = [row for row in state.store.all("organization") if _organization_matches(row)]
    rows = sort_rows(rows, request.args.get("sort"), request.args.get("order"), ORGANIZATION_SORTS)
    page = paginate(rows, int_param("max"), int_param("offset"))
    return json_response({"data": [organization_json(state.store, row) for row in page]})


@bp.get("/openboxes/api/organizations/<organization_id>")
def read_organization(organization_id: str) -> Response:
    """One organization; an unknown id throws IllegalArgumentException, i.e. a 500."""
    state = current_state()
    organization = state.store.get("organization", organization_id)
    if organization is None:
        return server_error("java.lang.IllegalArgumentException", f"Organization {organization_id} not found")
    return json_response({"data": organization_json(state.store, organization)})


@bp.get("/openboxes/api/locations")
def list_locations() -> Response:
    """Active top-level locations, optionally by locationTypeCode; no paging, no lastUpdated."""
    state = current_state()
    type_code = request.args.get("locationTypeCode")
    rows = [
        row for row in state.store.all("location") if row["active"] and (not type_code or row["typeCode"] == type_code)
    ]
    return json_response({"data": [location_json(state.store, row) for row in rows]})


@bp.get("/openboxes/api/locations/<location_id>")
def read_location(location_id: str) -> Response:
    """One location; an unknown id is a 404."""
    state = current_state()
    location = state.store.get("location", location_id)
    if location is None:
        return ob_error(404, f"Resource location with id {location_id} could not be found")
    return json_response({"data": location_json(state.store, location)})
