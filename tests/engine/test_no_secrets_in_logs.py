"""A full sync, token refresh included, never writes a token, password or client secret to the logs."""

import logging

from portal.logs import KeyValueFormatter
from portal.models import QuickBooksConnection
from tests.sync_fixtures import activities, sync


def test_logs_of_a_full_sync_hold_no_secret(tenant, ob, qb, db, redis, qbo_app, caplog):
    connection = db.session.scalar(db.select(QuickBooksConnection))
    secrets = {connection.access_token, connection.refresh_token, "password", qbo_app.config["QBO_CLIENT_SECRET"]}
    supplier = ob.supplier("Gauze & Co")
    gauze = ob.product("Sterile gauze", "GZ-10", "2.50")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])
    ob.approve(order["id"])
    qb.control("POST", "/tokens/expire", {"realm": qb.realm, "kind": "access"})
    caplog.set_level(logging.DEBUG)

    sync(tenant, redis)

    assert {row.status for row in activities(db)} == {"synced"}
    db.session.expire_all()
    refreshed = db.session.scalar(db.select(QuickBooksConnection))
    secrets |= {refreshed.access_token, refreshed.refresh_token}
    formatter = KeyValueFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert any("intuit_tid=" in line for line in lines)  # the logs do carry what support needs
    leaks = [line for line in lines for secret in secrets if secret and secret in line]
    assert leaks == []
