"""requestid: a repeated write replays the first answer without writing again."""

from __future__ import annotations

from .conftest import ESSENTIALS, PLUS, fault_code


def test_repeated_requestid_returns_the_first_response_without_writing(qbo, plus):
    first = plus.post("vendor", {"DisplayName": "Acme"}, requestid="rid-1")
    again = plus.post("vendor", {"DisplayName": "Acme"}, requestid="rid-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert len(qbo.dump(PLUS, "Vendor")) == 1
    assert qbo.counters(PLUS)["replays"] == 1


def test_requestid_replays_even_with_a_different_body(qbo, plus):
    first = plus.post("vendor", {"DisplayName": "Acme"}, requestid="rid-1")
    again = plus.post("vendor", {"DisplayName": "Something Else"}, requestid="rid-1")
    assert again.json()["Vendor"] == first.json()["Vendor"]


def test_requestid_is_scoped_to_the_realm(qbo, plus):
    plus.post("vendor", {"DisplayName": "Acme"}, requestid="rid-1")
    other = qbo.api(ESSENTIALS).post("vendor", {"DisplayName": "Acme"}, requestid="rid-1")
    assert other.status_code == 200 and len(qbo.dump(ESSENTIALS, "Vendor")) == 1


def test_validation_error_is_replayed_for_the_same_requestid(plus):
    first = plus.post("vendor", {"DisplayName": "a:b"}, requestid="rid-err")
    fixed = plus.post("vendor", {"DisplayName": "ab"}, requestid="rid-err")
    assert fault_code(first) == fault_code(fixed) == "2040"


def test_requestid_reused_for_another_operation_answers_600(plus):
    plus.post("vendor", {"DisplayName": "Acme"}, requestid="rid-1")
    assert fault_code(plus.post("customer", {"DisplayName": "Other"}, requestid="rid-1")) == "600"


def test_requestid_longer_than_50_is_rejected(plus):
    assert fault_code(plus.post("vendor", {"DisplayName": "Acme"}, requestid="x" * 51)) == "2050"
