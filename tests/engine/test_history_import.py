"""Sync from a past date: the preview counts what OpenBoxes holds, confirming moves the start date back and
queues the import, the import sends history once (the link ledger), and history keeps its own dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from rq import Queue

from devtools.seed import seed_connected_tenant
from portal.models import AuditEvent, SyncActivity
from portal.services.enable import enable_sync
from portal.services.history import preview_history, start_history_import
from tests.factories import make_tenant
from tests.sync_fixtures import activities, sync, work

ZONE = ZoneInfo("America/New_York")  # the tenant's and the OpenBoxes sandbox server's zone


def at(day: date, hour: int = 15) -> str:
    return datetime.combine(day, time(hour), UTC).isoformat().replace("+00:00", "Z")


def on_sandbox_clock(ob, day: date | None) -> None:
    """Set the OpenBoxes sandbox's clock to ``day`` (back to now when None): records are stamped with it."""
    moment = at(day) if day else datetime.now(UTC).isoformat().replace("+00:00", "Z")
    ob.control("POST", "/clock", {"set": moment})


@pytest.fixture
def tenant(qbo_app, qb, ob, db, redis):
    """Connected to both sandboxes with accounts mapped; syncing is enabled by ``history`` once the past exists."""
    tenant = make_tenant("Acme Medical", timezone="America/New_York")
    seed_connected_tenant(tenant, ob, qb, enable=False)
    return tenant


@pytest.fixture
def history(tenant, ob, qb, db, redis):
    """OpenBoxes holds an old supplier, product, two approved orders (110 and 50 days ago), an adjustment and a
    shipment from before syncing was enabled; then a new order (new supplier and product) was synced live."""
    today = datetime.now(ZONE).date()
    days = {"august": today - timedelta(days=110), "october": today - timedelta(days=50)}
    on_sandbox_clock(ob, days["august"])
    supplier, product = ob.supplier("Old Supplies"), ob.product("Old gauze", "OLD-1", "2.50")
    orders = {}
    for name, day in days.items():
        on_sandbox_clock(ob, day)
        orders[name] = ob.purchase_order(supplier["id"], [(product["id"], 4, "2.50")], dateOrdered=at(day, 12))
        ob.approve(orders[name]["id"])
    ob.adjust(product["id"], -2)
    ob.shipment(ob.customer("Ward A")["id"], [(product["id"], 1)])
    on_sandbox_clock(ob, None)
    enable_sync(tenant.id)
    new_supplier, new_product = ob.supplier("New Supplies"), ob.product("New gauze", "NEW-1", "3.00")
    ob.approve(ob.purchase_order(new_supplier["id"], [(new_product["id"], 1, "3.00")])["id"])
    sync(tenant, redis)
    assert [row.status for row in activities(db, entity_type="purchase_order")] == ["synced"]
    return {"today": today, "days": days, "orders": orders}


def counts(preview) -> dict[str, tuple[int, int]]:
    return {count.kind: (count.found, count.new) for count in preview.counts}


def test_preview_counts_what_openboxes_holds_since_the_day_and_what_is_not_in_quickbooks(tenant, history):
    since_august = preview_history(tenant.id, history["today"] - timedelta(days=120))
    since_october = preview_history(tenant.id, history["today"] - timedelta(days=60))

    assert counts(since_august) == {
        "supplier": (2, 1),
        "product": (2, 1),
        "purchase_order": (3, 2),
        "shipment": (1, 1),
        "adjustment": (1, 1),
    }
    assert counts(since_october)["purchase_order"] == (2, 1)  # the August order is before the day
    assert counts(since_october)["supplier"] == (1, 0)  # the old supplier last changed in August
    assert since_august.requests == 6  # one write per record not in QuickBooks yet
    assert any("Use at least 6 QuickBooks requests" in line for line in since_august.lines())


def test_a_day_after_the_start_or_in_the_future_is_refused(tenant, history):
    start_history_import(tenant.id, history["today"] - timedelta(days=120))
    with pytest.raises(ValueError, match="Syncing already covers everything since"):
        preview_history(tenant.id, history["today"] - timedelta(days=100))
    with pytest.raises(ValueError, match="in the future"):
        start_history_import(tenant.id, history["today"] + timedelta(days=1))


def test_confirming_moves_the_start_back_and_queues_the_import(tenant, history, db, redis):
    day = history["today"] - timedelta(days=120)

    start_history_import(tenant.id, day)

    db.session.refresh(tenant)
    assert tenant.sync_enabled_at == datetime.combine(day, time(), ZONE).astimezone(UTC)
    assert any(job_id.startswith(f"poll-{tenant.id}-history-") for job_id in Queue("high", connection=redis).job_ids)
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="sync.history_import")).one()
    assert event.details["from"] == day.isoformat()


