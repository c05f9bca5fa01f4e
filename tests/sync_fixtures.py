"""End-to-end engine fixtures: both sandboxes over HTTP, a fully set-up tenant, and a burst worker."""

from __future__ import annotations

import pytest
import requests
from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler

from jobs.queues import QUEUE_NAMES, enqueue_poll
from portal.engine.enable import enable_sync
from portal.models import AccountMapping, OpenBoxesConnection, SyncActivity
from portal.models.base import utcnow
from sandbox.quickbooks.companies import SUGGESTED_MAPPINGS
from tests.conftest import connect_quickbooks
from tests.factories import make_tenant


class OpenBoxesSandbox:
    def __init__(self, url: str) -> None:
        self.url = url

    def control(self, method: str, path: str, payload: dict | None = None) -> dict:
        response = requests.request(method, f"{self.url}/_sandbox{path}", json=payload, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else {}

    def info(self) -> dict:
        return self.control("GET", "/info")

    def product(self, name: str, code: str | None, price: str | None = "10.00") -> dict:
        return self.control("POST", "/products", {"name": name, "productCode": code, "pricePerUnit": price})

    def supplier(self, name: str, **fields) -> dict:
        """Create a supplier; returns its organization."""
        return self.control("POST", "/suppliers", {"name": name, **fields})["organization"]

    def purchase_order(self, supplier_id: str, lines: list[tuple[str, int, str]], **fields) -> dict:
        rows = [{"productId": p, "quantity": q, "unitPrice": u} for p, q, u in lines]
        body = {"supplierId": supplier_id, "lines": rows}
        return self.control("POST", "/purchase-orders", {**body, **fields})

    def approve(self, order_id: str) -> dict:
        return self.control("POST", f"/purchase-orders/{order_id}/approve")

    def customer(self, name: str) -> dict:
        """Create a destination (customer) location."""
        answer = self.control("POST", "/customers", {"name": name})
        return answer.get("location", answer)

    def shipment(self, destination_id: str, lines: list[tuple[str, int]], **ship) -> dict:
        """Create an outbound stock movement and ship it."""
        body = {"destinationId": destination_id, "lines": [{"productId": p, "quantity": q} for p, q in lines]}
        movement = self.control("POST", "/stock-movements", body)
        movement_id = movement.get("id") or movement.get("stockMovement", {}).get("id")
        self.control("POST", f"/stock-movements/{movement_id}/ship", ship)
        return {"id": movement_id, **movement}

    def adjust(self, product_id: str, difference: int) -> dict:
        return self.control(
            "POST", "/adjustments", {"lines": [{"productId": product_id, "quantityDifference": difference}]}
        )

    def request_counts(self) -> dict:
        return self.control("GET", "/requests")["counts"]


class QuickBooksSandbox:
    def __init__(self, url: str, realm: str) -> None:
        self.url, self.realm = url, realm

    def control(self, method: str, path: str, payload: dict | None = None) -> dict:
        response = requests.request(method, f"{self.url}/_sandbox{path}", json=payload, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else {}

    def objects(self, entity: str) -> list[dict]:
        dump = self.control("GET", f"/companies/{self.realm}/dump", None)
        return list(dump.get(entity, dump.get("objects", {}).get(entity, [])))

    def fault(self, **rule) -> None:
        self.control("POST", "/faults", rule)

    def counters(self) -> dict:
        return self.control("GET", "/counters")


@pytest.fixture(scope="session")
def ob_server():
    from sandbox.openboxes import make_app
    from sandbox.serving import serve_in_thread

    server = serve_in_thread(make_app(data="empty"))
    yield server
    server.stop()


@pytest.fixture
def ob(ob_server) -> OpenBoxesSandbox:
    sandbox = OpenBoxesSandbox(ob_server.url)
    sandbox.control("POST", "/reset", {"data": "empty"})
    return sandbox


@pytest.fixture
def qb(qbo) -> QuickBooksSandbox:
    from tests.conftest import PLUS_REALM

    return QuickBooksSandbox(qbo, PLUS_REALM)


@pytest.fixture
def tenant(qbo_app, qbo, ob, db, redis):
    """A tenant connected to both sandboxes, accounts mapped, syncing just enabled."""
    tenant = make_tenant("Acme Medical", timezone="America/New_York")
    db.session.add(
        OpenBoxesConnection(
            tenant=tenant,
            base_url=ob.url,
            username="admin",
            password="password",
            location_id=ob.info()["facilityId"],
        )
    )
    connection = connect_quickbooks(tenant, qbo)
    connection.plan, connection.home_currency, connection.multicurrency = "Plus", "USD", False
    for role, (qbo_id, number, name) in SUGGESTED_MAPPINGS.items():
        db.session.add(
            AccountMapping(tenant=tenant, role=role, qbo_account_id=qbo_id, account_number=number, account_name=name)
        )
    db.session.commit()
    enable_sync(tenant.id)
    qbo_app.config["SYNC_RETRY_DELAYS"] = (60.0, 120.0, 240.0)
    return tenant


def work(redis) -> None:
    """Run every queued job in this process until the queues are empty (scheduled jobs stay put)."""
    queues = [Queue(name, connection=redis) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=redis).work(burst=True)


def tick_scheduler(redis) -> None:
    """Move due scheduled jobs (retries) onto their queues, as the worker's scheduler would."""
    scheduler = RQScheduler([Queue(name, connection=redis) for name in QUEUE_NAMES], connection=redis)
    scheduler.acquire_locks()
    scheduler.enqueue_scheduled_jobs()
    scheduler.release_locks()


def sync(tenant, redis, slot: str = "t") -> None:
    """One poll of the tenant and every push it queues, through Redis and a burst worker."""
    enqueue_poll(tenant.id, "manual", slot=f"{slot}{utcnow().timestamp()}")
    work(redis)


def activities(db, **filters) -> list[SyncActivity]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(SyncActivity).filter_by(**filters).order_by(SyncActivity.id)))


# The name the tests use for the sandbox chart mapping.
PLUS_MAPPINGS = SUGGESTED_MAPPINGS
