"""Create / read / update of every entity, and the field rules and Faults QuickBooks answers with."""

from __future__ import annotations

import pytest

from .conftest import PLUS, fault_code


def expense_line(item_id: str, qty: float = 10, price: float = 2.10, amount: float = 21.00) -> dict:
    detail = {"ItemRef": {"value": item_id}, "Qty": qty, "UnitPrice": price}
    return {
        "DetailType": "ItemBasedExpenseLineDetail",
        "Amount": amount,
        "ItemBasedExpenseLineDetail": detail,
    }


def sales_line(item_id: str, qty: float = 10, price: float = 4.50, amount: float = 45.00) -> dict:
    detail = {"ItemRef": {"value": item_id}, "Qty": qty, "UnitPrice": price, "TaxCodeRef": {"value": "NON"}}
    return {"DetailType": "SalesItemLineDetail", "Amount": amount, "SalesItemLineDetail": detail}


def journal_line(posting: str, account_id: str, amount: float = 12.60) -> dict:
    detail = {"PostingType": posting, "AccountRef": {"value": account_id}}
    return {"DetailType": "JournalEntryLineDetail", "Amount": amount, "JournalEntryLineDetail": detail}


@pytest.fixture
def vendor(plus) -> dict:
    return plus.create("Vendor", {"DisplayName": "Acme Fasteners Ltd"})


@pytest.fixture
def customer(plus) -> dict:
    return plus.create("Customer", {"DisplayName": "Northwind Clinic"})


@pytest.fixture
def bodies(vendor, customer, make_item, accounts) -> dict:
    """A valid create body per entity (names and numbers unique)."""
    item = make_item()
    shrinkage, inventory = accounts["Inventory Shrinkage"], accounts["Inventory Asset"]
    return {
        "Vendor": {"DisplayName": "Globex Supplies"},
        "Customer": {"DisplayName": "Initech Ward 3"},
        "Item": {"Name": "Gauze", "Type": "NonInventory", "ExpenseAccountRef": {"value": shrinkage}},
        "Account": {"Name": "Freight In", "AccountType": "Cost of Goods Sold", "AcctNum": "5200"},
        "PurchaseOrder": {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(item["Id"])]},
        "Bill": {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(item["Id"])]},
        "Invoice": {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(item["Id"])]},
        "SalesReceipt": {"Line": [sales_line(item["Id"])]},
        "JournalEntry": {"Line": [journal_line("Debit", shrinkage), journal_line("Credit", inventory)]},
    }


ENTITIES = [
    "Vendor",
    "Customer",
    "Item",
    "Account",
    "PurchaseOrder",
    "Bill",
    "Invoice",
    "SalesReceipt",
    "JournalEntry",
]
RENAMES = {"Vendor": "DisplayName", "Customer": "DisplayName", "Item": "Name", "Account": "Name"}


@pytest.mark.parametrize("entity", ENTITIES)
def test_every_entity_can_be_created_read_and_sparse_updated(plus, bodies, entity):
    created = plus.create(entity, bodies[entity])
    assert created["SyncToken"] == "0"
    read = plus.get(f"{entity.lower()}/{created['Id']}")
    assert read.status_code == 200 and read.json()[entity] == created and "time" in read.json()
    field = RENAMES.get(entity, "PrivateNote")
    updated = plus.create(entity, {"Id": created["Id"], "SyncToken": "0", "sparse": True, field: "Renamed"})
    assert updated["SyncToken"] == "1" and updated["Id"] == created["Id"] and updated[field] == "Renamed"


def test_sparse_update_changes_only_the_fields_sent(plus):
    vendor = plus.create("Vendor", {"DisplayName": "Acme", "CompanyName": "Acme Inc", "AcctNum": "A-1"})
    updated = plus.create("Vendor", {"Id": vendor["Id"], "SyncToken": "0", "sparse": True, "AcctNum": "A-2"})
    assert updated["CompanyName"] == "Acme Inc" and updated["AcctNum"] == "A-2"


