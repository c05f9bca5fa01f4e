"""The inventory-transactions-summary report (adjustments by transaction date)."""

from __future__ import annotations

import pytest

WIDE = {"startDate": "2000-01-01T00:00:00Z", "endDate": "2100-01-01T00:00:00Z"}


@pytest.fixture
def report(sandbox, ob):
    """``report(**params)`` → the JSON body for the main facility over a wide date range by default."""
    facility = sandbox.info()["facilityId"]

    def get(**params):
        response = ob.get(
            sandbox.api("/reports/inventory-transactions-summary"),
            params={"facility": facility, **WIDE, **params},
        )
        assert response.status_code == 200, response.text
        return response.json()

    return get


@pytest.mark.parametrize("missing", ["facility", "startDate", "endDate"])
def test_report_requires_facility_start_date_and_end_date(sandbox, ob, missing):
    params = {"facility": sandbox.info()["facilityId"], **WIDE}
    del params[missing]
    response = ob.get(sandbox.api("/reports/inventory-transactions-summary"), params=params)
    assert response.status_code == 400
    assert missing in " ".join(response.json()["errorMessages"])


def test_report_rejects_iso_dates_without_an_offset(sandbox, ob):
    params = {
        "facility": sandbox.info()["facilityId"],
        "startDate": "2020-01-01T00:00:00",
        "endDate": "01/01/2100",
    }
    response = ob.get(sandbox.api("/reports/inventory-transactions-summary"), params=params)
    assert response.status_code == 400


def test_report_max_defaults_to_10(report):
    body = report()
    assert len(body["data"]) == 10
    assert body["totalCount"] > 100


def test_report_max_is_capped_at_100(report):
    assert len(report(max=500)["data"]) == 100


def test_report_pages_with_offset(report):
    first = report(max=100)["data"]
    second = report(max=10, offset=10)["data"]
    assert second == first[10:20]


def test_report_rows_are_one_per_transaction_and_product_with_signed_difference_and_no_id(sandbox, report):
    product_a, product_b = (p["id"] for p in sandbox.control("GET", "/records/product").json()["records"][60:62])
    lines = [
        {"productId": product_a, "quantityDifference": -4},
        {"productId": product_b, "quantityDifference": 6},
    ]
    sandbox.control("POST", "/adjustments", {"lines": lines, "comment": "Broken bottles"})
    rows = report(max=2)["data"]
    assert {row["product"]["id"]: row["quantityDifference"] for row in rows} == {product_a: -4, product_b: 6}
    assert rows[0]["transaction"]["transactionNumber"] == rows[1]["transaction"]["transactionNumber"]
    assert "id" not in rows[0]["transaction"] and "id" not in rows[0]
    by_product = {row["product"]["id"]: row for row in rows}
    assert by_product[product_a]["quantityAfter"] - by_product[product_a]["quantityBefore"] == -4
    assert by_product[product_a]["varianceTypeCode"] == "LESS"
    assert rows[0]["comments"] == ["Broken bottles"] and rows[0]["transactionAction"] == "INVENTORY_ADJUSTMENT"


def test_report_orders_rows_by_transaction_date_descending(report):
    stamps = [row["dateRecorded"] for row in report(max=100)["data"]]
    assert stamps == sorted(stamps, reverse=True)


def test_report_filters_on_the_transaction_date_range(sandbox, report):
    product = sandbox.hard_case("product_unicode_names")[0]
    sandbox.control(
        "POST",
        "/adjustments",
        {
            "transactionDate": "2021-06-15T12:00:00Z",
            "lines": [{"productId": product, "quantityDifference": 3}],
        },
    )
    body = report(startDate="2021-06-15T00:00:00Z", endDate="2021-06-16T00:00:00Z")
    assert [row["product"]["id"] for row in body["data"]] == [product]
    assert body["data"][0]["dateRecorded"] == "2021-06-15T12:00:00Z"


def test_report_accepts_mm_dd_yyyy_dates_as_server_midnight(sandbox, report):
    product = sandbox.hard_case("product_unicode_names")[0]
    sandbox.control(
        "POST",
        "/adjustments",
        {
            "transactionDate": "2021-06-15T12:00:00Z",
            "lines": [{"productId": product, "quantityDifference": 3}],
        },
    )
    assert report(startDate="06/15/2021", endDate="06/16/2021")["totalCount"] == 1


def test_report_only_covers_the_given_facility(sandbox, report, ob):
    second = sandbox.control("GET", "/records/meta/config").json()["secondFacilityId"]
    response = ob.get(sandbox.api("/reports/inventory-transactions-summary"), params={"facility": second, **WIDE})
    numbers = {row["transaction"]["transactionNumber"] for row in response.json()["data"]}
    assert numbers == set(sandbox.hard_case("adjustment_other_facility"))
    main_numbers = {row["transaction"]["transactionNumber"] for row in report(max=100)["data"]}
    assert not numbers & main_numbers


def test_report_excludes_inventory_baseline_transactions(sandbox, report):
    product = sandbox.hard_case("product_unicode_names")[1]
    created = sandbox.control(
        "POST", "/adjustments", {"action": "RECORD_STOCK", "lines": [{"productId": product, "quantity": 50}]}
    ).json()
    baseline, adjustment = created["transactions"]
    numbers = {row["transaction"]["transactionNumber"] for row in report(max=100)["data"]}
    assert adjustment["transactionNumber"] in numbers
    assert baseline["transactionNumber"] not in numbers


def test_adjustments_cannot_be_dated_in_the_future(sandbox):
    product = sandbox.hard_case("product_unicode_names")[0]
    response = sandbox.control(
        "POST",
        "/adjustments",
        {
            "transactionDate": "2999-01-01T00:00:00Z",
            "lines": [{"productId": product, "quantityDifference": 1}],
        },
    )
    assert response.status_code == 400
