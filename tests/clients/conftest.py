"""Fixtures for client tests: OpenBoxes sandboxes on loopback ports and clients pointed at them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from devtools.sandboxes import OpenBoxesSandbox
from portal.clients.openboxes import OpenBoxesClient
from sandbox.openboxes import SandboxApp, make_app
from sandbox.serving import RunningServer, serve_in_thread


class Sandbox(OpenBoxesSandbox):
    """An OpenBoxes sandbox served by a thread of this process, driven through its control API."""

    def __init__(self, server: RunningServer, app: SandboxApp) -> None:
        super().__init__(server.url)
        self.server, self.app = server, app

    def close(self) -> None:
        self.server.stop()
        self.app.close()


@pytest.fixture(scope="session")
def openboxes_closing_threads() -> Iterator[list[threading.Thread]]:
    """Sandboxes stop in the background (shutdown waits out a 0.5 s poll); joined at the end of the run."""
    threads: list[threading.Thread] = []
    yield threads
    for thread in threads:
        thread.join(timeout=10)


@pytest.fixture
def start_openboxes_sandbox(
    openboxes_closing_threads: list[threading.Thread],
) -> Iterator[Callable[..., Sandbox]]:
    """A factory: ``start_openboxes_sandbox(**make_app_options)``; everything started is stopped afterwards."""
    started: list[Sandbox] = []

    def start(**options: object) -> Sandbox:
        app = make_app(**options)
        sandbox = Sandbox(serve_in_thread(app), app)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        thread = threading.Thread(target=sandbox.close, name="close-openboxes-sandbox")
        thread.start()
        openboxes_closing_threads.append(thread)


@pytest.fixture
def openboxes_sandbox(start_openboxes_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A demo-data OpenBoxes sandbox (server zone America/New_York)."""
    return start_openboxes_sandbox()


@pytest.fixture
def make_openboxes_client() -> Iterator[Callable[..., OpenBoxesClient]]:
    """A factory: ``make_openboxes_client(sandbox, username=…, password=…, location_id=…, **options)``.

    Defaults to the integration user at the sandbox's main facility, with private networks allowed
    (the sandbox listens on 127.0.0.1). Clients are closed afterwards.
    """
    clients: list[OpenBoxesClient] = []

    def make(
        sandbox: Sandbox,
        username: str = "integration-bot",
        password: str = "s3cret",
        location_id: str | None = None,
        **options: object,
    ) -> OpenBoxesClient:
        options.setdefault("allow_private_networks", True)
        location = location_id if location_id is not None else sandbox.info()["facilityId"]
        client = OpenBoxesClient(sandbox.url, username, password, location, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def openboxes_client(openboxes_sandbox: Sandbox, make_openboxes_client) -> OpenBoxesClient:
    """The integration user's client at the main facility of ``openboxes_sandbox``."""
    return make_openboxes_client(openboxes_sandbox)