def test_full_update_clears_omitted_fields(plus):
    vendor = plus.create("Vendor", {"DisplayName": "Acme", "CompanyName": "Acme Inc"})
    updated = plus.create("Vendor", {"Id": vendor["Id"], "SyncToken": "0", "DisplayName": "Acme"})
    assert "CompanyName" not in updated


def test_stale_sync_token_answers_5010(plus, vendor):
    plus.create("Vendor", {"Id": vendor["Id"], "SyncToken": "0", "sparse": True, "AcctNum": "1"})
    stale = plus.post("vendor", {"Id": vendor["Id"], "SyncToken": "0", "sparse": True, "AcctNum": "2"})
    assert stale.status_code == 400 and fault_code(stale) == "5010"
    assert stale.json()["Fault"]["type"] == "ValidationFault"


def test_unknown_property_answers_2010(plus):
    response = plus.post("vendor", {"DisplayName": "Acme", "Nickname": "A"})
    assert response.status_code == 400 and fault_code(response) == "2010"


def test_read_only_fields_are_silently_discarded(plus):
    vendor = plus.create("Vendor", {"DisplayName": "Acme", "MetaData": {"CreateTime": "1999-01-01T00:00:00Z"}})
    assert vendor["MetaData"]["CreateTime"] != "1999-01-01T00:00:00Z"


@pytest.mark.parametrize("entity", ["Vendor", "Customer", "Employee"])
def test_display_name_is_unique_across_vendor_customer_employee_ignoring_case(plus, entity):
    plus.create("Customer", {"DisplayName": "Mercy Hospital"})
    response = plus.post(entity.lower(), {"DisplayName": "MERCY hospital"})
    assert response.status_code == 400 and fault_code(response) == "6240"


