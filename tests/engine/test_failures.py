"""Failures: backoff and attempts, permanent refusals with plain reasons, reconnects, manual retry."""

from datetime import timedelta

import pytest
from freezegun import freeze_time

from jobs.sync import retry_activities
from portal.models import AccountMapping, QuickBooksConnection
from tests.sync_fixtures import activities, sync, tick_scheduler, work


@pytest.fixture
def approved_po(ob):
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])
    ob.approve(order["id"])
    return order


def _po_row(db):
    [row] = activities(db, entity_type="purchase_order")
    return row


def _run_due_retry(redis, row) -> None:
    """Let the clock reach the row's next attempt, tick the scheduler, and work the queue."""
    with freeze_time(row.next_attempt_at + timedelta(seconds=1)):
        tick_scheduler(redis)
    work(redis)


def _assert_backoff(row, seconds: float) -> None:
    """The next attempt is ``seconds`` away, give or take the 10 % jitter."""
    wait = (row.next_attempt_at - row.updated_at).total_seconds()
    assert seconds * 0.9 - 1 <= wait <= seconds * 1.1 + 1, wait


def test_server_errors_twice_then_success_is_synced_after_three_attempts(tenant, ob, qb, db, redis, approved_po):
    qb.fault(kind="5xx", route="/purchaseorder", method="POST", count=2, status=503)
    sync(tenant, redis)
    row = _po_row(db)
    assert (row.status, row.attempts, row.error_category) == ("retrying", 1, "transient")
    _assert_backoff(row, 60)
    with freeze_time(row.next_attempt_at - timedelta(seconds=5)):
        tick_scheduler(redis)  # not due yet: nothing runs
    work(redis)
    assert _po_row(db).attempts == 1

    _run_due_retry(redis, row)
    row = _po_row(db)
    assert (row.status, row.attempts) == ("retrying", 2)
    _assert_backoff(row, 120)

    _run_due_retry(redis, row)
    row = _po_row(db)
    assert (row.status, row.attempts) == ("synced", 3)
    assert len(qb.objects("PurchaseOrder")) == 1


@pytest.mark.slow
def test_server_errors_four_times_is_sync_failed_after_four_attempts(tenant, ob, qb, db, redis, approved_po):
    qb.fault(kind="5xx", route="/purchaseorder", method="POST", count=4, status=500)
    sync(tenant, redis)
    for expected_wait in (60, 120, 240):
        row = _po_row(db)
        _assert_backoff(row, expected_wait)
        _run_due_retry(redis, row)
    row = _po_row(db)
    assert (row.status, row.attempts) == ("sync_failed", 4)
    assert "will retry" not in row.message  # it does not: it gave up, and says what to do
    assert row.message.endswith("Gave up after 4 attempts: retry this row once QuickBooks answers again")
    assert qb.objects("PurchaseOrder") == []


def test_inactive_mapped_account_fails_at_once_naming_it_and_a_remap_fixes_it(tenant, ob, qb, db, redis, approved_po):
    qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")

    sync(tenant, redis)

    row = _po_row(db)
    assert (row.status, row.attempts, row.error_category, row.qbo_error_code) == (
        "sync_failed",
        1,
        "permanent",
        "610",
    )
    assert row.message == (
        "QuickBooks account 2000 - Accounts Payable (A/P) (id 5) is inactive or deleted: "
        "remap Accounts payable, then retry"
    )
    mapping = db.session.scalar(db.select(AccountMapping).filter_by(role="accounts_payable"))
    assert mapping.account_active is False

    new_ap = _create_ap_account(qb)
    mapping.qbo_account_id, mapping.account_number, mapping.account_name = new_ap["Id"], "2010", "A/P 2"
    mapping.account_active = True
    db.session.commit()
    assert retry_activities([row.id]) == 1
    work(redis)

    row = _po_row(db)
    assert (row.status, row.attempts) == ("synced", 1)
    [document] = qb.objects("PurchaseOrder")
    assert document["APAccountRef"]["value"] == new_ap["Id"]


