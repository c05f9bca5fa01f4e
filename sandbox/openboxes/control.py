"""The ``/_sandbox/`` control API: JSON in, JSON out, no authentication. Documented in README.md."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, request

from sandbox.openboxes import catalog, movements, orders
from sandbox.openboxes.auth import current_state
from sandbox.openboxes.demo_data import seed
from sandbox.openboxes.faults import FAULT_KINDS
from sandbox.openboxes.formats import iso_utc
from sandbox.openboxes.http import DomainError, json_response

bp = Blueprint("ob_control", __name__, url_prefix="/_sandbox")


def body() -> dict:
    """The JSON request body ({} when absent)."""
    data = request.get_json(force=True, silent=True)
    return data if isinstance(data, dict) else {}


@bp.errorhandler(DomainError)
def domain_error(error: DomainError) -> Response:
    """Rejected changes answer 400 with the reason."""
    return json_response({"error": str(error)}, 400)


@bp.errorhandler(KeyError)
@bp.errorhandler(ValueError)
@bp.errorhandler(TypeError)
def bad_request(error: Exception) -> Response:
    """Malformed control requests answer 400."""
    return json_response({"error": f"bad request: {error!r}"}, 400)


@bp.get("/")
def index() -> Response:
    """Every control route (method and path)."""
    routes = sorted(
        f"{sorted(rule.methods - {'HEAD', 'OPTIONS'})} {rule.rule}"
        for rule in current_app.url_map.iter_rules()
        if rule.rule.startswith("/_sandbox")
    )
    return json_response({"routes": routes})


@bp.get("/info")
def info() -> Response:
    """Ids and settings a client needs: facility, users, options, sandbox time."""
    state = current_state()
    config = state.meta("config")
    users = [
        {"username": u["id"], "password": u["password"], "locale": u["locale"], "active": u["active"]}
        for u in state.store.all("user")
    ]
    options = {key: getattr(state.options, key) for key in ("session_timeout", "po_lag", "timezone", "data", "seed")}
    return json_response(
        {
            "facilityId": config["facilityId"],
            "organizationId": config["organizationId"],
            "users": users,
            "options": options,
            "now": iso_utc(state.clock.now_ts()),
        }
    )


@bp.post("/reset")
def reset() -> Response:
    """Back to a freshly seeded data set (optionally another one / another seed); clears everything else."""
    state = current_state()
    data = body()
    state.options.data = data.get("data", state.options.data)
    state.options.seed = int(data.get("seed", state.options.seed))
    state.store.clear()
    state.sessions.expire_all()
    state.faults.remove()
    state.requests.reset()
    seed(state, state.options.data)
    return json_response({"reset": True, "data": state.options.data, "seed": state.options.seed})


@bp.get("/clock")
def get_clock() -> Response:
    """The sandbox time."""
    state = current_state()
    return json_response({"now": iso_utc(state.clock.now_ts()), "epoch": state.clock.now()})


@bp.post("/clock")
def move_clock() -> Response:
    """``{"advance": seconds}`` or ``{"set": "2025-03-04T15:20:11Z"}``."""
    state = current_state()
    data = body()
    if "set" in data:
        state.clock.set(datetime.fromisoformat(data["set"].replace("Z", "+00:00")).timestamp())
    else:
        state.clock.advance(float(data["advance"]))
    return get_clock()


@bp.post("/sessions/expire")
def expire_sessions() -> Response:
    """Expire every session, or only ``{"sessionId": …}``."""
    state = current_state()
    session_id = body().get("sessionId")
    expired = int(state.sessions.drop(session_id)) if session_id else state.sessions.expire_all()
    return json_response({"expired": expired})


@bp.get("/faults")
def list_faults() -> Response:
    """Active fault rules."""
    return json_response({"faults": current_state().faults.listing()})


@bp.post("/faults")
def add_fault() -> Response:
    """``{"route": glob, "kind": error|slow|drop, "status", "delay", "probability", "count", "method"}``."""
    data = body()
    kind = data.get("kind", "error")
    if kind not in FAULT_KINDS or not isinstance(data.get("route"), str):
        raise DomainError(f"route (a glob) is required and kind must be one of {FAULT_KINDS}")
    probability = float(data.get("probability", 1.0))
    count = data.get("count")
    if not 0 <= probability <= 1 or (count is not None and int(count) < 1):
        raise DomainError("probability must be within 0..1 and count at least 1")
    rule = current_state().faults.add(
        route=data["route"],
        kind=kind,
        method=data.get("method"),
        status=int(data.get("status", 500)),
        delay=float(data.get("delay", 0)),
        probability=probability,
        count=None if count is None else int(count),
    )
    return json_response({"fault": rule.__dict__}, 201)


@bp.delete("/faults")
@bp.delete("/faults/<int:rule_id>")
def remove_faults(rule_id: int | None = None) -> Response:
    """Remove one fault rule, or all."""
    current_state().faults.remove(rule_id)
    return json_response({"faults": current_state().faults.listing()})


@bp.get("/requests")
def request_counts() -> Response:
    """Requests per ``METHOD /route`` and the ordered request log (control routes excluded)."""
    return json_response(current_state().requests.snapshot())


@bp.delete("/requests")
def reset_request_counts() -> Response:
    """Zero the counters."""
    current_state().requests.reset()
    return json_response({"counts": {}, "requests": []})


@bp.get("/hard-cases")
def hard_cases() -> Response:
    """The demo data's hard cases: ``{"cases": {name: {"kind", "ids", "note"}}}``."""
    return json_response({"cases": current_state().meta("hard_cases", {"cases": {}})["cases"]})