def test_inactive_vendor_still_holds_its_display_name(plus, vendor):
    plus.create("Vendor", {"Id": vendor["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    response = plus.post("customer", {"DisplayName": vendor["DisplayName"]})
    assert fault_code(response) == "6240"


def test_item_name_is_unique_answers_6240(plus, make_item):
    make_item("Widget")
    response = plus.post("item", {"Name": "widget", "Type": "Service", "IncomeAccountRef": {"value": "7"}})
    assert fault_code(response) == "6240"


@pytest.mark.parametrize(
    ("entity", "body", "code"),
    [
        ("vendor", {"DisplayName": "x" * 501}, "2050"),
        ("vendor", {"DisplayName": "Acme: East"}, "2040"),
        ("customer", {"DisplayName": "Tab\tName"}, "2040"),
        ("vendor", {"DisplayName": "New\nLine"}, "2040"),
        ("item", {"Name": "x" * 101, "Type": "Service"}, "2050"),
        ("item", {"Name": "Bolt: M8", "Type": "Service"}, "2040"),
        ("account", {"Name": 'Say "hi"', "AccountType": "Expense"}, "2040"),
    ],
)
def test_name_length_and_forbidden_characters_answer_2050_or_2040(plus, entity, body, code):
    response = plus.post(entity, body)
    assert response.status_code == 400 and fault_code(response) == code


def test_vendor_without_any_name_is_rejected(plus):
    assert fault_code(plus.post("vendor", {"CompanyName": "No Display"})) == "6080"


def test_display_name_is_built_from_name_parts(plus):
    assert plus.create("Vendor", {"GivenName": "Ada", "FamilyName": "Lovelace"})["DisplayName"] == "Ada Lovelace"


def test_doc_number_longer_than_21_answers_2050(plus, bodies):
    response = plus.post("bill", {**bodies["Bill"], "DocNumber": "PO-" + "9" * 19})
    assert fault_code(response) == "2050"
    assert response.json()["Fault"]["Error"][0]["element"] == "DocNumber"


def test_doc_number_of_exactly_21_characters_is_accepted(plus, bodies):
    assert plus.create("Bill", {**bodies["Bill"], "DocNumber": "PO-" + "9" * 18})["DocNumber"] == "PO-" + "9" * 18


def test_duplicate_doc_number_answers_6140_unless_allowed(plus, bodies):
    plus.create("Invoice", {**bodies["Invoice"], "DocNumber": "INV-5001"})
    duplicate = plus.post("invoice", {**bodies["Invoice"], "DocNumber": "inv-5001"})
    assert fault_code(duplicate) == "6140"
    allowed = plus.post("invoice", {**bodies["Invoice"], "DocNumber": "INV-5001"}, include="allowduplicatedocnum")
    assert allowed.status_code == 200


def test_invoice_and_purchase_order_get_a_doc_number_when_none_is_sent(plus, bodies):
    assert plus.create("Invoice", bodies["Invoice"])["DocNumber"] == "1001"
    assert plus.create("PurchaseOrder", bodies["PurchaseOrder"])["DocNumber"] == "1001"


def test_inactive_account_reference_answers_610(qbo, plus, bodies, accounts):
    qbo.control("POST", f"companies/{PLUS}/account/{accounts['Inventory Shrinkage']}/inactivate")
    response = plus.post("journalentry", bodies["JournalEntry"])
    assert response.status_code == 400 and fault_code(response) == "610"


def test_deleted_account_reference_answers_2500(qbo, plus, bodies, accounts):
    qbo.control("DELETE", f"companies/{PLUS}/account/{accounts['Inventory Shrinkage']}")
    response = plus.post("journalentry", bodies["JournalEntry"])
    assert fault_code(response) == "2500"
    assert "Accounts element id" in response.json()["Fault"]["Error"][0]["Detail"]


def test_inactive_vendor_reference_answers_610(plus, vendor, bodies):
    plus.create("Vendor", {"Id": vendor["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    assert fault_code(plus.post("bill", bodies["Bill"])) == "610"


def test_unbalanced_journal_entry_answers_2300(plus, accounts):
    lines = [journal_line("Debit", accounts["Inventory Shrinkage"], 12.60)]
    lines.append(journal_line("Credit", accounts["Inventory Asset"], 12.50))
    assert fault_code(plus.post("journalentry", {"Line": lines})) == "2300"


def test_negative_journal_entry_amount_is_rejected(plus, accounts):
    lines = [
        journal_line("Debit", accounts["Inventory Shrinkage"], -5),
        journal_line("Credit", accounts["Inventory Asset"], -5),
    ]
    assert fault_code(plus.post("journalentry", {"Line": lines})) == "2290"


def test_journal_line_on_accounts_payable_needs_a_vendor(plus, accounts):
    lines = [
        journal_line("Debit", accounts["Purchases"]),
        journal_line("Credit", accounts["Accounts Payable (A/P)"]),
    ]
    assert fault_code(plus.post("journalentry", {"Line": lines})) == "6000"


def test_amount_not_equal_to_qty_times_unit_price_answers_6070(plus, customer, make_item):
    line = sales_line(make_item()["Id"], qty=3, price=4.50, amount=13.51)
    assert fault_code(plus.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]})) == "6070"


def test_invoice_without_customer_ref_is_rejected(plus, bodies):
    response = plus.post("invoice", {"Line": bodies["Invoice"]["Line"]})
    assert fault_code(response) == "2020" and response.json()["Fault"]["Error"][0]["element"] == "CustomerRef"


def test_transaction_without_lines_is_rejected(plus, vendor):
    assert fault_code(plus.post("bill", {"VendorRef": {"value": vendor["Id"]}, "Line": []})) == "2250"


def test_inventory_item_requires_qty_and_start_date(plus, accounts):
    body = {"Name": "Widget", "Type": "Inventory", "TrackQtyOnHand": True}
    body |= {
        "IncomeAccountRef": {"value": "7"},
        "ExpenseAccountRef": {"value": "9"},
        "AssetAccountRef": {"value": "4"},
    }
    assert fault_code(plus.post("item", body)) == "2020"


def test_foreign_currency_without_multicurrency_is_rejected(plus, bodies):
    response = plus.post("bill", {**bodies["Bill"], "CurrencyRef": {"value": "EUR"}})
    assert fault_code(response) == "6000"
    assert fault_code(plus.post("vendor", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})) == "6000"


def test_txn_date_before_inventory_start_date_answers_6270(plus, vendor, make_item):
    item = make_item(InvStartDate="2026-06-01")
    body = {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2026-05-31", "Line": [expense_line(item["Id"])]}
    assert fault_code(plus.post("bill", body)) == "6270"


def test_bills_add_and_invoices_remove_inventory_quantity(plus, vendor, customer, make_item):
    item = make_item()
    plus.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "Line": [expense_line(item["Id"])]})
    line = sales_line(item["Id"], qty=4, price=4.50, amount=18)
    plus.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]})
    assert plus.get(f"item/{item['Id']}").json()["Item"]["QtyOnHand"] == 6


