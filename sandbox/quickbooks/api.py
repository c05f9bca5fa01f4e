"""``/v3/company/{realm}/…``: authentication, throttling, fault injection, requestid replay, dispatch."""

from __future__ import annotations

import time

from flask import Blueprint, Response, request

from . import cdc, entities, faults, query
from .batch import run_batch
from .clock import timestamp
from .companies import company_info, preferences
from .respond import drop_connection, render, sandbox
from .rules import Ctx

blueprint = Blueprint("qbo_api", __name__)
SERVED_MINOR_VERSION = 75


@blueprint.route("/v3/company/<realm>/<path:rest>", methods=["GET", "POST"])
def api(realm: str, rest: str) -> Response:
    box = sandbox()
    box.counters.bump(realm, "requests")
    entry = {"realm": realm, "method": request.method, "path": request.path, "args": request.args.to_dict()}
    entry["minorversion"] = SERVED_MINOR_VERSION  # 1–74 or none are served as 75; nothing newer exists
    response = _authenticated(box, realm, rest, entry)
    entry["status"] = response.status_code
    box.counters.record(entry)
    return response


def _authenticated(box, realm: str, rest: str, entry: dict) -> Response:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    token_realm, problem = box.tokens.check_access(token) if token else (None, "Malformed bearer token")
    if problem:
        box.counters.bump(realm, "auth_failures")
        response = render(faults.auth_body(problem), 401, force_json=True)
        response.headers["WWW-Authenticate"] = 'Bearer realm="Intuit", error="invalid_token"'
        return response
    if token_realm != realm or realm not in box.state.companies:
        box.counters.bump(realm, "auth_failures")
        return render(faults.authorization_body(), 403, force_json=True)
    return _throttled(box, realm, rest, entry)


def _throttled(box, realm: str, rest: str, entry: dict) -> Response:
    is_batch = rest == "batch" and request.method == "POST"
    items = (request.get_json(silent=True) or {}).get("BatchItemRequest") if is_batch else None
    per_item = isinstance(items, list) and box.throttle.config.batch_items_count
    cost = min(max(1, len(items)), box.options.batch_max_items) if per_item else 1
    wait = box.throttle.admit(realm, cost, is_batch)
    if wait is not None:
        box.counters.bump(realm, "throttled")
        return throttle_response(box, wait)
    box.counters.observe_in_flight(realm, box.throttle.in_flight.get(realm, 0))
    try:
        return _injected(box, realm, rest, entry)
    finally:
        box.throttle.release(realm)


def throttle_response(box, wait: float) -> Response:
    config = box.throttle.config
    if config.throttle_format == "xml":
        response = Response(faults.throttle_xml(config.throttle_status), config.throttle_status)
        response.content_type = "application/xml;charset=UTF-8"
    else:
        response = render(faults.throttle_json(config.throttle_status), config.throttle_status, force_json=True)
    if config.retry_after:
        response.headers["Retry-After"] = box.throttle.retry_after(wait)
    return response


def _injected(box, realm: str, rest: str, entry: dict) -> Response:
    rule = box.injector.take(request.method, request.path, realm)
    if rule is None:
        return _dispatch(box, realm, rest, entry)
    box.counters.bump(realm, "faults_injected")
    entry["fault"] = rule.kind
    return apply_rule(rule, lambda: _dispatch(box, realm, rest, entry))


def apply_rule(rule, proceed) -> Response:
    """Carry out one injected fault around ``proceed`` (the real handling). Shared with the token endpoint."""
    if rule.kind == "slow":
        time.sleep(rule.delay)
        return proceed()
    if rule.kind == "5xx":
        status = rule.status or 503
        return Response("<html><body><h1>Service Unavailable</h1></body></html>", status, mimetype="text/html")
    if rule.kind == "10000":
        return render(faults.application_error(), rule.status or 500)
    response = proceed() if rule.kind == "commit_then_drop" else Response("", 500)
    drop_connection()
    return response


def _dispatch(box, realm: str, rest: str, entry: dict) -> Response:
    ctx = Ctx(box.state, box.state.companies[realm], box.options)
    ctx.allow_duplicate_docnum = "allowduplicatedocnum" in request.args.get("include", "").lower()
    parts = rest.split("/")
    if request.method == "GET" or parts[0] == "query":
        box.counters.bump(realm, "reads")
        return _answer(ctx, lambda: read_route(ctx, parts))
    return _write(box, ctx, parts, entry)


