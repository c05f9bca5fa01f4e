"""The tenant-isolation sweep: every route of the URL map, as another tenant's admin, aimed at the victim's rows.

The requests are built from the app itself: the URL map; each Flask-Admin view's model, actions, filters,
ajax lookups and export types; every request parameter the portal's code reads by name; every field of
its forms. A new route, view, action or parameter is therefore swept without editing this file, and one
the sweep cannot build a request for fails ``test_every_route_and_parameter_is_classified`` with what to
add. Every victim row has the primary key ``VICTIM_ID`` (one id reaches every table's row) and carries
``MARKER`` in its shown text and secrets.

The attacker (the other tenant's admin, with a valid CSRF token) must never see the marker, change a
victim row or queue work for the victim; support staff sending the same requests must see and change
the victim's rows, which proves the requests really reach them.
"""

from __future__ import annotations

import ast
import html
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus, urlencode, urlsplit

import pytest
from flask import current_app, g
from flask_admin.model import BaseModelView
from flask_login import login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField

from portal.models.mapping import ACCOUNT_ROLES
from tests.conftest import CSRF_RE, TEST_PASSWORD, AuthActions
from tests.factories import make_tenant, make_user, seed_tenant_rows

VICTIM_ID = 900_001  # well inside a 32-bit integer: the sweep is about scoping, not parsing
MARKER = "vqzmark"
OWN_MARKER = "atkmark"  # the attacker's rows: their own pages must show them
SEARCH = MARKER[1:-1]  # searches for the victim without echoing the whole marker back
PORTAL = Path(__file__).resolve().parents[2] / "portal"

# Routes every visitor may open, and why.
PUBLIC = {
    "static": "the app's CSS and JavaScript files",
    "admin.static": "Flask-Admin's CSS and JavaScript files",
    "auth.login": "the login page itself",
    "health.healthz": "the uptime check: database, Redis, worker and clock status, nothing per tenant",
    "root": "a redirect to the console home, which asks for a login",
    "theme_css": "the console's stylesheet, served from the app for the Content-Security-Policy",
    "favicon": "the app's icon",
}
# (endpoint, method) pairs the signed-in sweeps leave out, and why.
NOT_SWEPT = {
    ("static", "GET"): "serves files from disk, takes no ids",
    ("admin.static", "GET"): "serves files from disk, takes no ids",
    ("auth.logout", "POST"): "ends the sweeping user's own session and takes no ids (tests/test_auth.py)",
    ("auth.login", "POST"): "failed logins count against the named account by design (lockout, tests/test_auth.py)",
}


def victim_values() -> dict[str, list[str]]:
    """Victim-aimed values of every request parameter the portal reads by name (the first goes in every
    request; each further one adds a request). A parameter missing here fails the classification test."""
    since = str(int(time.time()) - 3600)
    return {
        "tenant": [str(VICTIM_ID)],
        "id": [str(VICTIM_ID)],
        "product_id": [f"p{VICTIM_ID}"],
        "item_id": ["19"],
        "action": ["match", "create", "unlink"],  # Products bulk actions
        "scope": ["selected", "filtered"],
        "state": ["unlinked", f"{VICTIM_ID}.forged"],  # Products state filter; OAuth state of the callback
        "q": [SEARCH],
        "query": [SEARCH],  # the manual product link's item search
        "mode": ["manual", "auto_create"],
        "since": [since],
        "day": ["2026-10-01"],  # sync history from a date (Sync preferences)
        "history": ["2026-10-01"],  # the history import's progress page
        "period": ["week", "month"],  # the reconciliation report
        "items": ["all"],  # the reconciliation report's on-hand table: every item, not only differing ones
        "on": ["1", "0"],  # opening stock on (past its confirmation) or off
        "reset_links": ["y"],
        "confirmed": ["yes", "no"],  # past the confirmation page, and the page itself
        "cause": ["account_mappings"],
        "page": ["1"],
        "next": [f"/admin/tenants/details/?id={VICTIM_ID}"],
        # Read under computed names or through a helper (not found by the scan below):
        **{f"account_{role}": ["81"] for role in ACCOUNT_ROLES},
        "code": ["forged-code"],
        "realmId": [f"realm-{MARKER}"],
        "error": [""],
    }