@bp.get("/records/<kind>")
@bp.get("/records/<kind>/<record_id>")
def records(kind: str, record_id: str | None = None) -> Response:
    """Raw stored records (internal shape, epoch-second timestamps) for assertions."""
    state = current_state()
    if record_id is None:
        return json_response({"records": state.store.all(kind)})
    record = state.store.get(kind, record_id)
    return json_response(record, 200) if record else json_response({"error": "not found"}, 404)


@bp.post("/products")
def create_product() -> Response:
    """A product (``name`` required; productCode/pricePerUnit may be null)."""
    return json_response(catalog.create_product(current_state(), body()), 201)


@bp.post("/products/bulk")
def bulk_products() -> Response:
    """``{"count": 10000, "prefix": "Bulk product", "sameSecond": false}``."""
    data = body()
    ids = catalog.bulk_create_products(
        current_state(),
        int(data["count"]),
        data.get("prefix", "Bulk product"),
        bool(data.get("sameSecond", False)),
    )
    return json_response({"created": len(ids), "firstId": ids[0], "lastId": ids[-1]}, 201)


@bp.patch("/products/<product_id>")
def update_product(product_id: str) -> Response:
    """Edit product fields (bumps lastUpdated)."""
    return json_response(catalog.update_product(current_state(), product_id, body()))


@bp.post("/products/<product_id>/deactivate")
def deactivate_product(product_id: str) -> Response:
    """active=false (hidden from /api/products unless includeInactive=true)."""
    return json_response(catalog.update_product(current_state(), product_id, {"active": False}))


@bp.post("/products/<product_id>/delete")
def delete_product(product_id: str) -> Response:
    """Delete a product behind OpenBoxes' back; orders naming it answer 404 ObjectNotFoundException."""
    return json_response(catalog.delete_product(current_state(), product_id))


@bp.post("/products/<product_id>/restore")
def restore_product(product_id: str) -> Response:
    """Undo ``delete``."""
    return json_response(catalog.delete_product(current_state(), product_id, deleted=False))


@bp.post("/products/<product_id>/corrupt")
def corrupt_product(product_id: str) -> Response:
    """Serve the product damaged (a bad date, a missing field…): ``{"set": {…}, "drop": […]}``; ``{}`` repairs."""
    return json_response(catalog.corrupt(current_state(), "product", product_id, body()))


@bp.post("/suppliers")
def create_supplier() -> Response:
    """A supplier organization + SUPPLIER location: ``{"name", "code"?, "address"?: {...}}``."""
    organization, location = catalog.create_supplier(current_state(), body())
    return json_response({"organization": organization, "location": location}, 201)


@bp.patch("/suppliers/<organization_id>")
def update_supplier(organization_id: str) -> Response:
    """Edit name/code/description/address/active of a supplier."""
    return json_response(catalog.update_supplier(current_state(), organization_id, body()))


@bp.post("/suppliers/<organization_id>/corrupt")
def corrupt_supplier(organization_id: str) -> Response:
    """Serve the organization damaged, as ``/products/<id>/corrupt`` does."""
    return json_response(catalog.corrupt(current_state(), "organization", organization_id, body()))


@bp.post("/suppliers/<organization_id>/deactivate")
def deactivate_supplier(organization_id: str) -> Response:
    """Deactivate the organization and its location."""
    return json_response(catalog.update_supplier(current_state(), organization_id, {"active": False}))


@bp.post("/customers")
def create_customer() -> Response:
    """A destination location for outbound shipments: ``{"name", "locationTypeCode"?: "WARD"}``."""
    return json_response(catalog.create_customer(current_state(), body()), 201)


@bp.patch("/users/<username>")
def update_user(username: str) -> Response:
    """Change ``password``, ``locale`` (en/fr/de) or ``active``."""
    return json_response(catalog.update_user(current_state(), username, body()))


