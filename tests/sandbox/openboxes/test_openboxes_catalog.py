"""Products, suppliers (organizations + supplier locations) and the generic API."""

from __future__ import annotations

import re

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def test_products_list_wraps_rows_in_data_with_total_count(sandbox, ob):
    body = ob.get(sandbox.api("/products?max=5")).json()
    assert set(body) == {"data", "totalCount"}
    assert len(body["data"]) == 5
    assert body["totalCount"] == 296  # 300 demo products minus the 4 inactive ones


def test_products_without_max_returns_every_product(sandbox, ob):
    body = ob.get(sandbox.api("/products")).json()
    assert len(body["data"]) == body["totalCount"] == 296


def test_products_pages_with_max_and_offset(sandbox, ob):
    everything = [p["id"] for p in ob.get(sandbox.api("/products?sort=name")).json()["data"]]
    page = ob.get(sandbox.api("/products?sort=name&max=10&offset=20")).json()
    assert [p["id"] for p in page["data"]] == everything[20:30]
    assert page["totalCount"] == len(everything)


def test_products_default_sort_is_name_ascending(sandbox, ob):
    names = [p["name"] for p in ob.get(sandbox.api("/products")).json()["data"]]
    assert names == sorted(names, key=str.casefold)


def test_products_sort_by_last_updated_descending(sandbox, ob):
    rows = ob.get(sandbox.api("/products?sort=lastUpdated&order=desc")).json()["data"]
    stamps = [p["lastUpdated"] for p in rows]
    assert stamps == sorted(stamps, reverse=True)


def test_products_hide_inactive_unless_include_inactive_is_true(sandbox, ob):
    inactive = set(sandbox.hard_case("product_inactive"))
    default_ids = {p["id"] for p in ob.get(sandbox.api("/products")).json()["data"]}
    all_rows = ob.get(sandbox.api("/products?includeInactive=true")).json()
    assert not inactive & default_ids
    assert inactive <= {p["id"] for p in all_rows["data"]}
    assert all_rows["totalCount"] == 300
    assert {p["active"] for p in all_rows["data"] if p["id"] in inactive} == {False}


def test_products_created_after_and_before_filter_on_date_created(sandbox, ob):
    sandbox.control("POST", "/clock", {"advance": 3600})
    new = sandbox.control("POST", "/products", {"name": "Brand new"}).json()
    created = ob.get(sandbox.api(f"/products/{new['id']}")).json()["data"]["dateCreated"]
    after = ob.get(sandbox.api("/products"), params={"createdAfter": created}).json()
    assert [p["id"] for p in after["data"]] == [new["id"]]
    before = ob.get(sandbox.api("/products"), params={"createdBefore": "2000-01-01T00:00:00Z"}).json()
    assert before["totalCount"] == 0


def test_products_q_and_created_after_combine_as_or_not_and(sandbox, ob):
    sandbox.control("POST", "/clock", {"advance": 3600})
    new = sandbox.control("POST", "/products", {"name": "Brand new"}).json()
    created = ob.get(sandbox.api(f"/products/{new['id']}")).json()["data"]["dateCreated"]
    rows = ob.get(sandbox.api("/products"), params={"createdAfter": created, "q": "Syringe"}).json()["data"]
    names = {p["name"] for p in rows}
    assert "Brand new" in names
    assert any(name.startswith("Syringe") for name in names)


def test_product_json_has_the_marshaller_fields_with_iso_utc_dates(sandbox, ob):
    product = ob.get(sandbox.api("/products?max=1")).json()["data"][0]
    assert set(product) == {
        "id",
        "productCode",
        "name",
        "description",
        "category",
        "unitOfMeasure",
        "pricePerUnit",
        "dateCreated",
        "lastUpdated",
        "updatedBy",
        "color",
        "handlingIcons",
        "lotAndExpiryControl",
        "active",
        "displayNames",
    }
    assert ISO_UTC.match(product["lastUpdated"]) and ISO_UTC.match(product["dateCreated"])
    assert len(product["id"]) == 32


def test_products_may_have_null_code_and_null_price(sandbox, ob):
    no_code = ob.get(sandbox.api(f"/products/{sandbox.hard_case('product_without_code')[0]}")).json()["data"]
    no_price = ob.get(sandbox.api(f"/products/{sandbox.hard_case('product_without_price')[0]}")).json()["data"]
    assert no_code["productCode"] is None
    assert no_price["pricePerUnit"] is None


def test_product_read_with_unknown_id_answers_404(sandbox, ob):
    response = ob.get(sandbox.api("/products/nope"))
    assert response.status_code == 404
    assert response.json()["errorCode"] == 404