# Values of the portal's own (Flask-WTF) form fields: valid, so a missing scope check would reach the save.
FORM_VALUES = {
    "email": f"admin@{MARKER}.test",
    "password": "sweep-password-1",
    "base_url": "http://127.0.0.1:9/sweep",
    "username": "sweep-user",
    "location_id": "L-sweep",
    "sync_mode": "realtime",
    "realtime_interval_minutes": "2",
    "daily_time": "03:30",
    "timezone": "Europe/Paris",
    "po_target": "Bill",
    "shipment_target": "SalesReceipt",
    "product_link_mode": "manual",
    "transliterate_names": "y",
    "digest_webhook_url": "https://hooks.example.com/sweep",
    "alert_emails": f"alerts@{MARKER}.test",
    **{f"sync_{kind}": "" for kind in ("purchase_orders", "suppliers", "shipments", "products", "adjustments")},
}


@dataclass
class Probe:
    method: str
    path: str
    endpoint: str
    query: dict = field(default_factory=dict)
    form: dict = field(default_factory=dict)
    reads_victim: str = ""  # "must": support gets 200 with the marker; "page": a 200 page must show it

    @property
    def url(self) -> str:
        return f"{self.path}?{urlencode(self.query, doseq=True)}" if self.query else self.path

    def sent(self) -> list[str]:
        values = [*self.query.values(), *self.form.values()]
        return [str(item) for value in values for item in (value if isinstance(value, list) else [value])]


# --- what the portal reads ----------------------------------------------------------------------


