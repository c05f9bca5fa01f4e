"""Batch: up to 30 items, per-item Faults, no visibility of objects created earlier in the batch."""

from __future__ import annotations

from .conftest import fault_code


def test_batch_answers_each_item_and_faults_per_item(plus):
    plus.create("Vendor", {"DisplayName": "Taken"})
    items = [
        {"bId": "v1", "operation": "create", "Vendor": {"DisplayName": "Fresh"}},
        {"bId": "v2", "operation": "create", "Vendor": {"DisplayName": "taken"}},
        {"bId": "q1", "Query": "SELECT COUNT(*) FROM Vendor"},
    ]
    response = plus.post("batch", {"BatchItemRequest": items})
    assert response.status_code == 200
    answers = {answer["bId"]: answer for answer in response.json()["BatchItemResponse"]}
    assert answers["v1"]["Vendor"]["DisplayName"] == "Fresh"
    assert answers["v2"]["Fault"]["Error"][0]["code"] == "6240"
    assert answers["q1"]["QueryResponse"] == {"totalCount": 1}  # the batch's own vendor is not visible


def test_batch_items_cannot_reference_objects_created_earlier_in_the_batch(plus):
    line = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": 5}
    line["AccountBasedExpenseLineDetail"] = {"AccountRef": {"value": "11"}}
    items = [
        {"bId": "v1", "operation": "create", "Vendor": {"DisplayName": "New Supplier"}},
        {"bId": "b1", "operation": "create", "Bill": {"VendorRef": {"value": "1"}, "Line": [line]}},
    ]
    answers = plus.post("batch", {"BatchItemRequest": items}).json()["BatchItemResponse"]
    assert answers[0]["Vendor"]["Id"] == "1"
    assert answers[1]["Fault"]["Error"][0]["code"] == "2500"


def test_batch_of_more_than_30_items_is_rejected(plus):
    items = [{"bId": f"q{n}", "Query": "SELECT * FROM Vendor"} for n in range(31)]
    response = plus.post("batch", {"BatchItemRequest": items})
    assert response.status_code == 400 and fault_code(response) == "1040"


def test_batch_update_with_stale_sync_token_faults_that_item_only(plus):
    vendor = plus.create("Vendor", {"DisplayName": "Acme"})
    items = [
        {
            "bId": "u1",
            "operation": "update",
            "Vendor": {"Id": vendor["Id"], "SyncToken": "7", "sparse": True},
        },
        {"bId": "c1", "operation": "create", "Vendor": {"DisplayName": "Other"}},
    ]
    answers = plus.post("batch", {"BatchItemRequest": items}).json()["BatchItemResponse"]
    assert answers[0]["Fault"]["Error"][0]["code"] == "5010" and "Vendor" in answers[1]
