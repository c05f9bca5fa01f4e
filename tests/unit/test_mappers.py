"""Name-list mappers: supplier → Vendor, destination → Customer, product → Item."""

from __future__ import annotations

from datetime import date

import pytest

from portal.sync.errors import MissingReference, Permanent
from portal.sync.mappers import (
    destination_to_customer,
    inventory_start_date,
    product_to_item,
    sparse_update,
    supplier_to_vendor,
)
from portal.sync.names import utf16_len
from sandbox.openboxes.demo_names import (
    PRODUCT_NAME_OVER_100,
    PRODUCT_NAME_OVER_500,
    SUPPLIER_NAME_OVER_100,
    SUPPLIER_NAME_OVER_500,
)
from tests.unit.records import ADDRESS, location, organization, product, refs

FORBIDDEN = (":", "\t", "\n")


@pytest.mark.parametrize(
    ("name", "display"),
    [
        ("Acme Medical Ltd", "Acme Medical Ltd"),
        ("Société Générale d'Équipement Médical", "Société Générale d'Équipement Médical"),
        ("北京医疗器械有限公司", "北京医疗器械有限公司"),
        ("Acme: East\tDivision\nSupplies", "Acme - East Division Supplies"),
        ("O'Brien & Sons Medical", "O'Brien & Sons Medical"),
        (SUPPLIER_NAME_OVER_100, SUPPLIER_NAME_OVER_100),
        (SUPPLIER_NAME_OVER_500, None),  # shortened with a hash tag
        (900123, "900123"),  # a number where OpenBoxes should send text
        ("Gauze\x00Works\x00 7", "Gauze Works 7"),
    ],
)
def test_supplier_to_vendor_names(name, display):
    mapped = supplier_to_vendor(organization(name=name), location(address=ADDRESS), refs())
    payload = mapped.payload
    assert mapped.entity == "Vendor"
    if display is not None:
        assert payload["DisplayName"] == display
    assert utf16_len(payload["DisplayName"]) <= 500 and utf16_len(payload["CompanyName"]) <= 100
    assert not any(c in payload["DisplayName"] for c in FORBIDDEN)
    assert mapped.lookup == {"DisplayName": payload["DisplayName"]}
    assert "CurrencyRef" not in payload


def test_supplier_address_and_no_address():
    payload = supplier_to_vendor(organization(), location(), refs()).payload
    assert payload["BillAddr"] == {
        "Line1": "10 Main Street",
        "City": "Boston",
        "CountrySubDivisionCode": "MA",
        "PostalCode": "10000",
        "Country": "USA",
    }
    assert "BillAddr" not in supplier_to_vendor(organization(), location(address=None), refs()).payload
    assert "BillAddr" not in supplier_to_vendor(organization(), None, refs()).payload


@pytest.mark.parametrize(
    ("currency", "multicurrency", "display", "currency_ref"),
    [
        (None, False, "Acme Medical Ltd", None),
        (None, True, "Acme Medical Ltd", "USD"),
        ("USD", True, "Acme Medical Ltd", "USD"),
        ("EUR", True, "Acme Medical Ltd (EUR)", "EUR"),
        ("EUR", False, Permanent, None),
    ],
)
def test_supplier_currency(currency, multicurrency, display, currency_ref):
    if display is Permanent:
        with pytest.raises(Permanent, match="multicurrency"):
            supplier_to_vendor(organization(), None, refs(multicurrency=multicurrency), currency=currency)
        return
    payload = supplier_to_vendor(organization(), None, refs(multicurrency=multicurrency), currency=currency).payload
    assert payload["DisplayName"] == display
    assert payload.get("CurrencyRef") == ({"value": currency_ref} if currency_ref else None)


def test_vendor_clash_suffix():
    payload = supplier_to_vendor(organization(name="Riverside Clinic"), None, refs(), clash=True).payload
    assert payload["DisplayName"] == "Riverside Clinic (supplier)"


