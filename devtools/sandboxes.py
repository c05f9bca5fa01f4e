"""The one driver of the sandboxes' control APIs (``/_sandbox/...``), shared by tests, the demo and the bench.

Each class wraps one running sandbox by its base URL. ``control`` reaches any control route (an error
answer raises ``requests.HTTPError``); the named methods are the calls the tests, demo and bench make.
The sandboxes' own contract tests (``tests/sandbox/``) call the routes directly, since the routes are what
they test.
"""

from __future__ import annotations

import requests

PLUS_REALM = "9341453050000001"  # the QuickBooks sandbox's default Plus company (USD, no multicurrency)


class SandboxControl:
    """The control API of one running sandbox."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url, self.timeout = url.rstrip("/"), timeout

    def control(self, method: str, path: str, payload: dict | None = None, params: dict | None = None) -> dict:
        """Call ``/_sandbox{path}`` and return its JSON answer (``{}`` when empty)."""
        url = f"{self.url}/_sandbox{path}"
        response = requests.request(method, url, json=payload, params=params, timeout=self.timeout)
        response.raise_for_status()
        return response.json() if response.content else {}

    def fault(self, **rule: object) -> dict:
        """Inject a fault rule (see the sandbox's README for the kinds)."""
        return self.control("POST", "/faults", rule)


class OpenBoxesSandbox(SandboxControl):
    """An OpenBoxes sandbox: its data, sessions and request log."""

    def reset(self, data: str = "empty") -> None:
        self.control("POST", "/reset", {"data": data})

    def info(self) -> dict:
        return self.control("GET", "/info")

    def facility_id(self) -> str:
        """The main facility, the location a connection uses."""
        return self.info()["facilityId"]

    def hard_case(self, name: str) -> list[str]:
        """Record ids of one of the demo data's hard cases."""
        return self.control("GET", "/hard-cases")["cases"][name]["ids"]

    def record(self, kind: str, record_id: str) -> dict:
        return self.control("GET", f"/records/{kind}/{record_id}")

    def product(self, name: str, code: str | None, price: str | None = "10.00") -> dict:
        return self.control("POST", "/products", {"name": name, "productCode": code, "pricePerUnit": price})

    def supplier(self, name: str, **fields: object) -> dict:
        """Create a supplier; returns its organization."""
        return self.control("POST", "/suppliers", {"name": name, **fields})["organization"]

    def purchase_order(self, supplier_id: str, lines: list[tuple[str, int, str]], **fields: object) -> dict:
        rows = [{"productId": p, "quantity": q, "unitPrice": u} for p, q, u in lines]
        return self.control("POST", "/purchase-orders", {"supplierId": supplier_id, "lines": rows, **fields})

    def approve(self, order_id: str) -> dict:
        return self.control("POST", f"/purchase-orders/{order_id}/approve")

    def receive(self, order_id: str, quantities: dict[str, int] | None = None) -> dict:
        """Receive a placed order: ``{line id: quantity}`` (everything still open when None)."""
        return self.control("POST", f"/purchase-orders/{order_id}/receive", {"quantities": quantities})

    def customer(self, name: str) -> dict:
        """Create a destination (customer) location."""
        answer = self.control("POST", "/customers", {"name": name})
        return answer.get("location", answer)

    def shipment(self, destination_id: str, lines: list[tuple[str, int]], **ship: object) -> dict:
        """Create an outbound stock movement and ship it."""
        body = {"destinationId": destination_id, "lines": [{"productId": p, "quantity": q} for p, q in lines]}
        movement = self.control("POST", "/stock-movements", body)
        movement_id = movement.get("id") or movement.get("stockMovement", {}).get("id")
        self.control("POST", f"/stock-movements/{movement_id}/ship", ship)
        return {"id": movement_id, **movement}

    def adjust(self, product_id: str, difference: int) -> dict:
        lines = [{"productId": product_id, "quantityDifference": difference}]
        return self.control("POST", "/adjustments", {"lines": lines})

    def expire_sessions(self) -> None:
        self.control("POST", "/sessions/expire", {})

    def request_counts(self) -> dict[str, int]:
        """Requests per ``METHOD /route`` (control routes excluded)."""
        return self.control("GET", "/requests")["counts"]

    def request_log(self, route: str | None = None) -> list[dict]:
        """The ordered request log, or only the requests to ``route``."""
        entries = self.control("GET", "/requests")["requests"]
        return [entry for entry in entries if route is None or entry["route"] == route]


class QuickBooksSandbox(SandboxControl):
    """A QuickBooks sandbox, with ``realm`` the company most calls are about."""

    def __init__(self, url: str, realm: str = PLUS_REALM, timeout: float = 30.0) -> None:
        super().__init__(url, timeout)
        self.realm = realm

    def reset(self) -> None:
        self.control("POST", "/reset")

    def tokens(self, realm: str | None = None) -> dict:
        """A fresh token answer for ``realm``, as the consent page would have led to."""
        return self.control("POST", f"/companies/{realm or self.realm}/tokens")

    def add_company(self, realm: str, name: str, plan: str = "Plus", home_currency: str = "USD", **options) -> dict:
        body = {"realm": realm, "name": name, "plan": plan, "home_currency": home_currency, **options}
        return self.control("POST", "/companies", body)

    def change_company(self, realm: str | None = None, **fields: object) -> dict:
        """Change a company as someone in QuickBooks would (``name=…``, ``plan=…``)."""
        return self.control("PATCH", f"/companies/{realm or self.realm}", fields)

    def dump(self, realm: str | None = None) -> dict:
        """Every object of a company by entity."""
        return self.control("GET", f"/companies/{realm or self.realm}/dump")

    def objects(self, entity: str) -> list[dict]:
        dump = self.dump()
        return list(dump.get(entity, dump.get("objects", {}).get(entity, [])))

    def counters(self) -> dict:
        return self.control("GET", "/counters")

    def reset_counters(self) -> None:
        self.control("DELETE", "/counters")

    def request_log(self, realm: str | None = None) -> list[dict]:
        log = self.control("GET", "/requests", params={"realm": realm or self.realm})
        return log["requests"] if isinstance(log, dict) else log

    def expire_token(self, kind: str = "access", realm: str | None = None) -> None:
        self.control("POST", "/tokens/expire", {"realm": realm or self.realm, "kind": kind})

    def revoke_tokens(self, realm: str | None = None) -> None:
        self.control("POST", "/tokens/revoke", {"realm": realm or self.realm})
