"""Opening stock through both sandboxes: a two-month history imported with opening stock on leaves every
QuickBooks item at OpenBoxes' quantity on hand (none below zero); off, items start at 0 as before."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from devtools.seed import seed_connected_tenant
from portal.engine.openboxes import openboxes_client
from portal.services.enable import enable_sync
from portal.services.history import start_history_import
from portal.services.opening import opening_lines, preview_opening, set_opening_stock
from tests.factories import make_tenant
from tests.sync_fixtures import activities, sync, work

ZONE = ZoneInfo("America/New_York")
SPECS = (("Gauze", "GZ-1", "2.50"), ("Tape", "TP-2", "1.20"), ("Syringe", "SY-3", "4.00"))
CODES = tuple(code for _, code, _ in SPECS)


def on_sandbox_clock(ob, day: date | None) -> None:
    """Stamp what OpenBoxes records next with ``day`` (15:00 UTC), or with now again when None."""
    moment = datetime.combine(day, time(15), UTC) if day else datetime.now(UTC)
    ob.control("POST", "/clock", {"set": moment.isoformat().replace("+00:00", "Z")})


@pytest.fixture
def tenant(qbo_app, qb, ob, db, redis):
    """Connected and mapped, not syncing yet; PurchaseOrder target (the default) and Invoices."""
    tenant = make_tenant("Acme Medical", timezone="America/New_York")
    seed_connected_tenant(tenant, ob, qb, enable=False)
    return tenant


@pytest.fixture
def months(ob):
    """Three months of ordinary activity; the history import starts 60 days back (``start``).

    Before the start: stock received on an old order, an old adjustment and shipment. Since: an order
    received in two parts, a shipment taking more than was received since, and an adjustment.
    """
    today = datetime.now(ZONE).date()
    day = {n: today - timedelta(days=n) for n in (90, 80, 70, 45, 40, 30, 20, 10)}
    on_sandbox_clock(ob, day[90])
    supplier, ward = ob.supplier("Gauze & Co"), ob.customer("Ward A")
    gauze, tape, syringe = (ob.product(name, code, price) for name, code, price in SPECS)
    old = ob.purchase_order(supplier["id"], [(gauze["id"], 20, "2.50"), (tape["id"], 10, "1.20")])
    ob.approve(old["id"])
    ob.receive(old["id"])
    on_sandbox_clock(ob, day[80])
    ob.adjust(syringe["id"], 15)
    on_sandbox_clock(ob, day[70])
    ob.shipment(ward["id"], [(gauze["id"], 5)])
    on_sandbox_clock(ob, day[45])
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 30, "2.50"), (tape["id"], 5, "1.20")])
    ob.approve(order["id"])
    on_sandbox_clock(ob, day[40])
    ob.receive(order["id"], {order["items"][0]["id"]: 20})
    on_sandbox_clock(ob, day[30])
    ob.shipment(ward["id"], [(gauze["id"], 25), (tape["id"], 12), (syringe["id"], 10)])
    on_sandbox_clock(ob, day[20])
    ob.receive(order["id"])
    on_sandbox_clock(ob, day[10])
    ob.adjust(syringe["id"], -3)
    on_sandbox_clock(ob, None)
    return {"start": today - timedelta(days=60), "products": {"GZ-1": gauze, "TP-2": tape, "SY-3": syringe}}


def on_hand(tenant, products: dict[str, dict]) -> dict[str, Decimal]:
    """OpenBoxes' quantity on hand per product code at the tenant's facility (its product route)."""
    with openboxes_client(tenant.id) as client:
        return {code: client.quantity_on_hand(product["id"]) for code, product in products.items()}


def import_history(tenant, start: date, redis) -> None:
    """Enable syncing now, import from ``start``, then poll until receipts of the synced orders are billed."""
    enable_sync(tenant.id)
    start_history_import(tenant.id, start)
    work(redis)
    sync(tenant, redis)  # receipts wait for their PurchaseOrder: the next poll bills them


def items(qb) -> dict[str, dict]:
    return {item["Sku"]: item for item in qb.objects("Item") if item.get("Sku") in CODES}


def quantities(qb) -> dict[str, Decimal]:
    return {sku: Decimal(str(item["QtyOnHand"])) for sku, item in items(qb).items()}


def test_history_with_opening_stock_matches_openboxes_on_hand(tenant, months, qb, ob, db, redis):
    set_opening_stock(tenant.id, True)
    import_history(tenant, months["start"], redis)

    assert {row.status for row in activities(db)} == {"synced"}
    # Both receipts of the order came before it was synced: one Bill for all 35 received; one Invoice.
    assert len(qb.objects("Bill")) == 1 and len(qb.objects("Invoice")) == 1
    expected = on_hand(tenant, months["products"])
    assert expected == {"GZ-1": 20, "TP-2": 3, "SY-3": 2}
    assert quantities(qb) == expected
    year_before = (months["start"] - timedelta(days=365)).isoformat()  # room for orders dated before the start
    assert {sku: item["InvStartDate"] for sku, item in items(qb).items()} == dict.fromkeys(CODES, year_before)

    # Live activity afterwards moves both sides alike; the baseline is not applied twice.
    supplier = ob.supplier("Gauze & Co")
    order = ob.purchase_order(supplier["id"], [(months["products"]["TP-2"]["id"], 7, "1.20")])
    ob.approve(order["id"])
    ob.shipment(ob.customer("Ward B")["id"], [(months["products"]["GZ-1"]["id"], 4)])
    sync(tenant, redis)
    ob.receive(order["id"])
    sync(tenant, redis)
    assert quantities(qb) == on_hand(tenant, months["products"]) == {"GZ-1": 16, "TP-2": 10, "SY-3": 2}


def test_the_preview_names_the_value_and_the_asset_account(tenant, months, db):
    enable_sync(tenant.id)
    start_history_import(tenant.id, months["start"])
    preview = preview_opening(tenant.id)

    # On hand 60 days back: gauze 15 × 2.50, tape 10 × 1.20, syringes 12 × 4.00 (15, and the -3 of day 10
    # that QuickBooks only sees as value).
    assert (preview.items, preview.total) == (3, Decimal("97.50"))
    lines = opening_lines(tenant.id, preview)
    assert any("97.50" in line and preview.account in line and "Opening Balance Equity" in line for line in lines)
    assert "Inventory" in preview.account


def test_off_items_start_at_zero_as_before(tenant, months, qb, db, redis):
    import_history(tenant, months["start"], redis)

    assert {row.status for row in activities(db)} == {"synced"}
    assert quantities(qb) == {"GZ-1": 5, "TP-2": -7, "SY-3": -10}  # received − shipped since the start
    assert on_hand(tenant, months["products"]) == {"GZ-1": 20, "TP-2": 3, "SY-3": 2}


def test_with_the_bill_target_the_orders_bills_are_netted_out_too(tenant, months, qb, ob, db, redis):
    """Each order's Bill adds what was ordered, received or not: the opening takes that into account."""
    on_sandbox_clock(ob, months["start"] + timedelta(days=45))
    waiting = ob.purchase_order(ob.supplier("Gauze & Co")["id"], [(months["products"]["SY-3"]["id"], 6, "4.00")])
    ob.approve(waiting["id"])  # ordered, not received
    on_sandbox_clock(ob, None)
    tenant.po_target = "Bill"
    db.session.commit()
    set_opening_stock(tenant.id, True)
    import_history(tenant, months["start"], redis)

    assert {row.status for row in activities(db)} == {"synced"}
    assert len(qb.objects("Bill")) == 2 and not qb.objects("PurchaseOrder")
    assert quantities(qb) == on_hand(tenant, months["products"]) == {"GZ-1": 20, "TP-2": 3, "SY-3": 2}