def _answer(ctx: Ctx, handler) -> Response:
    with ctx.state.lock:
        try:
            return render(handler())
        except faults.QboError as error:
            return render(error.body(), error.status)


def read_route(ctx: Ctx, parts: list[str]) -> dict:
    """GET entity/{id}, companyinfo/{realm}, preferences, cdc, and query (GET or POST)."""
    if parts == ["query"]:
        text = request.args.get("query") if request.method == "GET" else request.get_data(as_text=True)
        if not text:
            raise faults.query_parse_error("No query given")
        return {"QueryResponse": query.run(ctx, text), "time": timestamp(millis=True)}
    if parts == ["cdc"]:
        answer = cdc.changes(ctx, request.args.get("entities"), request.args.get("changedSince"))
        return {**answer, "time": timestamp(millis=True)}
    if parts == ["preferences"]:
        return {"Preferences": preferences(ctx.company), "time": timestamp(millis=True)}
    if len(parts) == 2 and parts[0] == "companyinfo" and parts[1] == ctx.company.realm:
        return {"CompanyInfo": company_info(ctx.company), "time": timestamp(millis=True)}
    spec = entities.SPECS.get(parts[0])
    if spec is None or len(parts) != 2:
        raise faults.unsupported_operation(f"GET {'/'.join(parts)}")
    return {spec.name: entities.read(ctx, spec, parts[1]), "time": timestamp(millis=True)}


def _write(box, ctx: Ctx, parts: list[str], entry: dict) -> Response:
    """POST entity (create/update/delete) and batch, with requestid replay."""
    requestid = request.args.get("requestid")
    entry["requestid"] = requestid
    operation = request.args.get("operation", "")
    route = f"POST {'/'.join(parts)} {operation}".strip()
    with ctx.state.lock:
        if requestid is not None:
            replay = _replay(box, ctx, requestid, route, parts == ["batch"])
            if replay is not None:
                entry["replayed"] = True
                return replay
        try:
            status, body = 200, write_route(box, ctx, parts, operation)
            box.counters.bump(ctx.company.realm, "writes")
        except faults.QboError as error:
            status, body = error.status, error.body()
            box.counters.bump(ctx.company.realm, "errors")
        if requestid is not None and (status == 200 or box.options.replay_errors):
            box.state.remember_reply(ctx.company, requestid, {"route": route, "status": status, "body": body})
    return render(body, status)


def _replay(box, ctx: Ctx, requestid: str, route: str, is_batch: bool) -> Response | None:
    """The first answer again for a known requestid; 600 when the id was used for another operation."""
    limit = 36 if is_batch else 50
    if not requestid or len(requestid) > limit:
        error = faults.bad_length("requestid", len(requestid), limit, 1)
        return render(error.body(), error.status)
    reply = ctx.company.requestids.get(requestid)
    if reply is None:
        return None
    if reply["route"] != route:
        detail = f"Duplicate Request ID: {requestid} was already used for {reply['route']}"
        error = faults.QboError("600", "Duplicate Request ID", detail, "requestid")
        return render(error.body(), error.status)
    box.counters.bump(ctx.company.realm, "replays")
    return render(reply["body"], reply["status"])


def write_route(box, ctx: Ctx, parts: list[str], operation: str) -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise faults.QboError(
            "2010", "Request has invalid or unsupported property", "Request body is not a JSON object"
        )
    if parts == ["batch"]:
        requestid = request.args.get("requestid")
        return run_batch(ctx, body, box.options.batch_max_items, bid_limit=10 if requestid else None)
    spec = entities.SPECS.get(parts[0]) if len(parts) == 1 else None
    if spec is None or "void" in request.args.get("include", "").lower():
        raise faults.unsupported_operation(f"POST {request.full_path}")
    record = perform(ctx, spec, body, operation)
    return {spec.name: record, "time": timestamp(millis=True)}


def perform(ctx: Ctx, spec: entities.Spec, body: dict, operation: str) -> dict:
    """create, update (Id present or operation=update) or delete (operation=delete)."""
    if operation == "delete":
        return entities.delete(ctx, spec, body)
    if operation not in ("", "create", "update"):
        raise faults.unsupported_operation(f"operation={operation}")
    if operation == "update" or (operation == "" and body.get("Id") not in (None, "")):
        return entities.update(ctx, spec, body)
    return entities.create(ctx, spec, body)