@pytest.mark.parametrize(
    ("name", "clash", "display"),
    [
        ("St. Mary's Hospital", False, "St. Mary's Hospital"),
        ("Riverside Clinic", True, "Riverside Clinic (customer)"),
        ("District Health Office: North", False, "District Health Office - North"),
        ("x" * 600, True, None),
    ],
)
def test_destination_to_customer(name, clash, display):
    mapped = destination_to_customer(location(name=name), refs(), clash=clash)
    payload = mapped.payload
    assert mapped.entity == "Customer"
    if display:
        assert payload["DisplayName"] == display
    assert utf16_len(payload["DisplayName"]) <= 500
    assert payload["DisplayName"].endswith(" (customer)") is clash
    assert payload["BillAddr"] == payload["ShipAddr"]
    assert payload["CompanyName"] == "St. Mary's Health"


def test_customer_currency_when_multicurrency():
    assert destination_to_customer(location(), refs(multicurrency=True)).payload["CurrencyRef"] == {"value": "USD"}


@pytest.mark.parametrize(
    ("plan", "item_type", "accounts"),
    [
        ("Plus", "Inventory", {"IncomeAccountRef": "7", "ExpenseAccountRef": "9", "AssetAccountRef": "4"}),
        ("Advanced", "Inventory", {"IncomeAccountRef": "7", "ExpenseAccountRef": "9", "AssetAccountRef": "4"}),
        ("Essentials", "NonInventory", {"IncomeAccountRef": "7", "ExpenseAccountRef": "9"}),
        ("Simple Start", "NonInventory", {"IncomeAccountRef": "7", "ExpenseAccountRef": "9"}),
    ],
)
def test_product_to_item_type_by_plan(plan, item_type, accounts):
    payload = product_to_item(product(), refs(plan=plan)).payload
    assert payload["Type"] == item_type
    refs_sent = {k: v["value"] for k, v in payload.items() if k.endswith("AccountRef")}
    assert refs_sent == accounts
    assert ("InvStartDate" in payload) is (item_type == "Inventory")
    if item_type == "Inventory":
        assert payload["TrackQtyOnHand"] is True and payload["QtyOnHand"] == 0
        assert payload["InvStartDate"] == "2024-01-04"  # 03:00 UTC is the evening before in New York


@pytest.mark.parametrize(
    ("overrides", "name", "sku", "price"),
    [
        ({}, "Ibuprofen 200mg", "AB12", 0.12),
        ({"productCode": None}, "Ibuprofen 200mg", None, 0.12),
        ({"pricePerUnit": None}, "Ibuprofen 200mg", "AB12", None),
        ({"productCode": None, "pricePerUnit": None}, "Ibuprofen 200mg", None, None),
        ({"pricePerUnit": 0.0}, "Ibuprofen 200mg", "AB12", 0),
        ({"pricePerUnit": 12.345678}, "Ibuprofen 200mg", "AB12", 12.34568),
        ({"name": "Tape: surgical, 2.5cm x 5m"}, "Tape - surgical, 2.5cm x 5m", "AB12", 0.12),
        ({"name": "Gloves\tnitrile\tsize M"}, "Gloves nitrile size M", "AB12", 0.12),
        ({"name": "Bandage\nelastic 10cm"}, "Bandage elastic 10cm", "AB12", 0.12),
        (
            {"name": "O'Neil's \"extra\" gauze; 10 pcs: sterile"},
            "O'Neil's \"extra\" gauze; 10 pcs - sterile",
            "AB12",
            0.12,
        ),
        ({"name": "Ω-3 fish oil capsules 🐟"}, "Ω-3 fish oil capsules 🐟", "AB12", 0.12),
        ({"name": "アスピリン錠 100mg"}, "アスピリン錠 100mg", "AB12", 0.12),
        ({"name": None}, "AB12", "AB12", 0.12),
        ({"name": 700123, "productCode": 800123}, "700123", "800123", 0.12),  # numbers where text belongs
        ({"name": PRODUCT_NAME_OVER_100}, None, "AB12", 0.12),
        ({"name": PRODUCT_NAME_OVER_500}, None, "AB12", 0.12),
    ],
)
def test_product_to_item_fields(overrides, name, sku, price):
    mapped = product_to_item(product(**overrides), refs())
    payload = mapped.payload
    if name is not None:
        assert payload["Name"] == name
    assert utf16_len(payload["Name"]) <= 100 and not any(c in payload["Name"] for c in FORBIDDEN)
    assert payload.get("Sku") == sku
    assert payload.get("UnitPrice") == price and payload.get("PurchaseCost") == price
    assert mapped.lookup["Name"] == payload["Name"] and mapped.lookup.get("Sku") == sku


