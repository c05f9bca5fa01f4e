"""Throttling per realm: calls per second, request budget per (scalable) window, concurrency cap, 429/3001 bodies."""

from __future__ import annotations

import threading
import time

import pytest

from .conftest import ESSENTIALS, PLUS


def throttle(qbo, **settings) -> None:
    assert qbo.control("PUT", "throttle", json=settings).status_code == 200


def test_request_budget_exceeded_answers_429_with_code_3001(qbo, plus):
    throttle(qbo, request_budget=3)
    statuses = [plus.get("preferences").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = plus.get("preferences")
    error = response.json()["Fault"]["Error"][0]
    assert error["code"] == "3001" and "ThrottleExceeded" in error["Message"]
    assert response.json()["Fault"]["type"] == "SERVICE" and "Retry-After" not in response.headers


def test_eleventh_call_within_a_second_answers_429_with_code_3001(qbo, plus):
    throttle(qbo, window_seconds=600)  # a 10-second "second": the calls below surely fall into one
    statuses = [plus.get("preferences").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    response = plus.get("preferences")
    error = response.json()["Fault"]["Error"][0]
    assert error["code"] == "3001" and "ThrottleExceeded" in error["Message"]
    assert response.json()["Fault"]["type"] == "SERVICE"
    assert qbo.counters(PLUS)["throttled"] == 2


def test_the_second_is_a_60th_of_the_scaled_window(qbo, plus):
    throttle(qbo, window_seconds=600, rate_per_second=1, retry_after=True)
    assert plus.get("preferences").status_code == 200
    refused = plus.get("preferences")
    assert refused.status_code == 429 and 9 <= int(refused.headers["Retry-After"]) <= 10


def test_calls_per_second_come_back_after_the_second(qbo, plus):
    throttle(qbo, rate_per_second=1)
    assert plus.get("preferences").status_code == 200
    for _ in range(200):
        if plus.get("preferences").status_code == 200:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the per-second budget never came back")


def test_calls_per_second_are_per_realm(qbo, plus):
    throttle(qbo, window_seconds=600, rate_per_second=1)
    assert plus.get("preferences").status_code == 200
    assert plus.get("preferences").status_code == 429
    assert qbo.api(ESSENTIALS).get("preferences").status_code == 200


def test_a_batch_is_one_call_per_second_whatever_its_items(qbo, plus):
    throttle(qbo, window_seconds=600, rate_per_second=2)
    items = [{"bId": f"q{n}", "Query": "SELECT * FROM Vendor"} for n in range(5)]
    assert plus.post("batch", {"BatchItemRequest": items}).status_code == 200
    assert plus.get("preferences").status_code == 200
    assert plus.get("preferences").status_code == 429


def test_budget_returns_after_a_scaled_window(qbo, plus):
    throttle(qbo, request_budget=2, window_seconds=0.2)
    assert [plus.get("preferences").status_code for _ in range(3)] == [200, 200, 429]
    for _ in range(100):
        if plus.get("preferences").status_code == 200:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the budget never came back")


def test_budget_is_per_realm(qbo, plus):
    throttle(qbo, request_budget=1)
    assert plus.get("preferences").status_code == 200
    assert plus.get("preferences").status_code == 429
    assert qbo.api(ESSENTIALS).get("preferences").status_code == 200


def test_throttled_answers_are_counted_per_realm(qbo, plus):
    throttle(qbo, request_budget=1)
    for _ in range(3):
        plus.get("preferences")
    counters = qbo.counters(PLUS)
    assert counters["throttled"] == 2 and counters["requests"] == 3


def test_batch_items_count_against_the_budget(qbo, plus):
    throttle(qbo, request_budget=5)
    items = [{"bId": f"q{n}", "Query": "SELECT * FROM Vendor"} for n in range(5)]
    assert plus.post("batch", {"BatchItemRequest": items}).status_code == 200
    assert plus.get("preferences").status_code == 429


def test_a_batch_can_count_once_against_the_budget_when_switched(qbo, plus):
    throttle(qbo, request_budget=5, batch_items_count=False)
    items = [{"bId": f"q{n}", "Query": "SELECT * FROM Vendor"} for n in range(5)]
    assert plus.post("batch", {"BatchItemRequest": items}).status_code == 200
    assert [plus.get("preferences").status_code for _ in range(5)] == [200] * 4 + [429]


def test_concurrency_cap_answers_429(qbo, plus):
    throttle(qbo, concurrency=2)
    qbo.inject(kind="slow", route="/preferences$", delay=1.0, count=2)
    workers = [threading.Thread(target=plus.get, args=("preferences",)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for _ in range(200):
        if qbo.counters(PLUS).get("in_flight") == 2:
            break
        time.sleep(0.01)
    assert plus.get(f"companyinfo/{PLUS}").status_code == 429
    for worker in workers:
        worker.join()
    assert qbo.counters(PLUS)["max_in_flight"] == 2


def test_xml_throttle_body_switch(qbo, plus):
    throttle(qbo, request_budget=1, throttle_format="xml")
    plus.get("preferences")
    response = plus.get("preferences")
    assert response.status_code == 429 and response.headers["Content-Type"].startswith("application/xml")
    assert '<Error code="3001">' in response.text and "statusCode=429" in response.text


def test_retry_after_header_switch(qbo, plus):
    throttle(qbo, request_budget=1, retry_after=True)
    plus.get("preferences")
    assert int(plus.get("preferences").headers["Retry-After"]) >= 1


def test_legacy_403_throttle_status_switch(qbo, plus):
    throttle(qbo, request_budget=1, throttle_status=403)
    plus.get("preferences")
    response = plus.get("preferences")
    assert response.status_code == 403 and "statusCode=403" in response.json()["Fault"]["Error"][0]["Message"]


@pytest.mark.slow
def test_default_budget_lets_500_requests_through_per_window_then_answers_429(qbo, plus):
    throttle(qbo, rate_per_second=1000)
    statuses = [plus.get("preferences").status_code for _ in range(501)]
    assert statuses[:500] == [200] * 500 and statuses[500] == 429


def test_defaults_are_10_per_second_500_per_minute_and_10_concurrent(qbo):
    config = qbo.control("GET", "throttle").json()
    limits = ("rate_per_second", "request_budget", "window_seconds", "concurrency", "batch_budget")
    assert [config[name] for name in limits] == [10, 500, 60.0, 10, 40]
