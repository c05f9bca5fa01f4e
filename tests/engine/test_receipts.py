"""Receipts: what OpenBoxes receives against a purchase order synced as a PurchaseOrder becomes a Bill
linked to it (through both sandboxes), partial receipts partial Bills, each exactly once."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time

from jobs.sync import poll_tenant, push_activity
from portal.models import EntityLink
from tests.sync_fixtures import activities, sync, tick_scheduler, work


def _item(qb, sku: str) -> dict:
    return next(item for item in qb.objects("Item") if item.get("Sku") == sku)


def _placed_order(ob):
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    tape = ob.product("Surgical tape", "TP-20", "1.20")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 10, "2.50"), (tape["id"], 4, "1.20")])
    ob.approve(order["id"])
    return order


def test_partial_then_rest_makes_two_linked_bills_and_stock_follows(tenant, ob, qb, db, redis):
    order = _placed_order(ob)
    gauze_line, tape_line = (line["id"] for line in order["items"])
    sync(tenant, redis)
    [purchase_order] = qb.objects("PurchaseOrder")
    assert _item(qb, "GZ-10")["QtyOnHand"] == 0  # a PurchaseOrder does not post

    ob.receive(order["id"], {gauze_line: 6})
    sync(tenant, redis)
    [bill] = qb.objects("Bill")
    [line] = bill["Line"]
    po_line = next(po for po in purchase_order["Line"] if po["ItemBasedExpenseLineDetail"]["Qty"] == 10)
    assert line["LinkedTxn"] == [
        {"TxnId": purchase_order["Id"], "TxnType": "PurchaseOrder", "TxnLineId": po_line["Id"]}
    ]
    assert (line["ItemBasedExpenseLineDetail"]["Qty"], line["Amount"]) == (6, 15)
    assert bill["VendorRef"] == purchase_order["VendorRef"]
    assert _item(qb, "GZ-10")["QtyOnHand"] == 6
    assert qb.objects("PurchaseOrder")[0]["POStatus"] == "Open"  # the tape and 4 gauze are still to come

    ob.receive(order["id"])  # the rest: 4 gauze, 4 tape
    sync(tenant, redis)
    bills = qb.objects("Bill")
    assert len(bills) == 2
    rest = {
        (entry["ItemBasedExpenseLineDetail"]["ItemRef"]["value"], entry["ItemBasedExpenseLineDetail"]["Qty"])
        for entry in bills[1]["Line"]
    }
    assert rest == {(_item(qb, "GZ-10")["Id"], 4), (_item(qb, "TP-20")["Id"], 4)}
    assert {entry["LinkedTxn"][0]["TxnId"] for entry in bills[1]["Line"]} == {purchase_order["Id"]}
    assert (_item(qb, "GZ-10")["QtyOnHand"], _item(qb, "TP-20")["QtyOnHand"]) == (10, 4)
    assert qb.objects("PurchaseOrder")[0]["POStatus"] == "Closed"
    rows = activities(db, entity_type="receipt")
    assert [(row.status, row.openboxes_number) for row in rows] == [
        ("synced", f"{order['orderNumber']}-R1"),
        ("synced", f"{order['orderNumber']}-R2"),
    ]

    sync(tenant, redis)  # nothing new received: no new row, no new Bill
    assert len(activities(db, entity_type="receipt")) == 2 and len(qb.objects("Bill")) == 2
    # Receiving is billed by the receipts: the PurchaseOrder itself is not written again.
    assert len(activities(db, entity_type="purchase_order")) == 1
    assert qb.objects("PurchaseOrder")[0]["SyncToken"] == "0"


def test_a_receipt_push_delivered_again_after_a_crash_makes_no_second_bill(tenant, ob, qb, db, redis):
    order = _placed_order(ob)
    sync(tenant, redis)
    ob.receive(order["id"])
    sync(tenant, redis)
    [row] = activities(db, entity_type="receipt")
    [bill] = qb.objects("Bill")
    # As if the worker died after QuickBooks wrote the Bill but before our commit: no link, row queued.
    db.session.execute(db.delete(EntityLink).filter_by(entity_type="receipt"))
    row.status, row.qbo_id = "queued", None
    db.session.commit()

    push_activity(row.id)  # the same job delivered again: same requestid, QuickBooks replays its answer

    [row] = activities(db, entity_type="receipt")
    assert (row.status, row.qbo_id) == ("synced", bill["Id"])
    assert len(qb.objects("Bill")) == 1


def test_a_receipt_bill_written_without_an_answer_is_adopted_on_retry(tenant, ob, qb, db, redis):
    order = _placed_order(ob)
    sync(tenant, redis)
    ob.receive(order["id"])
    qb.fault(kind="commit_then_drop", route="/bill", method="POST", count=1)
    sync(tenant, redis)
    [row] = activities(db, entity_type="receipt")
    assert (row.status, row.outcome_unknown) == ("retrying", True)
    assert len(qb.objects("Bill")) == 1

    with freeze_time(row.next_attempt_at + timedelta(seconds=1)):
        tick_scheduler(redis)
    work(redis)

    [row] = activities(db, entity_type="receipt")
    [bill] = qb.objects("Bill")
    assert (row.status, row.qbo_id) == ("synced", bill["Id"])


def test_bill_target_makes_no_receipt_bills(tenant, ob, qb, db, redis):
    tenant.po_target = "Bill"
    db.session.commit()
    order = _placed_order(ob)
    sync(tenant, redis)
    ob.receive(order["id"])
    poll_tenant(tenant.id, "manual")
    work(redis)
    assert activities(db, entity_type="receipt") == []
    assert len(qb.objects("Bill")) == 1  # the order's own Bill, which already added the stock
    assert _item(qb, "GZ-10")["QtyOnHand"] == 10


def test_an_order_received_before_its_purchase_order_was_synced_is_billed_once_it_is(tenant, ob, qb, db, redis):
    order = _placed_order(ob)
    ob.receive(order["id"])  # received before the bridge ever pushed the order
    poll_tenant(tenant.id, "manual")  # the receipt waits: the PurchaseOrder is only queued
    assert activities(db, entity_type="receipt") == []
    work(redis)  # the PurchaseOrder is written

    sync(tenant, redis)

    [row] = activities(db, entity_type="receipt")
    [bill] = qb.objects("Bill")
    assert (row.status, row.qbo_id) == ("synced", bill["Id"])
    assert qb.objects("PurchaseOrder")[0]["POStatus"] == "Closed"