def test_product_code_is_editable_and_edits_bump_last_updated(sandbox, ob):
    product_id = ob.get(sandbox.api("/products?max=1")).json()["data"][0]["id"]
    before = ob.get(sandbox.api(f"/products/{product_id}")).json()["data"]
    sandbox.control("POST", "/clock", {"advance": 120})
    sandbox.control("PATCH", f"/products/{product_id}", {"productCode": "NEW-CODE-1"})
    after = ob.get(sandbox.api(f"/products/{product_id}")).json()["data"]
    assert after["productCode"] == "NEW-CODE-1"
    assert after["lastUpdated"] > before["lastUpdated"]


def test_deactivated_product_disappears_from_the_default_product_list(sandbox, ob):
    product_id = ob.get(sandbox.api("/products?max=1")).json()["data"][0]["id"]
    sandbox.control("POST", f"/products/{product_id}/deactivate")
    assert product_id not in {p["id"] for p in ob.get(sandbox.api("/products")).json()["data"]}


def test_unknown_sort_property_answers_500(sandbox, ob):
    response = ob.get(sandbox.api("/products?sort=noSuchField"))
    assert response.status_code == 500
    assert response.json()["errorCode"] == 500


def test_supplier_organizations_have_no_total_count_address_or_active_flag(sandbox, ob):
    body = ob.get(sandbox.api("/organizations?roleType=ROLE_SUPPLIER")).json()
    assert set(body) == {"data"}
    assert len(body["data"]) == 40
    first = body["data"][0]
    assert "address" not in first and "active" not in first
    assert first["displayName"] == f"{first['code']} - {first['name']}"
    assert first["roles"][0]["roleType"] == "ROLE_SUPPLIER"
    assert ISO_UTC.match(first["lastUpdated"])


def test_organizations_page_and_sort_by_last_updated(sandbox, ob):
    rows = ob.get(sandbox.api("/organizations?roleType=ROLE_SUPPLIER&sort=lastUpdated&order=desc&max=5")).json()
    stamps = [row["lastUpdated"] for row in rows["data"]]
    assert len(stamps) == 5 and stamps == sorted(stamps, reverse=True)


def test_organization_read_with_unknown_id_answers_500(sandbox, ob):
    response = ob.get(sandbox.api("/organizations/nope"))
    assert response.status_code == 500
    assert response.json()["cause"] == "java.lang.IllegalArgumentException"


def test_supplier_locations_carry_addresses_without_last_updated_or_paging(sandbox, ob):
    rows = ob.get(sandbox.api("/locations?locationTypeCode=SUPPLIER&max=2")).json()["data"]
    assert len(rows) == 39  # 40 suppliers, one inactive; max is ignored
    with_address = next(row for row in rows if row["address"])
    assert {"city", "postalCode", "country"} <= set(with_address["address"])
    assert "lastUpdated" not in with_address
    assert with_address["locationType"]["locationTypeCode"] == "SUPPLIER"


def test_deactivated_supplier_stays_in_organizations_but_leaves_locations(sandbox, ob):
    created = sandbox.control(
        "POST",
        "/suppliers",
        {"name": "Short-lived Supplies", "address": {"city": "Lyon", "country": "France"}},
    ).json()
    org_id = created["organization"]["id"]
    sandbox.control("POST", f"/suppliers/{org_id}/deactivate")
    organizations = ob.get(sandbox.api("/organizations?roleType=ROLE_SUPPLIER")).json()["data"]
    locations = ob.get(sandbox.api("/locations?locationTypeCode=SUPPLIER")).json()["data"]
    assert org_id in {row["id"] for row in organizations}
    assert created["location"]["id"] not in {row["id"] for row in locations}
    active_only = ob.get(sandbox.api("/organizations?roleType=ROLE_SUPPLIER&active=true")).json()["data"]
    assert org_id not in {row["id"] for row in active_only}


def test_supplier_edit_changes_name_and_last_updated(sandbox, ob):
    org = ob.get(sandbox.api("/organizations?roleType=ROLE_SUPPLIER&max=1")).json()["data"][0]
    sandbox.control("POST", "/clock", {"advance": 60})
    sandbox.control("PATCH", f"/suppliers/{org['id']}", {"name": "Renamed Supplier"})
    after = ob.get(sandbox.api(f"/organizations/{org['id']}")).json()["data"]
    assert after["name"] == "Renamed Supplier"
    assert after["lastUpdated"] > org["lastUpdated"]


def test_generic_api_reads_with_the_custom_marshaller_and_no_total_count(sandbox, ob):
    product = ob.get(sandbox.api("/products?max=1")).json()["data"][0]
    assert ob.get(sandbox.api(f"/generic/product/{product['id']}")).json()["data"] == product
    listing = ob.get(sandbox.api("/generic/product?max=3")).json()
    assert set(listing) == {"data"} and len(listing["data"]) == 3


def test_generic_api_unknown_resource_answers_500_and_unknown_id_404(sandbox, ob):
    assert ob.get(sandbox.api("/generic/noSuchDomain")).status_code == 500
    assert ob.get(sandbox.api("/generic/shipment/nope")).status_code == 404
