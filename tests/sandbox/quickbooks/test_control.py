"""The control API: fault injection, token and account manipulation, companies, counters, dump, reset."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import requests

from .conftest import CLIENT_ID, CLIENT_SECRET, ESSENTIALS, PLUS, fault_code


def test_injected_5xx_for_the_next_two_requests_then_success(qbo, plus):
    qbo.inject(kind="5xx", route="/vendor$", method="POST", count=2, status=503)
    statuses = [plus.post("vendor", {"DisplayName": "Acme"}, requestid="r1").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert len(qbo.dump(PLUS, "Vendor")) == 1


def test_injected_fault_10000(qbo, plus):
    qbo.inject(kind="10000", route="/preferences$", count=1)
    response = plus.get("preferences")
    assert response.status_code == 500 and fault_code(response) == "10000"
    assert response.json()["Fault"]["type"] == "SystemFault"


def test_commit_then_drop_applies_the_write_and_closes_the_connection(qbo, plus):
    qbo.inject(kind="commit_then_drop", route="/vendor$", count=1)
    with pytest.raises(requests.ConnectionError):
        plus.post("vendor", {"DisplayName": "Acme"}, requestid="r-drop")
    assert [v["DisplayName"] for v in qbo.dump(PLUS, "Vendor")] == ["Acme"]
    retry = plus.post("vendor", {"DisplayName": "Acme"}, requestid="r-drop")
    assert retry.status_code == 200 and len(qbo.dump(PLUS, "Vendor")) == 1


def test_drop_before_commit_writes_nothing(qbo, plus):
    qbo.inject(kind="drop", route="/vendor$", count=1)
    with pytest.raises(requests.ConnectionError):
        plus.post("vendor", {"DisplayName": "Acme"})
    assert qbo.dump(PLUS, "Vendor") == []


def test_commit_then_drop_on_refresh_rotates_the_token_anyway(qbo):
    tokens = qbo.tokens(PLUS)
    qbo.inject(kind="commit_then_drop", route="/oauth2/v1/tokens/bearer", count=1)
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    url = f"{qbo.url}/oauth2/v1/tokens/bearer"
    with pytest.raises(requests.ConnectionError):
        requests.post(url, data=data, auth=(CLIENT_ID, CLIENT_SECRET), timeout=10)
    again = requests.post(url, data=data, auth=(CLIENT_ID, CLIENT_SECRET), timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_slow_response_still_answers(qbo, plus):
    qbo.inject(kind="slow", route="/preferences$", delay=0.05, count=1)
    assert plus.get("preferences").status_code == 200
    assert qbo.counters(PLUS)["faults_injected"] == 1


def test_slow_fault_delays_the_answer_by_its_delay(qbo, plus):
    qbo.inject(kind="slow", route="/preferences$", delay=0.6, count=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        plus.session.get(plus.url("preferences"), params={"minorversion": "75"}, timeout=0.2)
    started = time.monotonic()
    assert plus.get("preferences").status_code == 200
    assert time.monotonic() - started < 0.5  # the rule was used up by the first request


def test_probability_zero_never_fires_and_rules_can_be_listed_and_removed(qbo, plus):
    rule = qbo.inject(kind="5xx", route="preferences", probability=0.0)
    assert all(plus.get("preferences").status_code == 200 for _ in range(5))
    assert [r["id"] for r in qbo.control("GET", "faults").json()["faults"]] == [rule["id"]]
    qbo.control("DELETE", f"faults/{rule['id']}")
    assert qbo.control("GET", "faults").json()["faults"] == []


def test_fault_with_probability_one_half_fires_on_some_requests_only(start_sandbox):
    qbo = start_sandbox(fault_seed=3, rate_per_second=1000)  # 40 calls at once: not a throttle test
    api = qbo.api(PLUS)
    qbo.inject(kind="5xx", route="preferences", probability=0.5, status=502)
    assert {api.get("preferences").status_code for _ in range(40)} == {200, 502}


def test_fault_rule_limited_to_another_realm_does_not_fire(qbo, plus):
    qbo.inject(kind="5xx", route="preferences", realm=ESSENTIALS)
    assert plus.get("preferences").status_code == 200


def test_unknown_fault_kind_is_refused(qbo):
    assert qbo.control("POST", "faults", json={"kind": "explode"}).status_code == 400


def test_changing_the_plan_enables_purchase_orders(qbo):
    api = qbo.api(ESSENTIALS)
    assert fault_code(api.query("SELECT * FROM PurchaseOrder")) == "5020"
    assert qbo.control("PATCH", f"companies/{ESSENTIALS}", json={"plan": "Plus"}).json()["plan"] == "Plus"
    assert api.query("SELECT * FROM PurchaseOrder").status_code == 200


def test_multicurrency_can_be_enabled_but_not_disabled(qbo):
    on = qbo.control("PATCH", f"companies/{PLUS}", json={"multicurrency": True})
    assert on.json()["multicurrency"] is True
    assert qbo.control("PATCH", f"companies/{PLUS}", json={"multicurrency": False}).status_code == 400


def test_created_company_has_the_default_chart_and_can_be_connected(qbo):
    created = qbo.control("POST", "companies", json={"name": "Clinic", "plan": "Simple Start", "realm": "123"})
    assert created.status_code == 201 and created.json()["plan"] == "Simple Start"
    count = qbo.api("123").query("SELECT COUNT(*) FROM Account").json()["QueryResponse"]["totalCount"]
    assert count == 12


def test_simple_start_cannot_have_multicurrency(qbo):
    body = {"plan": "Simple Start", "multicurrency": True}
    assert qbo.control("POST", "companies", json=body).status_code == 400


def test_counters_report_requests_reads_and_writes(qbo, plus):
    plus.post("vendor", {"DisplayName": "Acme"})
    plus.get("preferences")
    counters = qbo.counters(PLUS)
    assert (counters["requests"], counters["writes"], counters["reads"]) == (2, 1, 1)


def test_dump_includes_inactive_objects(qbo, plus):
    vendor = plus.create("Vendor", {"DisplayName": "Acme"})
    qbo.control("POST", f"companies/{PLUS}/vendor/{vendor['Id']}/inactivate")
    assert qbo.dump(PLUS, "Vendor")[0]["Active"] is False


def test_request_log_records_requestid_and_status(qbo, plus):
    plus.post("vendor", {"DisplayName": "Acme"}, requestid="r-log")
    entry = qbo.control("GET", "requests", params={"realm": PLUS}).json()["requests"][-1]
    assert (entry["requestid"], entry["status"], entry["method"]) == ("r-log", 200, "POST")


def test_reset_restores_the_starting_state(qbo, plus):
    plus.create("Vendor", {"DisplayName": "Acme"})
    qbo.control("POST", "reset")
    assert qbo.dump(PLUS, "Vendor") == [] and qbo.counters(PLUS) == {}
    assert plus.get("preferences").status_code == 401  # tokens are gone too


def test_state_file_keeps_objects_and_tokens_across_restarts(start_sandbox, tmp_path):
    state = str(tmp_path / "qbo.sqlite")
    first = start_sandbox(state_file=state)
    api = first.api(PLUS)
    api.create("Vendor", {"DisplayName": "Persisted"})
    first.server.stop()
    second = start_sandbox(state_file=state)
    api.base = second.url
    assert [v["DisplayName"] for v in second.dump(PLUS, "Vendor")] == ["Persisted"]
    assert api.create("Vendor", {"DisplayName": "After Restart"})["Id"] == "2"


def free_port() -> int:
    """A free port number (closed again before the process binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_module_runs_as_a_process_on_the_given_port():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.quickbooks", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == f"listening on http://127.0.0.1:{port}"
        companies = requests.get(f"http://127.0.0.1:{port}/_sandbox/companies", timeout=10).json()["companies"]
        assert PLUS in [company["realm"] for company in companies]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