def _request_param(node) -> str | None:
    """The literal name in ``request.args.get("x")``, ``request.form.getlist("x")``, ``request.values["x"]``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getlist"):
        source, key = node.func.value, node.args[0] if node.args else None
    elif isinstance(node, ast.Subscript):
        source, key = node.value, node.slice
    else:
        return None
    is_request = isinstance(source, ast.Attribute) and source.attr in ("args", "form", "values", "files")
    is_request = is_request and isinstance(source.value, ast.Name) and source.value.id == "request"
    return key.value if is_request and isinstance(key, ast.Constant) and isinstance(key.value, str) else None


def params_read_by_portal() -> set[str]:
    names = set()
    for path in PORTAL.rglob("*.py"):
        names |= {name for node in ast.walk(ast.parse(path.read_text())) if (name := _request_param(node))}
    return names


def portal_form_fields() -> set[str]:
    """Field names of every Flask-WTF form the portal defines (Flask-Admin's model forms are built apart)."""
    names, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending += form.__subclasses__()
        if form.__module__.startswith("portal."):
            names |= {name for name in dir(form) if hasattr(getattr(form, name), "field_class")}
    return names


# --- building the probes ------------------------------------------------------------------------


def console_views(app) -> dict:
    return {view.endpoint: view for view in app.extensions["admin"][0]._views}


def model_form_data(view, world, create: bool) -> dict:
    """The view's own form (as support sees it) for the victim's row, its shown text changed and its
    relations pointed at the victim, so a missing scope check would really save it."""
    row = world["victim_rows"][view.model.__table__.name]
    with current_app.app_context(), current_app.test_request_context():  # own ``g``: Flask-Login caches the user
        login_user(world["support"])
        form = view.create_form(obj=row) if create else view.edit_form(obj=row)
        data = {}
        for item in form:
            if item.name == "csrf_token" or (isinstance(item, BooleanField) and not item.data):
                continue
            if hasattr(item, "query_factory") or hasattr(item, "loader"):
                data[item.name] = str(VICTIM_ID)
            elif isinstance(item, PasswordField):
                data[item.name] = FORM_VALUES["password"]
            else:
                shown = item._value() if hasattr(item, "_value") else item.data
                data[item.name] = str(shown or "").replace(MARKER, "swept").replace(MARKER.title(), "Swept")
        return data


def _list(view, path, endpoint, world) -> list[Probe]:
    probes = [Probe("GET", path, endpoint, {"tenant": str(VICTIM_ID)}, reads_victim="page")]
    for arg, (_, flt) in (view._filter_args or {}).items():
        if getattr(flt.column, "key", None) == "tenant_id":
            probes.append(Probe("GET", path, endpoint, {arg: str(VICTIM_ID)}, reads_victim="must"))
    return probes + [Probe("GET", path, endpoint, {"search": SEARCH})]


def _details(view, path, endpoint, world) -> list[Probe]:
    return [Probe("GET", path, endpoint, dict(ONE_ROW), reads_victim="must" if view.can_view_details else "")]


def _edit(view, path, endpoint, world) -> list[Probe]:
    form = model_form_data(view, world, create=False)
    return [
        Probe("GET", path, endpoint, dict(ONE_ROW), reads_victim="page"),
        Probe("POST", path, endpoint, dict(ONE_ROW), form),
    ]


def _create(view, path, endpoint, world) -> list[Probe]:
    form = model_form_data(view, world, create=True)
    return [Probe("GET", path, endpoint, {"tenant": str(VICTIM_ID)}), Probe("POST", path, endpoint, form=form)]


def _delete(view, path, endpoint, world) -> list[Probe]:
    return [Probe("POST", path, endpoint, form=dict(ONE_ROW))]


def _action(view, path, endpoint, world) -> list[Probe]:
    actions = [name for name, _ in view._actions] or ["delete"]
    return [Probe("POST", path, endpoint, form={"action": name, "rowid": [str(VICTIM_ID)]}) for name in actions]


def _export(view, path, endpoint, world) -> list[Probe]:
    reads = "must" if view.can_export else ""
    return [
        Probe("GET", path.replace("<export_type>", kind), endpoint, reads_victim=reads) for kind in view.export_types
    ]


def _ajax_lookup(view, path, endpoint, world) -> list[Probe]:
    refs = list(getattr(view, "_form_ajax_refs", None) or {})
    return [
        Probe("GET", path, endpoint, {"name": ref, "query": SEARCH}, reads_victim="must" if refs else "")
        for ref in refs or ["tenant"]
    ]


def _ajax_update(view, path, endpoint, world) -> list[Probe]:
    form = {"list_form_pk": str(VICTIM_ID), **model_form_data(view, world, create=False)}
    return [Probe("POST", path, endpoint, form=form)]


# Flask-Admin's model-view endpoints (any other route of a view is its own page, swept as such).
ONE_ROW = {"id": str(VICTIM_ID), "url": "/admin/"}
STOCK = {
    "index_view": _list,
    "details_view": _details,
    "edit_view": _edit,
    "create_view": _create,
    "delete_view": _delete,
    "action_view": _action,
    "export": _export,
    "ajax_lookup": _ajax_lookup,
    "ajax_update": _ajax_update,
}


def custom_probes(rule, methods, values: dict) -> list[Probe]:
    """Requests at a page of the portal's own: every parameter it reads, aimed at the victim, in query and form."""
    base = {name: options[0] for name, options in values.items()}
    variants = [base] + [{**base, name: extra} for name, options in values.items() for extra in options[1:]]
    probes = []
    for method in methods:
        for params in variants:
            form = {**FORM_VALUES, **params} if method == "POST" else {}
            reads = "page" if method == "GET" and rule.endpoint not in PUBLIC else ""
            probes.append(Probe(method, rule.rule, rule.endpoint, dict(params), form, reads))
    return probes


def unclassified_inputs() -> list[str]:
    """Parameters and form fields the portal reads that the sweep has no victim value for."""
    here = Path(__file__).name
    params = sorted(params_read_by_portal() - set(victim_values()))
    fields = sorted(portal_form_fields() - set(FORM_VALUES) - {"csrf_token"})
    return [
        f"Request parameter {name!r} has no victim value: add it to victim_values() in {here}" for name in params
    ] + [f"Form field {name!r} has no sweep value: add it to FORM_VALUES in {here}" for name in fields]


def route_probes(rule, views, world) -> tuple[list[Probe], str | None]:
    """The probes of one route, or why it cannot be swept."""
    methods = sorted(m for m in rule.methods - {"HEAD", "OPTIONS"} if (rule.endpoint, m) not in NOT_SWEPT)
    blueprint, _, name = rule.endpoint.partition(".")
    view = views.get(blueprint)
    if isinstance(view, BaseModelView) and name in STOCK:
        if view.model.__table__.name not in world["victim_rows"]:
            return [], f"Model view {view.endpoint}: seed a victim row of {view.model.__name__} in sweep_world"
        probes = STOCK[name](view, rule.rule, rule.endpoint, world)
        return [probe for probe in probes if probe.method in methods], None
    if methods and rule.arguments:
        return [], f"Route {rule.rule}: the sweep has no victim value for {sorted(rule.arguments)}; teach it one"
    return custom_probes(rule, methods, victim_values()), None


def build_probes(app, world) -> tuple[list[Probe], list[str]]:
    """Every request of the sweep, and what could not be classified (each a sentence for the developer)."""
    probes, problems, views = [], unclassified_inputs(), console_views(app)
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        found, problem = route_probes(rule, views, world)
        probes += found
        problems += [problem] if problem else []
    return probes, problems


# --- the world and its snapshot -----------------------------------------------------------------


def _seed(tenant, marker: str, victim: bool) -> dict:
    """One row of every tenant table with ``marker`` in its text and secrets, by table name."""
    from portal.models import OpenBoxesProduct

    rows = seed_tenant_rows(tenant, marker)
    rows["openboxes_product"] = OpenBoxesProduct(
        tenant=tenant,
        openboxes_product_id=f"p{tenant.id}",
        product_code=f"{marker}-sku",
        product_name=f"{marker} gauze",
    )
    rows["product_links"].openboxes_product_id = f"p{tenant.id}"
    rows["openboxes"].base_url = f"http://127.0.0.1:9/{marker}"  # a closed local port: nothing leaves the machine
    rows["openboxes"].password = f"{marker}-ob-password"
    rows["quickbooks"].access_token, rows["quickbooks"].refresh_token = f"{marker}-access", f"{marker}-refresh"
    rows["runs"].error = f"{marker} run error"
    if victim:
        for row in rows.values():
            row.id = VICTIM_ID
    return {row.__table__.name: row for row in rows.values()}


@pytest.fixture
def sweep_world(app, db, redis):
    """The attacker's tenant (ids from the sequence), the victim's (every row id ``VICTIM_ID``), and support."""
    attacker_tenant = make_tenant(f"{OWN_MARKER.title()} Clinics")
    attacker = make_user(f"admin@{OWN_MARKER}.test", "tenant_admin", attacker_tenant, TEST_PASSWORD)
    db.session.flush()
    _seed(attacker_tenant, OWN_MARKER, victim=False)
    victim_tenant = make_tenant(f"{MARKER.title()} Hospital", id=VICTIM_ID)
    victim_tenant.digest_webhook_url = f"https://{MARKER}.hooks.test/digest"
    victim_user = make_user(f"admin@{MARKER}.test", "tenant_admin", victim_tenant, TEST_PASSWORD)
    victim_user.id = VICTIM_ID
    db.session.flush()
    victim_rows = _seed(victim_tenant, MARKER, victim=True)
    support = make_user("help@bridge.test", "support", None, TEST_PASSWORD)
    db.session.commit()
    victim_rows |= {"tenant": victim_tenant, "app_user": victim_user}
    return {"attacker": attacker, "attacker_tenant": attacker_tenant.id, "support": support, "victim_rows": victim_rows}


def not_attackers(db, attacker_tenant: int) -> dict:
    """Every row of every table that is not the attacker's tenant's, by (table, primary key)."""
    rows = {}
    for table in db.metadata.sorted_tables:
        owner = table.c.id if table.name == "tenant" else table.c.get("tenant_id")
        query = select(table) if owner is None else select(table).where((owner != attacker_tenant) | owner.is_(None))
        for row in db.session.execute(query).mappings():
            rows[(table.name, row["id"])] = dict(row)
    db.session.rollback()
    return rows


def victim_redis_keys(redis) -> set[bytes]:
    return {key for key in redis.keys("*") if str(VICTIM_ID).encode() in key or MARKER.encode() in key.lower()}


# --- sending the probes -------------------------------------------------------------------------


def unechoed(body: str, probe: Probe) -> str:
    """The body without the values the probe itself sent (a search box showing our own query is no leak)."""
    body = body.lower()
    for value in (value.lower() for value in probe.sent() if MARKER in value.lower()):
        for variant in {value, quote(value, safe=""), quote_plus(value), html.escape(value)}:
            body = body.replace(variant, "")
    return body


def fresh_globals() -> None:
    """Empty ``g`` as a server's new request would: the test app context outlives requests, and Flask-Login
    (the signed-in user) and Flask-WTF (the CSRF token) cache in it."""
    for name in list(g):
        g.pop(name)


def send(auth, probe: Probe):
    """The probe's response, and the pages its redirects lead to (flash messages are shown there)."""
    fresh_globals()
    if probe.method == "GET":
        response = auth.client.get(probe.url)
    else:
        response = auth.client.post(probe.url, data={**probe.form, "csrf_token": auth.csrf_token})
    response.get_data()  # a streamed export holds its request context until read
    answers = [response]
    while response.status_code in (301, 302, 303) and len(answers) < 4:
        target = urlsplit(response.headers["Location"])
        if target.netloc not in ("", "localhost") or target.path.startswith("/auth/login"):
            break
        fresh_globals()
        response = auth.client.get(f"{target.path}?{target.query}")
        response.get_data()
        answers.append(response)
    return answers


def sweep(auth, probes: list[Probe]) -> list[tuple[Probe, list]]:
    results = []
    for probe in probes:
        try:
            results.append((probe, send(auth, probe)))
        except Exception as error:  # noqa: BLE001 - the sweep reports every crash with its request
            results.append((probe, [error]))
    return results


def leaks(results) -> list[str]:
    """Responses (or the pages they redirect to) that show the victim's marker."""
    return [
        f"{probe.method} {probe.url} -> {answer.request.path}"
        for probe, answers in results
        for answer in answers
        if MARKER in unechoed(answer.get_data(as_text=True), probe)
    ]


def crashes(results) -> list[str]:
    """Requests that raised or answered 500 (a 503 is a deliberate answer, e.g. /healthz without a worker)."""
    found = []
    for probe, answers in results:
        for answer in answers:
            if isinstance(answer, Exception) or answer.status_code == 500:
                what = repr(answer) if isinstance(answer, Exception) else answer.status_code
                found.append(f"{probe.method} {probe.url} {probe.form or ''} -> {what}")
    return found


@pytest.fixture
def signed_in(client):
    def sign_in(user) -> AuthActions:
        fresh_globals()
        auth = AuthActions(client)
        assert auth.login(user.email).status_code == 302
        return auth

    return sign_in


# --- the tests ----------------------------------------------------------------------------------


def test_every_route_and_parameter_is_classified(app, sweep_world, db):
    probes, problems = build_probes(app, sweep_world)
    assert problems == []
    swept = {probe.endpoint for probe in probes}
    missing = {rule.endpoint for rule in app.url_map.iter_rules()} - swept - {e for e, _ in NOT_SWEPT}
    assert missing == set()
    tenant_tables = {t.name for t in db.metadata.sorted_tables if "tenant_id" in t.c or t.name == "tenant"}
    assert tenant_tables - set(sweep_world["victim_rows"]) == set(), "seed a victim row of every tenant table"


@pytest.fixture
def attacker_sweep(app, sweep_world, db, redis, signed_in) -> dict:
    """Every probe sent by the other tenant's admin, with every table and the Redis keys before and after."""
    probes, problems = build_probes(app, sweep_world)
    assert problems == []
    before, keys_before = not_attackers(db, sweep_world["attacker_tenant"]), victim_redis_keys(redis)
    results = sweep(signed_in(sweep_world["attacker"]), probes)
    after = not_attackers(db, sweep_world["attacker_tenant"])
    changed = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    return {
        "results": results,
        "changed": {key: (before.get(key), after.get(key)) for key in changed},
        "new_victim_keys": victim_redis_keys(redis) - keys_before,
    }


def _owner(table: str, snapshot: tuple) -> int | None:
    row = snapshot[0] or snapshot[1]
    return row["id"] if table == "tenant" else row.get("tenant_id")


def test_another_tenants_admin_sees_nothing_of_the_victim_and_nothing_crashes(attacker_sweep):
    results = attacker_sweep["results"]
    assert crashes(results) == []
    assert leaks(results) == []
    signed_out = [p.url for p, answers in results if "/auth/login" in answers[-1].headers.get("Location", "")]
    assert signed_out == [], "the attacker was signed out mid-sweep, so the rest of it proved nothing"


def test_another_tenants_admin_still_sees_their_own_rows(attacker_sweep):
    """The same pages show the attacker's own tenant: isolation, not pages that show nobody anything."""
    pages = [
        (probe, answers[0])
        for probe, answers in attacker_sweep["results"]
        if probe.reads_victim and answers[0].status_code == 200 and answers[0].mimetype in ("text/html", "text/csv")
    ]
    assert len(pages) > 20
    assert [probe.url for probe, page in pages if OWN_MARKER not in page.get_data(as_text=True).lower()] == []


def test_another_tenants_admin_changes_no_victim_row_and_queues_nothing_for_it(attacker_sweep):
    victims = {key: rows for key, rows in attacker_sweep["changed"].items() if _owner(key[0], rows) == VICTIM_ID}
    assert victims == {}
    assert attacker_sweep["new_victim_keys"] == set()


def test_another_tenants_admin_writes_nothing_outside_their_tenant(attacker_sweep):
    """Rows of no tenant (support users, system audit events) are not the tenant admin's to write either."""
    assert attacker_sweep["changed"] == {}


def test_signed_out_visitor_is_sent_to_login_everywhere(app, sweep_world, client):
    probes, _ = build_probes(app, sweep_world)
    visitor = AuthActions(client)
    visitor.csrf_token = CSRF_RE.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    let_in = []
    for probe in (probe for probe in probes if probe.endpoint not in PUBLIC):
        response = send(visitor, probe)[0]
        to_login = response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/auth/login"
        if not (to_login or response.status_code in (401, 403)):
            let_in.append(f"{probe.method} {probe.url} -> {response.status_code}")
        if MARKER in unechoed(response.get_data(as_text=True), probe):
            let_in.append(f"{probe.method} {probe.url} -> shows the victim's data")
    assert let_in == []


def test_support_reads_the_victims_rows_through_the_same_requests(app, sweep_world, signed_in):
    probes, _ = build_probes(app, sweep_world)
    reads = [probe for probe in probes if probe.reads_victim]
    assert reads
    results = sweep(signed_in(sweep_world["support"]), reads)
    assert crashes(results) == []
    unseen = []
    for probe, answers in results:
        response = answers[0]
        page = response.status_code == 200 and response.mimetype == "text/html"
        if (probe.reads_victim == "must" or page) and MARKER not in response.get_data(as_text=True).lower():
            unseen.append(f"{probe.url} -> {response.status_code} {response.mimetype}")
    assert unseen == []


def test_support_changes_the_victims_rows_through_the_same_requests(app, sweep_world, db, signed_in):
    """Each model view that lets support delete or act changes the victim's row of its model; the tenant goes last
    (deleting it takes its rows along)."""
    probes, _ = build_probes(app, sweep_world)
    views, support = console_views(app), signed_in(sweep_world["support"])
    order = [table.name for table in reversed(db.metadata.sorted_tables)]
    writers = [
        view for view in views.values() if isinstance(view, BaseModelView) and _support_writes(app, view, sweep_world)
    ]
    unchanged = []
    for view in sorted(writers, key=lambda view: order.index(view.model.__table__.name)):
        table = view.model.__table__.name
        before = not_attackers(db, sweep_world["attacker_tenant"]).get((table, VICTIM_ID))
        posts = [p for p in probes if p.endpoint.startswith(f"{view.endpoint}.") and p.method == "POST"]
        assert crashes(sweep(support, posts)) == []
        if not_attackers(db, sweep_world["attacker_tenant"]).get((table, VICTIM_ID)) == before:
            unchanged.append(view.endpoint)
    assert writers and unchanged == []


def _support_writes(app, view, world) -> bool:
    with app.app_context(), app.test_request_context():
        login_user(world["support"])
        return bool(view.can_delete or [name for name, _ in view._actions if view.is_action_allowed(name)])


def test_the_scan_finds_every_way_a_view_reads_a_parameter():
    code = 'request.args.get("a"); request.form.getlist("b"); request.values["c"]; request.form.get(name); x.get("d")'
    found = {name for node in ast.walk(ast.parse(code)) if (name := _request_param(node))}
    assert found == {"a", "b", "c"}


def test_a_new_route_is_swept_or_flagged_without_editing_the_sweep(app, sweep_world):
    from flask_admin import expose

    from portal.admin.base import SecureBaseView

    class NewPage(SecureBaseView):
        @expose("/", methods=["GET", "POST"])
        def index(self):
            return "new"

    app.extensions["admin"][0].add_view(NewPage(name="New", endpoint="sweep_new_page"))
    app.add_url_rule("/sweep-new/<token>", "sweep_new_variable", lambda token: token)
    probes, problems = build_probes(app, sweep_world)
    swept = {(probe.method, probe.path) for probe in probes if probe.endpoint == "sweep_new_page.index"}
    assert swept == {("GET", "/admin/sweep_new_page/"), ("POST", "/admin/sweep_new_page/")}
    assert [problem for problem in problems if "/sweep-new/<token>" in problem] != []


def test_a_new_page_that_trusts_tenant_is_caught_without_editing_the_sweep(app, sweep_world, signed_in):
    from flask import request
    from flask_admin import expose

    from portal.admin.base import SecureBaseView
    from portal.extensions import db
    from portal.models import Tenant

    class TrustingPage(SecureBaseView):
        @expose("/")
        def index(self):
            tenant = db.session.get(Tenant, request.args.get("tenant", type=int) or 0)
            return tenant.name if tenant else "no tenant"

    app.extensions["admin"][0].add_view(TrustingPage(name="Trusting", endpoint="sweep_trusting_page"))
    probes, _ = build_probes(app, sweep_world)
    results = sweep(
        signed_in(sweep_world["attacker"]), [p for p in probes if p.endpoint == "sweep_trusting_page.index"]
    )
    assert results and leaks(results) != []
