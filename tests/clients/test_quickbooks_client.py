"""QuickBooksClient and the database token provider, over HTTP against the QuickBooks sandbox."""

import threading

import pytest

from devtools.sandboxes import QuickBooksSandbox
from portal.clients.quickbooks import QuickBooksClient, qbo_literal
from portal.models import QuickBooksConnection
from portal.qbo_tokens import DbTokenProvider
from portal.sync.errors import Conflict, Duplicate, NeedsReconnect, Permanent, Transient
from tests.factories import make_tenant
from tests.helpers import connect_quickbooks


@pytest.fixture
def connection(qbo_app, qbo, db):
    return connect_quickbooks(make_tenant("Acme"), qbo)


def make_client(connection, redis, qbo, **kwargs):
    return client_for(connection.id, connection.realm_id, redis, qbo, **kwargs)


def client_for(connection_id, realm, redis, qbo, **kwargs):
    return QuickBooksClient(realm, DbTokenProvider(connection_id, redis), api_base=qbo, **kwargs)


def counters(qbo):
    return QuickBooksSandbox(qbo).counters()


def expire_access_token(qbo):
    QuickBooksSandbox(qbo).expire_token("access")


def test_create_returns_the_object_from_the_write_answer(connection, redis, qbo):
    client = make_client(connection, redis, qbo)
    vendor = client.create("Vendor", {"DisplayName": "Gauze & Co"}, request_id="rq-vendor-1")
    assert vendor["Id"]
    assert vendor["DisplayName"] == "Gauze & Co"
    assert client.calls == 1


def test_every_call_sends_minorversion_75_and_writes_send_the_requestid(connection, redis, qbo):
    client = make_client(connection, redis, qbo)
    client.create("Vendor", {"DisplayName": "Acme Supply"}, request_id="rq-acme-1")
    client.query("SELECT * FROM Vendor")
    entries = QuickBooksSandbox(qbo).request_log()
    assert all(entry["args"].get("minorversion") == "75" for entry in entries)
    assert [entry["args"].get("requestid") for entry in entries] == ["rq-acme-1", None]


def test_same_requestid_replays_instead_of_duplicating(connection, redis, qbo):
    client = make_client(connection, redis, qbo)
    first = client.create("Vendor", {"DisplayName": "Once Only"}, request_id="rq-once")
    again = client.create("Vendor", {"DisplayName": "Once Only"}, request_id="rq-once")
    assert first["Id"] == again["Id"]
    assert len(client.find_by_name("Once Only")) == 1


def test_duplicate_name_is_classified_and_found_across_name_lists(connection, redis, qbo):
    client = make_client(connection, redis, qbo)
    client.create("Customer", {"DisplayName": "St. Mary's Clinic"}, request_id="rq-c-1")
    with pytest.raises(Duplicate):
        client.create("Vendor", {"DisplayName": "st. mary's clinic"}, request_id="rq-v-1")
    [(entity, row)] = client.find_by_name("St. Mary's Clinic")
    assert entity == "Customer"


def test_name_lookup_finds_inactive_records(connection, redis, qbo):
    client = make_client(connection, redis, qbo)
    vendor = client.create("Vendor", {"DisplayName": "Old Supplier"}, request_id="rq-old")
    client.update("Vendor", {"Id": vendor["Id"], "SyncToken": vendor["SyncToken"], "Active": False}, "rq-old-2")
    assert [row["Id"] for _, row in client.find_by_name("Old Supplier")] == [vendor["Id"]]


def test_stale_sync_token_is_a_conflict(connection, redis, qbo):
    client = make_client(connection, redis, qbo)
    vendor = client.create("Vendor", {"DisplayName": "Stale Co"}, request_id="rq-stale")
    client.update("Vendor", {"Id": vendor["Id"], "SyncToken": vendor["SyncToken"], "Notes": "a"}, "rq-s1")
    with pytest.raises(Conflict):
        client.update("Vendor", {"Id": vendor["Id"], "SyncToken": vendor["SyncToken"], "Notes": "b"}, "rq-s2")


def test_validation_fault_is_permanent(connection, redis, qbo):
    client = make_client(connection, redis, qbo)
    with pytest.raises(Permanent):
        client.create("Vendor", {"DisplayName": "Bad:Name"}, request_id="rq-bad")


def test_server_errors_are_transient(connection, redis, qbo):
    QuickBooksSandbox(qbo).fault(kind="5xx", route="/vendor", count=1, status=503)
    client = make_client(connection, redis, qbo)
    with pytest.raises(Transient):
        client.create("Vendor", {"DisplayName": "Retry Me"}, request_id="rq-503")
    assert client.create("Vendor", {"DisplayName": "Retry Me"}, request_id="rq-503")["Id"]


def test_commit_then_drop_is_transient_with_unknown_outcome_and_replays(connection, redis, qbo):
    QuickBooksSandbox(qbo).fault(kind="commit_then_drop", route="/vendor", count=1)
    client = make_client(connection, redis, qbo)
    with pytest.raises(Transient) as dropped:
        client.create("Vendor", {"DisplayName": "Dropped Co"}, request_id="rq-drop")
    assert dropped.value.outcome_unknown
    replay = client.create("Vendor", {"DisplayName": "Dropped Co"}, request_id="rq-drop")
    assert [row["Id"] for _, row in client.find_by_name("Dropped Co")] == [replay["Id"]]


def test_expired_access_token_is_refreshed_once_and_the_call_retried(connection, redis, qbo, db):
    client = make_client(connection, redis, qbo)
    before = db.session.get(QuickBooksConnection, connection.id).refresh_token
    expire_access_token(qbo)
    assert client.query("SELECT * FROM Vendor") == []
    assert counters(qbo)["token_calls"]["refresh_token"] == 1
    db.session.expire_all()
    assert db.session.get(QuickBooksConnection, connection.id).refresh_token != before


def test_concurrent_callers_with_an_expired_token_refresh_exactly_once(qbo_app, connection, redis, qbo):
    expire_access_token(qbo)
    errors, barrier = [], threading.Barrier(8)
    connection_id, realm = connection.id, connection.realm_id  # ORM objects stay on this thread

    def call():
        with qbo_app.app_context():
            barrier.wait()
            try:
                client_for(connection_id, realm, redis, qbo).query("SELECT * FROM Account")
            except Exception as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert counters(qbo)["token_calls"]["refresh_token"] == 1


def test_revoked_refresh_token_marks_the_connection_needs_reconnect(connection, redis, qbo, db):
    QuickBooksSandbox(qbo).revoke_tokens()
    client = make_client(connection, redis, qbo)
    with pytest.raises(NeedsReconnect):
        client.query("SELECT * FROM Vendor")
    db.session.expire_all()
    assert db.session.get(QuickBooksConnection, connection.id).status == "needs_reconnect"
    calls = client.calls
    with pytest.raises(NeedsReconnect):
        client.query("SELECT * FROM Vendor")
    assert client.calls == calls  # no further calls once the connection needs a reconnect


def test_query_literal_escapes_quotes():
    assert qbo_literal("St. Mary's \\ Co") == "'St. Mary\\'s \\\\ Co'"
