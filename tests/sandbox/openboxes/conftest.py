"""Start OpenBoxes sandboxes on free loopback ports and talk to them over plain HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import requests

from sandbox.openboxes import SandboxApp, make_app
from sandbox.serving import RunningServer, serve_in_thread

JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


@dataclass
class Sandbox:
    """A running sandbox plus small helpers for the control API and logged-in sessions."""

    server: RunningServer
    app: SandboxApp
    sessions: list[requests.Session] = field(default_factory=list)
    closed: bool = False

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, path: str) -> str:
        """Absolute URL of an OpenBoxes API path (``/products`` → ``…/openboxes/api/products``)."""
        return f"{self.url}/openboxes/api{path}"

    def control(self, method: str, path: str, payload: dict | None = None) -> requests.Response:
        """Call ``/_sandbox{path}``."""
        return requests.request(method, f"{self.url}/_sandbox{path}", json=payload, timeout=30)

    def info(self) -> dict:
        return self.control("GET", "/info").json()

    def hard_case(self, name: str) -> list[str]:
        return self.control("GET", "/hard-cases").json()["cases"][name]["ids"]

    def record(self, kind: str, record_id: str) -> dict:
        return self.control("GET", f"/records/{kind}/{record_id}").json()

    def new_session(self, headers: dict | None = None) -> requests.Session:
        """A requests session closed at teardown (defaults to JSON headers)."""
        http = requests.Session()
        http.headers.update(JSON_HEADERS if headers is None else headers)
        self.sessions.append(http)
        return http

    def login(
        self,
        username: str = "admin",
        password: str = "password",
        location: str | None = "facility",
        headers: dict | None = None,
    ) -> requests.Session:
        """A session logged in at the main facility (``location=None`` logs in without one)."""
        http = self.new_session(headers)
        if location == "facility":
            location = self.info()["facilityId"]
        body = {"username": username, "password": password, "location": location}
        response = http.post(self.api("/login"), json=body, allow_redirects=False, timeout=10)
        assert response.status_code == 200, response.text
        return http

    def close(self) -> None:
        self.closed = True
        for http in self.sessions:
            http.close()
        self.server.stop()
        self.app.close()


@pytest.fixture(scope="session")
def closing_threads() -> Iterator[list[threading.Thread]]:
    """Sandboxes stop in the background (a server shutdown waits out its 0.5 s poll); joined at the end."""
    threads: list[threading.Thread] = []
    yield threads
    for thread in threads:
        thread.join(timeout=10)


@pytest.fixture
def start_sandbox(closing_threads: list[threading.Thread]) -> Iterator[Callable[..., Sandbox]]:
    """A factory: ``start_sandbox(**make_app_options)``; everything started is stopped afterwards."""
    started: list[Sandbox] = []

    def start(**options: object) -> Sandbox:
        app = make_app(**options)
        sandbox = Sandbox(serve_in_thread(app), app)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        if not sandbox.closed:
            thread = threading.Thread(target=sandbox.close, name="close-sandbox")
            thread.start()
            closing_threads.append(thread)


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A demo-data sandbox with default options."""
    return start_sandbox()


@pytest.fixture
def ob(sandbox: Sandbox) -> requests.Session:
    """A session logged in as admin at the main facility, sending JSON headers."""
    return sandbox.login()
