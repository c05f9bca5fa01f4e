"""The /_sandbox control API (faults, counters, clock, reset, bulk seeding) and the CLI entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

import sandbox as sandbox_package

REPO_ROOT = Path(sandbox_package.__file__).resolve().parents[1]


def test_error_fault_with_a_count_fails_exactly_the_next_n_matching_requests(sandbox, ob):
    sandbox.control(
        "POST", "/faults", {"route": "/openboxes/api/products*", "kind": "error", "status": 503, "count": 2}
    )
    statuses = [ob.get(sandbox.api("/products?max=1")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert ob.get(sandbox.api("/organizations?max=1")).status_code == 200
    assert sandbox.control("GET", "/faults").json()["faults"] == []


def test_fault_probability_decides_whether_a_matching_request_fails(sandbox, ob):
    sandbox.control("POST", "/faults", {"route": "/openboxes/api/products", "probability": 0.0})
    assert ob.get(sandbox.api("/products?max=1")).status_code == 200
    sandbox.control("DELETE", "/faults")
    sandbox.control("POST", "/faults", {"route": "/openboxes/api/products", "probability": 1.0, "status": 500})
    assert [ob.get(sandbox.api("/products?max=1")).status_code for _ in range(3)] == [500, 500, 500]


def test_fault_with_probability_one_half_fails_some_matching_requests_but_not_all(sandbox, ob):
    sandbox.control("POST", "/faults", {"route": "/openboxes/api/status", "probability": 0.5, "status": 502})
    statuses = {ob.get(sandbox.api("/status")).status_code for _ in range(40)}
    assert statuses == {200, 502}


def test_fault_can_be_limited_to_one_method(sandbox, ob):
    sandbox.control("POST", "/faults", {"route": "/openboxes/api/login", "method": "POST", "count": 1})
    assert ob.get(sandbox.api("/login")).status_code == 401  # GET still reaches the login action
    assert ob.post(sandbox.api("/login"), json={"username": "admin"}).status_code == 500


def test_slow_fault_delays_the_response(sandbox, ob):
    sandbox.control("POST", "/faults", {"route": "/openboxes/api/status", "kind": "slow", "delay": 0.5, "count": 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        ob.get(sandbox.api("/status"), timeout=0.1)
    assert ob.get(sandbox.api("/status"), timeout=5).status_code == 200


def test_drop_fault_closes_the_connection_without_a_response(sandbox, ob):
    sandbox.control("POST", "/faults", {"route": "/openboxes/api/products", "kind": "drop", "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        ob.get(sandbox.api("/products?max=1"), timeout=5)
    assert ob.get(sandbox.api("/products?max=1"), timeout=5).status_code == 200


def test_invalid_fault_is_rejected(sandbox):
    assert sandbox.control("POST", "/faults", {"route": "/x", "kind": "explode"}).status_code == 400
    assert sandbox.control("POST", "/faults", {"route": "/x", "count": 0}).status_code == 400


def test_request_counters_count_per_route_template(sandbox, ob):
    sandbox.control("DELETE", "/requests")
    product_ids = [p["id"] for p in ob.get(sandbox.api("/products?max=2")).json()["data"]]
    for product_id in product_ids:
        ob.get(sandbox.api(f"/products/{product_id}"))
    body = sandbox.control("GET", "/requests").json()
    assert body["counts"] == {"GET /openboxes/api/products": 1, "GET /openboxes/api/products/<product_id>": 2}
    assert body["requests"][0]["query"] == "max=2"


def test_request_counters_include_failed_requests_and_reset(sandbox, ob):
    sandbox.control("DELETE", "/requests")
    sandbox.control("POST", "/faults", {"route": "/openboxes/api/products", "count": 1})
    ob.get(sandbox.api("/products"))
    assert sandbox.control("GET", "/requests").json()["counts"] == {"GET /openboxes/api/products": 1}
    sandbox.control("DELETE", "/requests")
    assert sandbox.control("GET", "/requests").json()["counts"] == {}


def test_moving_the_clock_moves_server_timestamps(sandbox, ob):
    sandbox.control("POST", "/clock", {"set": "2031-05-06T07:08:09Z"})
    ob = sandbox.login()
    created = sandbox.control("POST", "/products", {"name": "Time traveller"}).json()
    data = ob.get(sandbox.api(f"/products/{created['id']}")).json()["data"]
    assert data["dateCreated"].startswith("2031-05-06T07:08:")


def test_reset_restores_the_data_set_and_clears_faults_and_sessions(sandbox, ob):
    sandbox.control("POST", "/products", {"name": "Temporary"})
    sandbox.control("POST", "/faults", {"route": "/nothing"})
    assert sandbox.control("POST", "/reset").status_code == 200
    assert sandbox.control("GET", "/faults").json()["faults"] == []
    assert ob.get(sandbox.api("/products"), allow_redirects=False).status_code == 302
    assert sandbox.login().get(sandbox.api("/products?includeInactive=true")).json()["totalCount"] == 300


def test_reset_can_switch_to_the_empty_data_set(sandbox):
    sandbox.control("POST", "/reset", {"data": "empty"})
    ob = sandbox.login()
    assert ob.get(sandbox.api("/products")).json()["totalCount"] == 0
    assert ob.get(sandbox.api("/purchaseOrders")).json()["totalCount"] == 0


def test_bulk_seeding_creates_ten_thousand_products_pageable_by_last_updated(start_sandbox):
    sandbox = start_sandbox(data="empty")
    created = sandbox.control("POST", "/products/bulk", {"count": 10_000}).json()
    assert created["created"] == 10_000
    ob = sandbox.login()
    page = ob.get(sandbox.api("/products?sort=lastUpdated&order=desc&max=100&offset=9900")).json()
    assert page["totalCount"] == 10_000
    assert len(page["data"]) == 100
    assert page["data"][-1]["id"] == created["firstId"]


def test_control_api_rejects_bad_changes_with_400(sandbox):
    assert sandbox.control("POST", "/purchase-orders", {"supplierId": "nope"}).status_code == 400
    assert sandbox.control("POST", "/products", {"productCode": "X"}).status_code == 400
    order_id = sandbox.hard_case("po_received")[0]
    assert sandbox.control("POST", f"/purchase-orders/{order_id}/rollback").status_code == 400


def test_control_index_lists_the_control_routes(sandbox):
    routes = sandbox.control("GET", "/").json()["routes"]
    assert any("/_sandbox/faults" in route for route in routes)
    assert any("/_sandbox/hard-cases" in route for route in routes)


def test_module_entry_point_serves_the_sandbox_on_loopback(tmp_path):
    command = [
        sys.executable,
        "-m",
        "sandbox.openboxes",
        "--port",
        "0",
        "--data",
        "empty",
        "--state",
        str(tmp_path / "cli.sqlite"),
        "--session-timeout",
        "30",
        "--po-lag",
        "1",
        "--timezone",
        "UTC",
    ]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.split()[-1]
        assert requests.get(f"{url}/openboxes/api/status", timeout=10).json()["status"] == "OK"
        info = requests.get(f"{url}/_sandbox/info", timeout=10).json()
        assert info["options"]["timezone"] == "UTC" and info["options"]["session_timeout"] == 30
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_module_entry_point_serves_the_demo_data_set():
    command = [sys.executable, "-m", "sandbox.openboxes", "--port", "0", "--data", "demo"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = process.stdout.readline().split()[-1]
        http = requests.Session()
        http.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
        facility = http.get(f"{url}/_sandbox/info", timeout=10).json()["facilityId"]
        body = {"username": "admin", "password": "password", "location": facility}
        assert http.post(f"{url}/openboxes/api/login", json=body, timeout=10).status_code == 200
        products = http.get(f"{url}/openboxes/api/products?includeInactive=true&max=1", timeout=10).json()
        assert products["totalCount"] == 300
        http.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_raw_record_patch_renders_malformed_fields_and_keeps_the_shape(sandbox, ob):
    product_id = sandbox.control("GET", "/records/product").json()["records"][0]["id"]
    change = {"render": {"name": 12345, "pricePerUnit": "1.234,50"}, "set": {"description": "set raw"}}
    assert sandbox.control("PATCH", f"/records/product/{product_id}", change).status_code == 200

    product = ob.get(sandbox.api(f"/products/{product_id}")).json()["data"]
    assert (product["name"], product["pricePerUnit"], product["description"]) == (12345, "1.234,50", "set raw")
    assert {"productCode", "lastUpdated", "active"} <= set(product)  # every other field as OpenBoxes sends it
    assert sandbox.record("product", product_id)["name"] != 12345  # the stored name (sorting, search) is kept


def test_raw_line_patch_and_a_line_whose_product_is_gone(sandbox, ob):
    supplier = sandbox.hard_case("supplier_unicode_names")[0]
    products = [p["id"] for p in sandbox.control("GET", "/records/product").json()["records"][40:42]]
    lines = [{"productId": pid, "quantity": 2, "unitPrice": "3.50"} for pid in products]
    order = sandbox.control("POST", "/purchase-orders", {"supplierId": supplier, "lines": lines}).json()
    path = f"/records/order/{order['id']}"

    sandbox.control("PATCH", path, {"lines": {"1": {"render": {"quantity": -5, "unitPrice": None}}}})
    items = ob.get(f"{sandbox.url}/openboxes/order/getOrderItems/{order['id']}").json()
    assert [(item["quantity"], item["unitPrice"]) for item in items] == [(2, "3.50"), (-5, None)]

    sandbox.control("PATCH", path, {"lines": {"0": {"set": {"productId": "ff80818199999999000000000000dead"}}}})
    answer = ob.get(sandbox.api(f"/purchaseOrders/{order['id']}"))  # Hibernate's ObjectNotFoundException: 404
    assert answer.status_code == 404 and "No row with the given identifier exists" in answer.json()["errorMessage"]