def test_deleted_transaction_reads_as_object_not_found(plus, bodies):
    bill = plus.create("Bill", bodies["Bill"])
    deleted = plus.post("bill", {"Id": bill["Id"], "SyncToken": "0"}, operation="delete")
    assert deleted.json()["Bill"]["status"] == "Deleted"
    assert fault_code(plus.get(f"bill/{bill['Id']}")) == "610"


def test_bill_keeps_valid_po_links_and_silently_drops_invalid_ones(plus, bodies):
    order = plus.create("PurchaseOrder", bodies["PurchaseOrder"])
    good, bad = expense_line(order["Line"][0]["ItemBasedExpenseLineDetail"]["ItemRef"]["value"]), None
    good["LinkedTxn"] = [{"TxnId": order["Id"], "TxnType": "PurchaseOrder", "TxnLineId": "1"}]
    bad = {**good, "LinkedTxn": [{"TxnId": "999", "TxnType": "PurchaseOrder", "TxnLineId": "1"}]}
    bill = plus.create("Bill", {**bodies["Bill"], "Line": [good, bad]})
    assert "LinkedTxn" in bill["Line"][0] and "LinkedTxn" not in bill["Line"][1]


def test_minorversion_below_75_is_served_as_75(qbo, plus):
    response = plus.session.get(plus.url("preferences"), params={"minorversion": "40"}, timeout=10)
    assert response.status_code == 200
    entry = qbo.control("GET", "requests", params={"realm": PLUS}).json()["requests"][-1]
    assert entry["args"]["minorversion"] == "40" and entry["minorversion"] == 75


def test_answers_xml_unless_json_is_accepted(plus):
    response = plus.session.get(plus.url("preferences"), headers={"Accept": "application/xml"}, timeout=10)
    assert response.headers["Content-Type"].startswith("application/xml")
    assert response.text.startswith("<?xml") and "<MultiCurrencyEnabled>false<" in response.text


def test_responses_carry_an_intuit_tid_header(plus):
    assert plus.get("preferences").headers["intuit_tid"]


def test_account_update_must_repeat_name(plus):
    account = plus.create("Account", {"Name": "Freight In", "AccountType": "Cost of Goods Sold"})
    response = plus.post("account", {"Id": account["Id"], "SyncToken": "0", "sparse": True, "Description": "x"})
    assert fault_code(response) == "2020"


def test_void_is_not_supported(plus, bodies):
    invoice = plus.create("Invoice", bodies["Invoice"])
    response = plus.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void")
    assert fault_code(response) == "500"


def test_entity_uris_are_case_sensitive(plus):
    assert fault_code(plus.post("Vendor", {"DisplayName": "Acme"})) == "500"
