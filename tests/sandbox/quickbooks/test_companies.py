"""Companies: plans (5020 outside Plus/Advanced), currencies, multicurrency, companyinfo, preferences, chart."""

from __future__ import annotations

import pytest

from .conftest import ESSENTIALS, MULTICURRENCY, PLUS, fault_code


def test_purchase_order_on_essentials_answers_5020(qbo):
    api = qbo.api(ESSENTIALS)
    vendor = api.create("Vendor", {"DisplayName": "Acme"})
    account_line = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": 5}
    account_line["AccountBasedExpenseLineDetail"] = {"AccountRef": {"value": "11"}}
    response = api.post("purchaseorder", {"VendorRef": {"value": vendor["Id"]}, "Line": [account_line]})
    assert response.status_code == 400 and fault_code(response) == "5020"
    assert api.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "Line": [account_line]})["TotalAmt"] == 5


def test_inventory_item_on_essentials_answers_5020(qbo):
    body = {"Name": "Widget", "Type": "Inventory", "TrackQtyOnHand": True, "QtyOnHand": 0}
    body |= {"InvStartDate": "2026-01-01", "IncomeAccountRef": {"value": "7"}}
    body |= {"ExpenseAccountRef": {"value": "9"}, "AssetAccountRef": {"value": "4"}}
    assert fault_code(qbo.api(ESSENTIALS).post("item", body)) == "5020"


def test_multicurrency_company_takes_foreign_documents_in_the_vendors_currency(qbo):
    api = qbo.api(MULTICURRENCY)
    vendor = api.create("Vendor", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})
    line = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": 100}
    line["AccountBasedExpenseLineDetail"] = {"AccountRef": {"value": "11"}}
    body = {"VendorRef": {"value": vendor["Id"]}, "Line": [line]}
    assert fault_code(api.post("bill", body)) == "2020"  # CurrencyRef is required once multicurrency is on
    assert fault_code(api.post("bill", {**body, "CurrencyRef": {"value": "USD"}})) == "6000"
    bill = api.create("Bill", {**body, "CurrencyRef": {"value": "EUR"}, "ExchangeRate": 1.08})
    assert bill["HomeTotalAmt"] == 108


def test_company_info_reports_the_plan_as_offering_sku(plus):
    info = plus.get(f"companyinfo/{PLUS}").json()["CompanyInfo"]
    assert {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"} in info["NameValue"]


@pytest.mark.parametrize(
    ("realm", "sku", "multicurrency"),
    [
        (PLUS, "QuickBooks Online Plus", False),
        (ESSENTIALS, "QuickBooks Online Essentials", False),
        (MULTICURRENCY, "QuickBooks Online Advanced", True),
    ],
)
def test_default_companies_have_their_plan_home_currency_and_multicurrency(qbo, realm, sku, multicurrency):
    api = qbo.api(realm)
    info = api.get(f"companyinfo/{realm}").json()["CompanyInfo"]
    assert {"Name": "OfferingSku", "Value": sku} in info["NameValue"]
    currency = api.get("preferences").json()["Preferences"]["CurrencyPrefs"]
    assert currency == {"MultiCurrencyEnabled": multicurrency, "HomeCurrency": {"value": "USD"}}


def test_preferences_report_currency_and_inventory(qbo):
    prefs = qbo.api(MULTICURRENCY).get("preferences").json()["Preferences"]
    assert prefs["CurrencyPrefs"] == {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}
    assert prefs["ProductAndServicesPrefs"]["QuantityOnHand"] is True
    assert (
        qbo.api(ESSENTIALS).get("preferences").json()["Preferences"]["ProductAndServicesPrefs"]["QuantityOnHand"]
        is False
    )


def test_default_chart_of_accounts_has_the_accounts_the_sync_maps(accounts, plus):
    wanted = {"Cost of Goods Sold", "Inventory Asset", "Accounts Payable (A/P)", "Sales of Product Income"}
    assert wanted | {"Inventory Shrinkage"} <= set(accounts)
    rows = plus.query("SELECT * FROM Account WHERE Name = 'Inventory Asset'").json()["QueryResponse"]["Account"]
    assert rows[0]["AcctNum"] == "1300" and rows[0]["AccountSubType"] == "Inventory"
