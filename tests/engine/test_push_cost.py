"""The database cost of a push, counted with SQLAlchemy events (statements sent, commits), and the token cache."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from portal.engine.poll import poll_tenant
from portal.engine.push import run_push
from portal.extensions import db as _db
from portal.models import QuickBooksConnection
from portal.models.base import utcnow
from portal.qbo_tokens import forget_tokens, store_token_response
from tests.sync_fixtures import activities


@contextmanager
def counting():
    """The statements sent and the commits made while the block runs."""
    seen = {"statements": [], "commits": 0}

    def statement(conn, cursor, text, params, context, executemany):
        seen["statements"].append(" ".join(text.split()))

    def commit(conn):
        seen["commits"] += 1
        seen["statements"].append("COMMIT")

    event.listen(_db.engine, "before_cursor_execute", statement)
    event.listen(_db.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(_db.engine, "before_cursor_execute", statement)
        event.remove(_db.engine, "commit", commit)


def polled_order(tenant, ob) -> list[int]:
    """A supplier, a product and an approved order using them, polled: the three rows' ids in push order."""
    supplier = ob.supplier("Acme Supply", code="S1")["id"]
    product = ob.product("Gauze", "P1", "2.50")["id"]
    order = ob.purchase_order(supplier, [(product, 3, "1.500")])
    ob.approve(order["id"])
    return poll_tenant(tenant.id, "manual").queued_ids


def push(activity_id: int) -> dict:
    _db.session.remove()  # each push starts as a job does, with a new session
    with counting() as seen:
        run_push(activity_id)
    return seen


def token_reads(seen: dict) -> int:
    return sum(1 for s in seen["statements"] if s.startswith("SELECT") and "quickbooks_connection.access_token" in s)


def test_an_order_whose_vendor_and_items_are_linked_costs_ten_statements_and_two_commits(tenant, ob, db):
    supplier_row, product_row, order_row = polled_order(tenant, ob)
    push(supplier_row)
    push(product_row)

    seen = push(order_row)

    assert [row.status for row in activities(db, entity_type="purchase_order")] == ["synced"]
    # claim + context + realm/requestid commit; mappings, links, the link saved; the row marked synced
    assert seen["commits"] == 2, seen["statements"]
    assert len(seen["statements"]) - seen["commits"] <= 10, seen["statements"]


def test_the_claim_commits_once_with_the_realm_and_requestid(tenant, ob, db, qb):
    (supplier_row, *_) = polled_order(tenant, ob)

    seen = push(supplier_row)

    first = seen["statements"][: seen["statements"].index("COMMIT")]
    assert [s.split()[0] + " " + s.split()[1] for s in first] == [
        "UPDATE sync_activity",
        "SELECT tenant.id,",
        "UPDATE sync_activity",
    ]
    assert "attempts" in first[0] and "RETURNING" in first[0]  # the claim hands the row back: no reload
    assert "quickbooks_connection" in first[1]  # tenant and connection in one query
    assert "request_id" in first[2]
    row = activities(db, entity_type="supplier")[0]
    assert (row.status, row.attempts, row.realm_id) == ("synced", 1, qb.realm)


def test_the_token_is_read_once_per_process_while_the_connection_row_is_unchanged(tenant, ob, db):
    forget_tokens()
    supplier_row, product_row, order_row = polled_order(tenant, ob)

    reads = [token_reads(push(row_id)) for row_id in (supplier_row, product_row, order_row)]

    assert reads == [1, 0, 0]


def test_a_reconnect_elsewhere_is_seen_at_the_next_push_without_a_refused_call(tenant, ob, db, qb):
    tenant_id = tenant.id
    supplier_row, product_row, _ = polled_order(tenant, ob)
    push(supplier_row)  # caches the token in this process
    qb.revoke_tokens()  # another process reconnected: the old tokens are dead, the row holds new ones
    connection = db.session.scalar(db.select(QuickBooksConnection).filter_by(tenant_id=tenant_id))
    store_token_response(connection, qb.tokens(), utcnow())
    db.session.commit()
    qb.reset_counters()

    seen = push(product_row)

    assert token_reads(seen) == 1
    counts = qb.counters()
    assert counts["realms"][qb.realm].get("auth_failures", 0) == 0  # the old token was never sent
    assert counts["token_calls"] == {}
    assert [row.status for row in activities(db, entity_type="product")] == ["synced"]
