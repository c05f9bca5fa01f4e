"""Settings › OpenBoxes › Test connection against hostile addresses: it ends within its deadline, a tenant
runs one at a time, and what it says does not leak what the remote end sent nor how a port behaved."""

from __future__ import annotations

import re
import shlex
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from portal.config import load_config
from portal.models import OpenBoxesConnection
from tests.conftest import AuthActions

ROOT = Path(__file__).resolve().parents[2]
ALREADY_TESTING = "A connection test of this OpenBoxes is already running: wait for its result, then try again."
NO_ANSWER = "could not be reached or did not answer in time: check the address"
SECRET_BODY = "internal-admin-token=s3cr3t-from-the-remote-end"


class SilentServer:
    """Accepts TCP connections on a loopback port and never answers (until ``close``)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(conn)
            self.accepted.set()

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


class DroppingServer(SilentServer):
    """Accepts and closes every connection at once."""

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.close()


@pytest.fixture
def outbound_silent():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def outbound_error_server():
    """An HTTP server that answers every request 500 with a one-line body (what a hostile host would echo)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = SECRET_BODY.encode()
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def outbound_acme(two_tenants, app, redis, auth):
    auth.login("admin@acme.test")
    return two_tenants["acme"]


def save_openboxes(auth: AuthActions, url: str) -> None:
    form = {"base_url": url, "username": "admin", "password": "password", "location_id": "1"}
    response = auth.post("/admin/openboxes/save", data=form, follow_redirects=True)
    assert "OpenBoxes settings saved." in response.get_data(as_text=True)


def run_test(auth: AuthActions) -> str:
    page = auth.post("/admin/openboxes/test", data={}, follow_redirects=True).get_data(as_text=True)
    return re.sub(r"\s+", " ", page)


def free_closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def test_a_host_that_never_answers_ends_at_the_deadline_with_a_plain_message(
    outbound_acme, auth, app, db, outbound_silent
):
    app.config["OPENBOXES_TEST_TIMEOUT_SECONDS"] = 1
    save_openboxes(auth, f"http://127.0.0.1:{outbound_silent.port}")
    page = run_test(auth)
    assert f"Connection failed: OpenBoxes at 127.0.0.1 {NO_ANSWER}" in page
    db.session.expire_all()
    assert NO_ANSWER in db.session.scalar(db.select(OpenBoxesConnection)).last_check_message
    assert ALREADY_TESTING not in run_test(auth)  # the lock went with the first test


def test_a_second_test_of_the_same_tenant_is_refused_while_the_first_runs(outbound_acme, auth, app, outbound_silent):
    app.config["OPENBOXES_TEST_TIMEOUT_SECONDS"] = 20
    save_openboxes(auth, f"http://127.0.0.1:{outbound_silent.port}")
    first: list[str] = []

    def first_test() -> None:
        other = AuthActions(app.test_client())
        other.login("admin@acme.test")
        first.append(run_test(other))

    runner = threading.Thread(target=first_test)
    runner.start()
    try:
        assert outbound_silent.accepted.wait(15), "the first test never connected"
        assert ALREADY_TESTING in run_test(auth)
    finally:
        outbound_silent.close()  # the first test now sees its connection dropped and ends
        runner.join(30)
    assert NO_ANSWER in first[0]


def test_refused_dropped_and_silent_ports_read_the_same(outbound_acme, auth, app):
    app.config["OPENBOXES_TEST_TIMEOUT_SECONDS"] = 1
    silent, dropping = SilentServer(), DroppingServer()
    try:
        messages = set()
        for port in (free_closed_port(), dropping.port, silent.port):
            save_openboxes(auth, f"http://127.0.0.1:{port}")
            page = run_test(auth)
            messages.add(re.search(r"Connection failed: [^<]*", page).group(0).strip())
    finally:
        silent.close(), dropping.close()
    fix = "under Settings › OpenBoxes and that OpenBoxes is online."
    assert messages == {f"Connection failed: OpenBoxes at 127.0.0.1 {NO_ANSWER} {fix}"}


def test_a_server_error_body_is_not_repeated(outbound_acme, auth, outbound_error_server):
    save_openboxes(auth, f"http://127.0.0.1:{outbound_error_server.server_address[1]}")
    page = run_test(auth)
    assert "OpenBoxes at 127.0.0.1 did not answer correctly (error 500)" in page
    assert "s3cr3t" not in page


def test_the_default_deadline_is_well_under_the_web_timeout(tmp_path):
    web = shlex.split(dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines())["web"])
    web_timeout = int(web[web.index("--timeout") + 1])
    assert load_config({}, tmp_path)["OPENBOXES_TEST_TIMEOUT_SECONDS"] <= web_timeout / 2
