"""The naive serial baseline: what a plain script pushing the same records would do.

``python -m bench.naive_baseline JOB.json RESULT.json`` pushes one realm's records to the QuickBooks
sandbox with plain ``requests``, one record at a time, in the order OpenBoxes lists them (suppliers,
products, purchase orders). Before each create it looks the dependency or the record up by name
(``GET …/query``): a supplier's vendor by DisplayName, a product's item by Name, and for an order its
vendor and every line's item. On a 429 it sleeps 60 s (divided by the clock's scale) and tries the same
call again; on a 401 it fetches a fresh token. No rate limiter, no batch, no database, no idempotency key.

The job file is written by ``bench.sync_bench --baseline``: ``qbo`` (sandbox URL), ``realm``,
``scale``, ``accounts`` (QuickBooks account ids by role) and ``records`` (plain dicts). The result file
holds what the script saw: records pushed, requests, reads, writes, 429s, seconds slept, wall seconds.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import requests

MINOR_VERSION = "75"


class NaiveScript:
    """One realm, one record at a time: look up by name, then create; sleep a (scaled) minute on a 429."""

    def __init__(self, job: dict) -> None:
        self.qbo, self.realm, self.accounts = job["qbo"], job["realm"], job["accounts"]
        self.pause = 60.0 / job["scale"]
        self.http = requests.Session()
        self.counts: Counter = Counter()
        self.vendors: dict[str, str] = {}
        self.token = self._token()

    def _token(self) -> str:
        answer = self.http.post(f"{self.qbo}/_sandbox/companies/{self.realm}/tokens", timeout=30)
        answer.raise_for_status()
        return answer.json()["access_token"]

    def call(self, method: str, path: str, **kwargs) -> dict:
        """One API call, retried after a 60 s (scaled) sleep on 429 and with a new token on 401."""
        url = f"{self.qbo}/v3/company/{self.realm}/{path}"
        while True:
            headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
            answer = self.http.request(method, url, headers=headers, timeout=30, **kwargs)
            self.counts["requests"] += 1
            if answer.status_code == 429:
                self.counts["throttled"] += 1
                self.counts["slept_seconds"] += self.pause
                time.sleep(self.pause)
                continue
            if answer.status_code == 401:
                self.token = self._token()
                continue
            if answer.status_code >= 400:
                raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
            return answer.json()

    def find(self, entity: str, field: str, value: str) -> dict | None:
        """``select * from Entity where Field = 'value'``: the first match or None."""
        self.counts["reads"] += 1
        text = f"select * from {entity} where {field} = '{value.replace(chr(39), chr(92) + chr(39))}'"
        found = self.call("GET", "query", params={"query": text, "minorversion": MINOR_VERSION})
        return (found.get("QueryResponse", {}).get(entity) or [None])[0]

    def create(self, entity: str, payload: dict) -> dict:
        self.counts["writes"] += 1
        return self.call("POST", entity.lower(), params={"minorversion": MINOR_VERSION}, json=payload)[entity]

    def account(self, role: str) -> dict:
        return {"value": self.accounts[role]}

    def push(self, record: dict) -> None:
        kind, before = record["kind"], Counter(self.counts)
        if kind == "supplier":
            self.push_supplier(record)
        elif kind == "product":
            self.push_product(record)
        else:
            self.push_order(record)
        self.counts["records"] += 1
        for key in ("records", "requests", "reads", "throttled"):  # per kind, to weigh by another mix
            self.counts[f"{key}:{kind}"] += self.counts[key] - before[key]

    def push_supplier(self, record: dict) -> None:
        if self.find("Vendor", "DisplayName", record["name"]) is None:
            address = record.get("address") or {}
            addr = {"Line1": address.get("address"), "City": address.get("city")}
            self.create("Vendor", {"DisplayName": record["name"], "CompanyName": record["name"], "BillAddr": addr})

    def push_product(self, record: dict) -> None:
        if self.find("Item", "Name", record["name"]) is None:
            payload = {
                "Name": record["name"],
                "Sku": record["code"],
                "Type": "Inventory",
                "TrackQtyOnHand": True,
                "QtyOnHand": 0,
                "InvStartDate": record["start"],
                "UnitPrice": float(record["price"]),
                "PurchaseCost": float(record["price"]),
                "IncomeAccountRef": self.account("outbound_revenue"),
                "ExpenseAccountRef": self.account("inventory_purchases"),
                "AssetAccountRef": self.account("inventory_asset"),
            }
            self.create("Item", payload)

    def push_order(self, record: dict) -> None:
        vendor = self.find("Vendor", "DisplayName", record["supplier"])
        lines = []
        for name, qty, price in record["lines"]:
            item = self.find("Item", "Name", name)
            amount = float((qty * Decimal(price)).quantize(Decimal("0.01"), ROUND_HALF_UP))
            detail = {"ItemRef": {"value": item["Id"]}, "Qty": qty, "UnitPrice": float(price)}
            lines.append(
                {"DetailType": "ItemBasedExpenseLineDetail", "Amount": amount, "ItemBasedExpenseLineDetail": detail}
            )
        payload = {
            "VendorRef": {"value": vendor["Id"]},
            "APAccountRef": self.account("accounts_payable"),
            "DocNumber": record["number"][:21],
            "Line": lines,
        }
        self.create("PurchaseOrder", payload)


def run(job: dict, deadline_seconds: float | None = None) -> dict:
    """Push every record of ``job`` (or as many as fit before the deadline); return the counts."""
    script, started, cpu = NaiveScript(job), time.monotonic(), time.process_time()
    for record in job["records"]:
        if deadline_seconds is not None and time.monotonic() - started > deadline_seconds:
            script.counts["stopped_early"] = 1
            break
        script.push(record)
    cpu = time.process_time() - cpu  # after the imports and the token, like the workers' CPU after start-up
    return {**script.counts, "wall_seconds": time.monotonic() - started, "cpu_seconds": cpu, "of": len(job["records"])}


def main(argv: list[str] | None = None) -> int:
    job_path, result_path = (argv or sys.argv[1:])[:2]
    job = json.loads(Path(job_path).read_text())
    result = run(job, job.get("deadline_seconds"))
    Path(result_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