def test_long_product_name_is_kept_in_description():
    payload = product_to_item(product(name=PRODUCT_NAME_OVER_100), refs()).payload
    assert payload["Description"] == PRODUCT_NAME_OVER_100
    assert "Description" not in product_to_item(product(), refs()).payload


@pytest.mark.parametrize(
    ("overrides", "suffix"),
    [({}, " [AB12]"), ({"productCode": None}, " [#ff808181]"), ({"name": "y" * 100}, " [AB12]")],
)
def test_item_clash_suffix(overrides, suffix):
    name = product_to_item(product(**overrides), refs(), clash=True).payload["Name"]
    assert name.endswith(suffix) and utf16_len(name) <= 100


def test_inactive_product_maps_inactive_item():
    assert product_to_item(product(active=False), refs()).payload["Active"] is False
    assert "Active" not in product_to_item(product(), refs()).payload


@pytest.mark.parametrize(
    ("role", "plan"),
    [("inventory_asset", "Plus"), ("outbound_revenue", "Plus"), ("inventory_purchases", "Essentials")],
)
def test_item_needs_mapped_accounts(role, plan):
    accounts = {k: v for k, v in refs().accounts.items() if k != role}
    with pytest.raises(MissingReference, match="map it under Account mappings"):
        product_to_item(product(), refs(plan=plan, accounts=accounts))


def test_unreadable_price_is_permanent():
    with pytest.raises(Permanent, match="AB12 'Ibuprofen 200mg' has an unreadable price"):
        product_to_item(product(pricePerUnit="twelve"), refs())


@pytest.mark.parametrize(
    ("created", "floor", "expected"),
    [
        ("2024-01-05T12:00:00Z", None, date(2024, 1, 5)),
        ("2024-01-05T03:00:00Z", None, date(2024, 1, 4)),
        ("2024-01-05T12:00:00Z", date(2023, 6, 1), date(2023, 6, 1)),
        ("2024-01-05T12:00:00Z", date(2025, 1, 1), date(2024, 1, 5)),
        (None, date(2023, 6, 1), date(2023, 6, 1)),
        (None, None, date(2000, 1, 1)),
    ],
)
def test_inventory_start_date(created, floor, expected):
    assert inventory_start_date(product(dateCreated=created), refs(inventory_start_date=floor)) == expected


def test_sparse_update_drops_create_only_fields():
    mapped = product_to_item(product(), refs(multicurrency=True))
    body = sparse_update(mapped, "19", "3")
    assert body["Id"] == "19" and body["SyncToken"] == "3" and body["sparse"] is True
    assert not {"InvStartDate", "QtyOnHand", "TrackQtyOnHand", "Type", "CurrencyRef"} & set(body)
    assert body["Name"] == "Ibuprofen 200mg"
    vendor = sparse_update(supplier_to_vendor(organization(), None, refs(multicurrency=True)), 56, 0)
    assert "CurrencyRef" not in vendor and vendor["DisplayName"] == "Acme Medical Ltd"


def test_refs_reject_unknown_targets():
    with pytest.raises(ValueError):
        refs(po_target="Invoice")
    with pytest.raises(ValueError):
        refs(shipment_target="Bill")


@pytest.mark.parametrize("blank", ["", "\t", " : ", None])
def test_blank_names_fall_back_to_something_quickbooks_accepts(blank):
    item = product_to_item(product(name=blank), refs()).payload["Name"]
    assert item == "AB12"
    vendor = supplier_to_vendor(organization(name=blank, code=None), None, refs()).payload
    assert vendor["DisplayName"].strip(" -")
    customer = destination_to_customer(location(name=blank, organizationName=None), refs()).payload
    assert customer["DisplayName"].strip(" -") and all(customer.values())