def test_the_import_sends_history_once_dated_by_its_own_order_dates(tenant, history, qb, db, redis):
    day = history["today"] - timedelta(days=120)
    start_history_import(tenant.id, day)
    work(redis)

    rows = activities(db)
    assert {row.status for row in rows} == {"synced"}
    numbers = {row.openboxes_number for row in rows if row.entity_type == "purchase_order"}
    assert {order["orderNumber"] for order in history["orders"].values()} < numbers
    assert len([row for row in rows if row.entity_type == "adjustment"]) == 1
    assert len([row for row in rows if row.entity_type == "shipment"]) == 1
    dates = {po["DocNumber"]: po["TxnDate"] for po in qb.objects("PurchaseOrder")}
    for name, ordered in history["days"].items():
        assert dates[history["orders"][name]["orderNumber"]] == ordered.isoformat()
    assert len(dates) == 3

    before = {
        entity: len(qb.objects(entity)) for entity in ("PurchaseOrder", "Vendor", "Item", "JournalEntry", "Invoice")
    }
    start_history_import(tenant.id, day - timedelta(days=30))  # again, from further back
    work(redis)

    assert {entity: len(qb.objects(entity)) for entity in before} == before
    assert len(activities(db)) == len(rows)
    assert preview_history(tenant.id, day - timedelta(days=31)).records == 0
    assert db.session.query(SyncActivity).filter_by(status="sync_failed").count() == 0


def _writes(qb) -> int:
    return qb.counters()["realms"].get(qb.realm, {}).get("writes", 0)


def _database(db, tenant) -> tuple:
    """Everything a history dry run must leave as it was: rows, links, watermarks, the start date."""
    from portal.models import EntityLink, ProductLink, Watermark

    db.session.expire_all()
    rows = sorted((r.entity_type, r.openboxes_id, r.status) for r in db.session.scalars(db.select(SyncActivity)))
    marks = sorted((w.entity_type, str(w.state)) for w in db.session.scalars(db.select(Watermark)))
    links = db.session.query(EntityLink).count(), db.session.query(ProductLink).count()
    return rows, marks, links, db.session.get(type(tenant), tenant.id).sync_enabled_at


def test_dry_run_of_history_shows_the_first_documents_of_each_kind_and_writes_nothing(tenant, history, qb, db):
    from portal.services.history import dry_run_history

    before, writes = _database(db, tenant), _writes(qb)

    samples = dry_run_history(tenant.id, history["today"] - timedelta(days=120))

    kinds = [sample.entity for sample in samples]
    assert kinds == ["purchase_order", "purchase_order", "shipment", "adjustment"]  # the new order is synced
    orders = {s.openboxes_id: s.preview for s in samples if s.entity == "purchase_order"}
    august = orders[history["orders"]["august"]["id"]]
    assert august.failure is None
    assert (august.document.operation, august.document.entity) == ("create", "PurchaseOrder")
    assert august.document.payload["DocNumber"] == history["orders"]["august"]["orderNumber"]
    assert august.document.payload["TxnDate"] == history["days"]["august"].isoformat()  # its own order date
    assert [(w.operation, w.entity) for w in august.dependencies] == [("create", "Vendor"), ("create", "Item")]
    assert august.dependencies[0].payload["DisplayName"] == "Old Supplies"
    assert all(s.preview.document is not None and s.preview.failure is None for s in samples)
    assert _writes(qb) == writes
    assert _database(db, tenant) == before
    assert len(dry_run_history(tenant.id, history["today"] - timedelta(days=120), size=1)) == 3  # one per kind


def test_dry_run_of_history_says_what_would_fail(tenant, history, qb, db):
    from portal.services.history import dry_run_history
    from tests.engine.test_dry_run import _create_foreign_po

    number = history["orders"]["october"]["orderNumber"]
    _create_foreign_po(qb, number)  # typed into QuickBooks by hand with the number the October order takes
    before, writes = _database(db, tenant), _writes(qb)

    samples = dry_run_history(tenant.id, history["today"] - timedelta(days=60))

    [october] = [s.preview for s in samples if s.entity == "purchase_order"]
    assert any(w.startswith("Would fail") and number in w for w in october.warnings), october.warnings
    assert _writes(qb) == writes and _database(db, tenant) == before


def test_history_confirmation_page_offers_the_dry_run(tenant, history, qb, db, auth, client):
    from tests.factories import make_user
    from tests.helpers import TEST_PASSWORD

    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    auth.login("admin@acme.test")
    day = (history["today"] - timedelta(days=120)).isoformat()
    before, writes = _database(db, tenant), _writes(qb)

    confirmation = auth.post("/admin/preferences/history/", data={"day": day}).get_data(as_text=True)
    page = auth.post("/admin/preferences/history/dry-run/", data={"day": day}).get_data(as_text=True)

    assert 'id="look-first"' in confirmation and "Show what would be sent" in confirmation
    assert page.count('class="card mb-3 history-sample"') == 4
    assert "Create PurchaseOrder" in page and "Create Vendor" in page and "&#34;DocNumber&#34;" in page
    assert history["orders"]["august"]["orderNumber"] in page
    assert _writes(qb) == writes and _database(db, tenant) == before
