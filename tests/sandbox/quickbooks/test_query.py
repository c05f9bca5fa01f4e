"""The query language subset: operators, escaping, case, paging, COUNT, inactive records."""

from __future__ import annotations

import pytest

from .conftest import PLUS, fault_code


@pytest.fixture
def vendors(plus) -> list[dict]:
    names = ["O'Brien Supply", "Acme Fasteners", "Acme Tools", "Zenith Labs", "Bolt Depot"]
    return [plus.create("Vendor", {"DisplayName": name}) for name in names]


def rows(response, entity: str = "Vendor") -> list[str]:
    assert response.status_code == 200, response.text
    return [row["DisplayName"] for row in response.json()["QueryResponse"].get(entity, [])]


def rows_of(response, entity: str = "Account") -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["QueryResponse"].get(entity, [])


def test_query_by_get_and_by_post_application_text(plus, vendors):
    text = "SELECT * FROM Vendor WHERE DisplayName = 'Zenith Labs'"
    assert rows(plus.query(text)) == ["Zenith Labs"]
    posted = plus.session.post(
        plus.url("query"),
        data=text,
        headers={"Content-Type": "application/text"},
        params={"minorversion": 75},
    )
    assert rows(posted) == ["Zenith Labs"]


def test_escaped_apostrophe_matches(plus, vendors):
    assert rows(plus.query(r"SELECT * FROM Vendor WHERE DisplayName = 'O\'Brien Supply'")) == ["O'Brien Supply"]


def test_values_and_names_are_case_insensitive(plus, vendors):
    assert rows(plus.query("select * from vendor where displayname = 'ZENITH labs'")) == ["Zenith Labs"]


def test_like_with_percent(plus, vendors):
    assert rows(plus.query("SELECT * FROM Vendor WHERE DisplayName LIKE 'acme%' ORDERBY DisplayName")) == [
        "Acme Fasteners",
        "Acme Tools",
    ]


def test_like_with_a_leading_percent_matches_the_end_of_names(plus, vendors):
    assert rows(plus.query("SELECT * FROM Vendor WHERE DisplayName LIKE '%LABS'")) == ["Zenith Labs"]
    assert rows(plus.query("SELECT * FROM Vendor WHERE DisplayName LIKE '%ME%' ORDERBY DisplayName")) == [
        "Acme Fasteners",
        "Acme Tools",
    ]


def test_in_and_comparisons_joined_by_and(plus, vendors):
    ids = [vendors[1]["Id"], vendors[2]["Id"], vendors[3]["Id"]]
    text = f"SELECT * FROM Vendor WHERE Id IN ('{ids[0]}', '{ids[1]}', '{ids[2]}') AND DisplayName < 'B'"
    assert rows(plus.query(text)) == ["Acme Fasteners", "Acme Tools"]


def test_last_updated_time_compares_as_time(plus, vendors):
    text = "SELECT * FROM Vendor WHERE MetaData.LastUpdatedTime > '2000-01-01T00:00:00-08:00'"
    assert len(rows(plus.query(text))) == 5


def test_orderby_startposition_and_maxresults_page_through(plus, vendors):
    base = "SELECT * FROM Vendor ORDERBY DisplayName DESC"
    first = plus.query(f"{base} STARTPOSITION 1 MAXRESULTS 2").json()["QueryResponse"]
    assert [r["DisplayName"] for r in first["Vendor"]] == ["Zenith Labs", "O'Brien Supply"]
    assert first["startPosition"] == 1 and first["maxResults"] == 2
    assert rows(plus.query(f"{base} STARTPOSITION 5 MAXRESULTS 2")) == ["Acme Fasteners"]


def test_maxresults_above_1000_is_rejected(plus):
    assert fault_code(plus.query("SELECT * FROM Vendor MAXRESULTS 1001")) == "4001"


def test_count_returns_total_count(plus, vendors):
    assert plus.query("SELECT COUNT(*) FROM Vendor").json()["QueryResponse"] == {"totalCount": 5}


def test_no_match_returns_empty_query_response(plus, vendors):
    assert plus.query("SELECT * FROM Vendor WHERE DisplayName = 'nobody'").json()["QueryResponse"] == {}


def test_inactive_records_are_hidden_unless_active_is_filtered(plus, vendors):
    plus.create("Vendor", {"Id": vendors[0]["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    assert "O'Brien Supply" not in rows(plus.query("SELECT * FROM Vendor"))
    assert "O'Brien Supply" in rows(plus.query("SELECT * FROM Vendor WHERE Active IN (true, false)"))
    assert rows(plus.query("SELECT * FROM Vendor WHERE Active = false")) == ["O'Brien Supply"]


def test_inactive_accounts_are_hidden_unless_active_is_filtered(qbo, plus):
    account_id = rows_of(plus.query("SELECT * FROM Account WHERE Name = 'Inventory Shrinkage'"))[0]["Id"]
    qbo.control("POST", f"companies/{PLUS}/account/{account_id}/inactivate")
    assert plus.query("SELECT * FROM Account WHERE Name = 'Inventory Shrinkage'").json()["QueryResponse"] == {}
    found = rows_of(plus.query("SELECT * FROM Account WHERE Name = 'Inventory Shrinkage' AND Active = false"))
    assert [row["Id"] for row in found] == [account_id]


def test_or_is_a_parse_error_4000(plus):
    response = plus.query("SELECT * FROM Vendor WHERE DisplayName = 'a' OR DisplayName = 'b'")
    assert response.status_code == 400 and fault_code(response) == "4000"


def test_id_supports_only_equals_and_in(plus, vendors):
    assert fault_code(plus.query("SELECT * FROM Vendor WHERE Id > '1'")) == "4001"


def test_unknown_property_is_not_queryable(plus):
    assert fault_code(plus.query("SELECT * FROM Vendor WHERE Nickname = 'x'")) == "4001"


def test_account_query_by_type(plus):
    names = [
        r["Name"]
        for r in plus.query("SELECT * FROM Account WHERE AccountType = 'Cost of Goods Sold'").json()["QueryResponse"][
            "Account"
        ]
    ]
    assert names == ["Cost of Goods Sold", "Inventory Shrinkage"]


def test_item_select_star_includes_sku(plus, make_item):
    make_item("Widget", Sku="WID-10")
    found = plus.query("SELECT *, Sku FROM Item WHERE Sku = 'wid-10'").json()["QueryResponse"]["Item"]
    assert found[0]["Sku"] == "WID-10"


def test_a_projection_returns_only_the_selected_properties(plus, make_item):
    make_item("Widget", Sku="WID-10", QtyOnHand=7)
    where = "WHERE Type = 'Inventory' STARTPOSITION 1 MAXRESULTS 1000"
    statement = f"SELECT Id, Name, Sku, QtyOnHand, Type FROM Item {where}"
    [found] = plus.query(statement).json()["QueryResponse"]["Item"]
    assert set(found) == {"Id", "Name", "Sku", "QtyOnHand", "Type", "domain", "sparse"}
    assert (found["Sku"], found["QtyOnHand"], found["sparse"]) == ("WID-10", 7, True)
    assert fault_code(plus.query("SELECT Id, Nickname FROM Item")) == "4001"