@bp.post("/purchase-orders")
def create_purchase_order() -> Response:
    """``{"supplierId", "lines": [{"productId", "quantity", "unitPrice"}], "currencyCode"?, "place"?}``."""
    return json_response(orders.create_order(current_state(), body()), 201)


@bp.patch("/purchase-orders/<order_id>")
def edit_purchase_order(order_id: str) -> Response:
    """Edit header fields, ``lines`` [{id, quantity?, unitPrice?}], ``addLines`` (also after approval)."""
    return json_response(orders.edit_order(current_state(), order_id, body()))


@bp.post("/purchase-orders/<order_id>/<action>")
def purchase_order_action(order_id: str, action: str) -> Response:
    """``place`` (= approve), ``approve``, ``rollback``, ``cancel`` or ``receive`` (``{"quantities"}``)."""
    state = current_state()
    actions = {
        "place": orders.place_order,
        "approve": orders.place_order,
        "rollback": orders.rollback_order,
        "cancel": orders.cancel_order,
        "receive": lambda s, i: orders.receive_order(s, i, body().get("quantities")),
    }
    if action not in actions:
        raise DomainError(f"unknown action {action}; use one of {sorted(actions)}")
    return json_response(actions[action](state, order_id))


@bp.post("/purchase-orders/<order_id>/lines/<line_id>/cancel")
def cancel_purchase_order_line(order_id: str, line_id: str) -> Response:
    """Cancel one line."""
    return json_response(orders.cancel_line(current_state(), order_id, line_id))


@bp.post("/purchase-orders/<order_id>/adjustments")
def add_purchase_order_adjustment(order_id: str) -> Response:
    """``{"amount"|"percentage", "description"?, "orderItemId"?, "typeCode"?, "canceled"?}``."""
    return json_response(orders.add_adjustment(current_state(), order_id, body()), 201)


@bp.post("/purchase-orders/<order_id>/adjustments/<adjustment_id>/<action>")
def purchase_order_adjustment_action(order_id: str, adjustment_id: str, action: str) -> Response:
    """``cancel`` or ``restore`` one adjustment."""
    if action not in ("cancel", "restore"):
        raise DomainError(f"unknown action {action}; use cancel or restore")
    return json_response(orders.cancel_adjustment(current_state(), order_id, adjustment_id, action == "cancel"))


@bp.post("/purchase-orders/refresh-summary")
def refresh_summary() -> Response:
    """Run the nightly full rebuild of the summary table now."""
    return json_response({"refreshed": orders.refresh_all(current_state())})


@bp.post("/stock-movements")
def create_stock_movement() -> Response:
    """``{"destinationId", "lines": [{"productId", "quantity"}], "pendingApproval"?}`` → picked."""
    return json_response(movements.create_stock_movement(current_state(), body()), 201)


@bp.post("/stock-movements/<movement_id>/ship")
def ship_stock_movement(movement_id: str) -> Response:
    """``{"shipDate"?: "2025-03-01T10:00:00Z", "quantities"?: {productId: qty}}``; may be backdated."""
    data = body()
    return json_response(movements.ship(current_state(), movement_id, data.get("shipDate"), data.get("quantities")))


@bp.post("/stock-movements/<movement_id>/receive")
def receive_stock_movement(movement_id: str) -> Response:
    """``{"partial"?: true}``."""
    return json_response(movements.receive(current_state(), movement_id, bool(body().get("partial"))))


@bp.post("/adjustments")
def record_adjustment() -> Response:
    """``{"lines": [{"productId", "quantityDifference"|"quantity"}], "transactionDate"?, "comment"?}``."""
    return json_response({"transactions": movements.record_adjustment(current_state(), body())}, 201)


LINE_LISTS = {"order": "items", "requisition": "items", "shipment": "items", "transaction": "entries"}


@bp.patch("/records/<kind>/<record_id>")
def patch_record(kind: str, record_id: str) -> Response:
    """Raw changes, unchecked: ``{"set": {field: value}, "render": {field: value}, "lines": {"0": {"set", "render"}}}``.

    ``set`` changes stored fields (what the sandbox computes with); ``render`` overrides fields of the JSON the
    OpenBoxes routes answer for this record (or line), for malformed data: wrong types, nulls, odd strings.
    """
    state = current_state()
    record = catalog.require(state, kind, record_id)
    data = body()
    _patch(record, data)
    lines = record.get(LINE_LISTS.get(kind, ""), [])
    for index, change in (data.get("lines") or {}).items():
        _patch(lines[int(index)], change)
    state.store.put(kind, record)
    if kind == "order":
        orders.schedule_refresh(state, record_id)
    return json_response(record)


def _patch(record: dict, change: dict) -> None:
    record.update(change.get("set") or {})
    if change.get("render"):
        record["_render"] = {**record.get("_render", {}), **change["render"]}