def test_an_item_waits_for_the_opening_baseline_openboxes_could_not_give_then_starts_with_it(tenant, ob, qb, db, redis):
    """OpenBoxes down when syncing started: no baseline. An item must not start at a guessed 0; the next poll
    reads the baseline, and the item is created with its opening quantity."""
    from jobs.sync import push_activity
    from portal.engine.poll import poll_tenant
    from portal.sync.mappers import OPENING_PENDING

    tenant.opening_stock = True
    db.session.commit()
    enable_sync(tenant.id)
    gauze = ob.product("Gauze", "GZ-1", "2.50")
    ob.adjust(gauze["id"], 12)
    tenant.opening_baseline = None  # what enable_sync leaves when OpenBoxes does not answer
    db.session.commit()

    poll_tenant(tenant.id, "manual")
    db.session.refresh(tenant)
    assert tenant.opening_baseline is not None  # the poll read it before anything was pushed
    tenant.opening_baseline = None  # and if it could not: the push waits
    db.session.commit()
    [row] = activities(db, entity_type="product")
    push_activity(row.id)
    [row] = activities(db, entity_type="product")
    assert row.status == "retrying" and row.message == OPENING_PENDING
    assert [item for item in qb.objects("Item") if item.get("Sku") == "GZ-1"] == []

    poll_tenant(tenant.id, "manual")
    push_activity(row.id)
    [row] = activities(db, entity_type="product")
    assert row.status == "synced"
    [item] = [item for item in qb.objects("Item") if item.get("Sku") == "GZ-1"]
    assert Decimal(str(item["QtyOnHand"])) == 12
