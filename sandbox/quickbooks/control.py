"""``/_sandbox/…``: the control API for tests, the demo and benchmarks (JSON, no authentication)."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, Response, abort, jsonify, request

from .clock import timestamp
from .companies import MULTICURRENCY_PLANS, create_company, normalize_plan
from .entities import BY_NAME
from .respond import sandbox
from .throttle import ThrottleConfig

blueprint = Blueprint("qbo_control", __name__, url_prefix="/_sandbox")


@blueprint.errorhandler(ValueError)
def bad_request(error: ValueError) -> tuple[Response, int]:
    return jsonify(error=str(error)), 400


def payload() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def company_or_404(realm: str):
    company = sandbox().state.companies.get(realm)
    if company is None:
        abort(404, description=f"no company {realm}")
    return company


@blueprint.post("/reset")
def reset() -> Response:
    sandbox().reset()
    return jsonify(reset=True)


@blueprint.get("/companies")
def list_companies() -> Response:
    return jsonify(companies=[company.meta() for company in sandbox().state.companies.values()])


@blueprint.post("/companies")
def add_company() -> tuple[Response, int]:
    body, state = payload(), sandbox().state
    realm = str(body.get("realm") or _free_realm())
    company = create_company(
        state,
        realm,
        body.get("name", f"Sandbox Company {realm}"),
        body.get("plan", "Plus"),
        body.get("home_currency", "USD"),
        bool(body.get("multicurrency", False)),
    )
    return jsonify(company.meta()), 201


def _free_realm() -> str:
    companies = sandbox().state.companies
    candidate = 9341453050000001 + len(companies)
    while str(candidate) in companies:
        candidate += 1
    return str(candidate)


@blueprint.patch("/companies/<realm>")
def change_company(realm: str) -> Response:
    """Change plan / multicurrency / name / country; multicurrency cannot be switched off once on."""
    body, box = payload(), sandbox()
    with box.state.lock:
        company = company_or_404(realm)
        if "plan" in body:
            company.plan = normalize_plan(body["plan"])
        if "multicurrency" in body:
            if company.multicurrency and not body["multicurrency"]:
                raise ValueError("multicurrency cannot be disabled once enabled")
            company.multicurrency = bool(body["multicurrency"])
        if company.multicurrency and company.plan not in MULTICURRENCY_PLANS:
            raise ValueError(f"multicurrency is not available on {company.plan}")
        company.name = body.get("name", company.name)
        company.country = str(body.get("country", company.country)).upper()
        box.state.save_company(company)
        return jsonify(company.meta())


@blueprint.get("/companies/<realm>/dump")
def dump(realm: str) -> Response:
    """Every stored object of a realm, inactive ones included, by entity name."""
    company = company_or_404(realm)
    wanted = request.args.get("entity")
    with sandbox().state.lock:
        tables = {name: list(rows.values()) for name, rows in company.objects.items() if wanted in (None, name)}
    return jsonify(tables)


@blueprint.post("/companies/<realm>/<entity>/<ident>/inactivate")
def inactivate(realm: str, entity: str, ident: str) -> Response:
    """Like a user making a list object inactive in QuickBooks (SyncToken moves on)."""
    box, company = sandbox(), company_or_404(realm)
    name = _entity_name(entity)
    with box.state.lock:
        record = company.table(name).get(ident) or abort(404, description=f"no {name} {ident}")
        meta = {**record["MetaData"], "LastUpdatedTime": timestamp()}
        changed = {
            **record,
            "Active": False,
            "SyncToken": str(int(record["SyncToken"]) + 1),
            "MetaData": meta,
        }
        box.state.put(company, name, changed)
    return jsonify(changed)


@blueprint.delete("/companies/<realm>/<entity>/<ident>")
def delete_object(realm: str, entity: str, ident: str) -> Response:
    """Remove an object outright, so references to it answer 2500 (not found)."""
    box, company = sandbox(), company_or_404(realm)
    name = _entity_name(entity)
    if ident not in company.table(name):
        abort(404, description=f"no {name} {ident}")
    box.state.remove(company, name, ident, timestamp())  # CDC reports it, as it does a user's delete
    return jsonify(deleted={"entity": name, "Id": ident})


def _entity_name(entity: str) -> str:
    spec = BY_NAME.get(entity.lower())
    if spec is None:
        abort(404, description=f"unknown entity {entity}")
    return spec.name


@blueprint.post("/companies/<realm>/tokens")
def issue_tokens(realm: str) -> Response:
    """A token pair for a realm without the consent page (the same answer the token endpoint gives)."""
    company_or_404(realm)
    return jsonify(realm=realm, **sandbox().tokens.issue_for(realm))


@blueprint.post("/tokens/expire")
def expire_tokens() -> Response:
    body = payload()
    kind = body.get("kind", "access")
    if kind not in ("access", "refresh"):
        raise ValueError("kind must be 'access' or 'refresh'")
    return jsonify(expired=sandbox().tokens.expire(body.get("realm"), kind, body.get("token")))


@blueprint.post("/tokens/revoke")
def revoke_tokens() -> Response:
    """Like the user disconnecting the app: every token of the realm (or the given token's family) dies."""
    body, tokens = payload(), sandbox().tokens
    if body.get("token"):
        tokens.revoke(body["token"])
        return jsonify(revoked=True)
    return jsonify(revoked=tokens.revoke_realm(body.get("realm")))


@blueprint.get("/counters")
def counters() -> Response:
    box = sandbox()
    return jsonify(box.counters.snapshot(dict(box.throttle.in_flight)))


@blueprint.delete("/counters")
def reset_counters() -> Response:
    sandbox().counters.reset()
    return jsonify(reset=True)


@blueprint.get("/requests")
def request_log() -> Response:
    limit = int(request.args.get("limit", 1000))
    return jsonify(requests=sandbox().counters.entries(request.args.get("realm"), limit))


@blueprint.get("/faults")
def list_faults() -> Response:
    return jsonify(faults=sandbox().injector.listing())


@blueprint.post("/faults")
def add_fault() -> tuple[Response, int]:
    return jsonify(sandbox().injector.add(payload()).public()), 201


@blueprint.delete("/faults")
def clear_faults() -> Response:
    sandbox().injector.remove()
    return jsonify(cleared=True)


@blueprint.delete("/faults/<int:rule_id>")
def remove_fault(rule_id: int) -> Response:
    sandbox().injector.remove(rule_id)
    return jsonify(removed=rule_id)


@blueprint.get("/throttle")
def get_throttle() -> Response:
    return jsonify(sandbox().throttle.config.as_dict())


@blueprint.put("/throttle")
def set_throttle() -> Response:
    """Change any of the throttle settings at runtime (e.g. a 1-second "minute" for a test)."""
    throttle, body = sandbox().throttle, payload()
    names = {f.name for f in fields(ThrottleConfig)}
    unknown = set(body) - names
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    merged = {**throttle.config.as_dict(), **body}
    if merged["throttle_format"] not in ("json", "xml"):
        raise ValueError("throttle_format must be 'json' or 'xml'")
    throttle.config = ThrottleConfig(**merged)
    throttle.reset()
    return jsonify(merged)
