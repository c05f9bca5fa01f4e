"""Fixtures that run the QuickBooks sandbox on a free loopback port and talk to it over plain HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from sandbox.quickbooks import make_app
from sandbox.serving import RunningServer, serve_in_thread

PLUS = "9341453050000001"
ESSENTIALS = "9341453050000002"
MULTICURRENCY = "9341453050000003"
CLIENT_ID, CLIENT_SECRET = "sandbox-client-id", "sandbox-client-secret"
REDIRECT_URI = "http://127.0.0.1:9/qbo/callback"


class Api:
    """An authorized JSON session for one realm, sending minorversion=75 like our client will."""

    def __init__(self, base: str, realm: str, access_token: str) -> None:
        self.base, self.realm = base, realm
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {access_token}", "Accept": "application/json"})

    def url(self, path: str) -> str:
        return f"{self.base}/v3/company/{self.realm}/{path}"

    def get(self, path: str, **params) -> requests.Response:
        return self.session.get(self.url(path), params={"minorversion": "75", **params}, timeout=10)

    def post(self, path: str, body: dict, **params) -> requests.Response:
        return self.session.post(self.url(path), json=body, params={"minorversion": "75", **params}, timeout=10)

    def query(self, text: str) -> requests.Response:
        return self.get("query", query=text)

    def create(self, entity: str, body: dict) -> dict:
        """Create and return the object; fails the test when QuickBooks refuses."""
        response = self.post(entity.lower(), body)
        assert response.status_code == 200, response.text
        return response.json()[entity]


class Sandbox:
    """A running sandbox plus helpers for its control API."""

    def __init__(self, server: RunningServer) -> None:
        self.server, self.url = server, server.url

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.url}/_sandbox/{path}", timeout=10, **kwargs)

    def tokens(self, realm: str) -> dict:
        return self.control("POST", f"companies/{realm}/tokens").json()

    def api(self, realm: str = PLUS) -> Api:
        return Api(self.url, realm, self.tokens(realm)["access_token"])

    def counters(self, realm: str) -> dict:
        return self.control("GET", "counters").json()["realms"].get(realm, {})

    def dump(self, realm: str, entity: str) -> list[dict]:
        return self.control("GET", f"companies/{realm}/dump", params={"entity": entity}).json().get(entity, [])

    def inject(self, **rule) -> dict:
        response = self.control("POST", "faults", json=rule)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with any ``make_app`` options; all are stopped after the test."""
    running: list[RunningServer] = []

    def start(**options) -> Sandbox:
        server = serve_in_thread(make_app(**options))
        running.append(server)
        return Sandbox(server)

    yield start
    for server in running:
        server.stop()


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[Sandbox]:
    server = serve_in_thread(make_app())
    yield Sandbox(server)
    server.stop()


@pytest.fixture
def qbo(shared_sandbox) -> Sandbox:
    """A sandbox with default options, reset to its starting state for this test."""
    assert shared_sandbox.control("POST", "reset").status_code == 200
    return shared_sandbox


@pytest.fixture
def plus(qbo) -> Api:
    return qbo.api(PLUS)


@pytest.fixture
def accounts(plus) -> dict[str, str]:
    """Account ids of the default chart by name."""
    rows = plus.query("SELECT * FROM Account MAXRESULTS 1000").json()["QueryResponse"]["Account"]
    return {row["Name"]: row["Id"] for row in rows}


@pytest.fixture
def make_item(plus, accounts) -> Callable[..., dict]:
    def make(name: str = "Widget 10mm", **fields) -> dict:
        body = {
            "Name": name,
            "Type": "Inventory",
            "TrackQtyOnHand": True,
            "QtyOnHand": 0,
            "InvStartDate": "2026-01-01",
            "IncomeAccountRef": {"value": accounts["Sales of Product Income"]},
            "ExpenseAccountRef": {"value": accounts["Cost of Goods Sold"]},
            "AssetAccountRef": {"value": accounts["Inventory Asset"]},
            **fields,
        }
        return plus.create("Item", body)

    return make


def fault_code(response: requests.Response) -> str:
    """The first Fault error code of a JSON answer."""
    return response.json()["Fault"]["Error"][0]["code"]