def _create_ap_account(qb) -> dict:
    import requests

    token = qb.control("POST", f"/companies/{qb.realm}/tokens")["access_token"]
    answer = requests.post(
        f"{qb.url}/v3/company/{qb.realm}/account",
        json={"Name": "A/P 2", "AcctNum": "2010", "AccountType": "Accounts Payable"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["Account"]


@pytest.mark.slow
def test_revoked_connection_keeps_rows_queued_and_stops_calling(tenant, ob, qb, db, redis, approved_po):
    qb.control("POST", "/tokens/revoke", {"realm": qb.realm})

    sync(tenant, redis)

    rows = activities(db)
    assert rows and {row.status for row in rows} == {"queued"}
    assert {row.error_category for row in rows} == {"needs_reconnect"}
    assert {row.attempts for row in rows} == {0}
    connection = db.session.scalar(db.select(QuickBooksConnection))
    assert connection.status == "needs_reconnect"
    assert qb.counters()["token_calls"].get("refresh_token") == 1  # one try, then no more calls
    assert qb.counters()["realms"][qb.realm]["requests"] == 1


def test_expired_access_token_is_refreshed_once_during_a_sync(tenant, ob, qb, db, redis, approved_po):
    qb.control("POST", "/tokens/expire", {"realm": qb.realm, "kind": "access"})

    sync(tenant, redis)

    assert {row.status for row in activities(db)} == {"synced"}
    assert qb.counters()["token_calls"]["refresh_token"] == 1


def test_manual_retry_after_a_definite_refusal_uses_a_fresh_request_id(tenant, ob, qb, db, redis, approved_po):
    qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")
    sync(tenant, redis)
    first = _po_row(db)
    first_request = first.request_id
    retry_activities([first.id])
    work(redis)
    again = _po_row(db)
    assert again.request_id != first_request
    assert (again.status, again.qbo_error_code) == ("sync_failed", "610")  # asked again, not replayed
    assert qb.counters()["realms"][qb.realm]["replays"] == 0


def test_throttled_pushes_are_deferred_without_spending_attempts(tenant, ob, qb, db, redis, approved_po):
    qb.control("PUT", "/throttle", {"request_budget": 1, "retry_after": True})

    sync(tenant, redis)

    deferred = [row for row in activities(db) if row.error_category == "throttled"]
    assert deferred, [(row.status, row.message) for row in activities(db)]
    assert {(row.status, row.attempts) for row in deferred} == {("queued", 0)}
    qb.control("PUT", "/throttle", {"request_budget": 500})
    latest = max(row.next_attempt_at for row in deferred)
    with freeze_time(latest + timedelta(seconds=1)):
        tick_scheduler(redis)
    work(redis)
    rows = activities(db)
    assert {row.status for row in rows} == {"synced"}
    assert max(row.attempts for row in rows) == 1


def test_item_edited_in_quickbooks_meanwhile_is_re_read_and_updated(tenant, ob, qb, db, redis):
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    sync(tenant, redis, slot="first")
    [item] = qb.objects("Item")
    _qbo_post(qb, "item", {"Id": item["Id"], "SyncToken": item["SyncToken"], "sparse": True, "Description": "edited"})
    ob.control("PATCH", f"/products/{gauze['id']}", {"pricePerUnit": "2.90"})

    sync(tenant, redis, slot="second")

    [item] = qb.objects("Item")
    assert str(item["UnitPrice"]) in ("2.9", "2.90")
    assert [row.status for row in activities(db, entity_type="product")] == ["synced", "synced"]


def _qbo_post(qb, entity: str, body: dict) -> dict:
    import requests

    token = qb.control("POST", f"/companies/{qb.realm}/tokens")["access_token"]
    answer = requests.post(
        f"{qb.url}/v3/company/{qb.realm}/{entity}",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()
