"""QuickBooks calls made inside a console request (connect, disconnect) are bounded well under gunicorn's
25 s web timeout: a token refresh holding the connection's lock makes Disconnect answer with a plain
message instead of holding the web worker for a minute."""

from __future__ import annotations

import re
from pathlib import Path

import portal.services.connect
from portal.clients.intuit_oauth import LOCK_TIMEOUT_SECONDS
from portal.engine.context import JOB_CALL_TIMEOUT_SECONDS, WEB_CALL_TIMEOUT_SECONDS, load_context
from tests.conftest import connect_quickbooks
from tests.console.test_connections import acme, connection, text  # noqa: F401  (acme is a fixture)

ROOT = Path(__file__).resolve().parents[2]


def web_timeout_seconds() -> int:
    return int(re.search(r"--timeout (\d+)", (ROOT / "Procfile").read_text()).group(1))


def test_calls_inside_a_console_request_fit_under_the_web_timeout():
    # The callback makes the code exchange, the realm proof and the company-facts read in turn, and may
    # wait for the connection's lock once.
    worst = 3 * WEB_CALL_TIMEOUT_SECONDS + portal.services.connect.WEB_LOCK_WAIT_SECONDS
    assert worst < web_timeout_seconds()


def test_disconnect_during_a_token_refresh_is_refused_plainly(acme, qbo, db, redis, auth, monkeypatch):  # noqa: F811
    monkeypatch.setattr(portal.services.connect, "WEB_LOCK_WAIT_SECONDS", 0.2)
    stored = connect_quickbooks(acme, qbo)
    refresh = redis.lock(f"qbo-refresh:{stored.id}", timeout=LOCK_TIMEOUT_SECONDS)
    assert refresh.acquire(blocking=False)  # a worker is renewing the tokens right now
    try:
        body = text(auth.post("/admin/quickbooks/disconnect", data={"confirmed": "yes"}, follow_redirects=True))
    finally:
        refresh.release()
    assert "QuickBooks tokens are being renewed right now; nothing was changed. Try again in a minute." in body
    assert connection(db, acme).status == "connected"


def test_quickbooks_calls_are_short_in_a_console_request_and_patient_in_a_job(app, acme, qbo):  # noqa: F811
    connect_quickbooks(acme, qbo)
    with app.test_request_context("/admin/"):
        assert load_context(acme.id).client.timeout == WEB_CALL_TIMEOUT_SECONDS
    assert load_context(acme.id).client.timeout == JOB_CALL_TIMEOUT_SECONDS
