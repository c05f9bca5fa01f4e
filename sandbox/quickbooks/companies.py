"""Companies (realms): plans and what they allow, the default chart of accounts, CompanyInfo, Preferences."""

from __future__ import annotations

from .clock import timestamp
from .store import Company, State

PLANS = ("Simple Start", "Essentials", "Plus", "Advanced")
# Reference §7.2: POs and inventory need Plus/Advanced; multicurrency is not on Simple Start.
PURCHASE_ORDER_PLANS = ("Plus", "Advanced")
INVENTORY_PLANS = ("Plus", "Advanced")
MULTICURRENCY_PLANS = ("Essentials", "Plus", "Advanced")

CLASSIFICATION = {
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
    "Other Expense": "Expense",
}

# (Name, AcctNum, AccountType, AccountSubType): QuickBooks' own default names, numbered.
DEFAULT_ACCOUNTS = (
    ("Checking", "1000", "Bank", "Checking"),
    ("Accounts Receivable (A/R)", "1100", "Accounts Receivable", "AccountsReceivable"),
    ("Undeposited Funds", "1200", "Other Current Asset", "UndepositedFunds"),
    ("Inventory Asset", "1300", "Other Current Asset", "Inventory"),
    ("Accounts Payable (A/P)", "2000", "Accounts Payable", "AccountsPayable"),
    ("Opening Balance Equity", "3000", "Equity", "OpeningBalanceEquity"),
    ("Sales of Product Income", "4000", "Income", "SalesOfProductIncome"),
    ("Services", "4100", "Income", "ServiceFeeIncome"),
    ("Cost of Goods Sold", "5000", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Inventory Shrinkage", "5100", "Cost of Goods Sold", "OtherCostsOfServiceCos"),
    ("Purchases", "6000", "Expense", "SuppliesMaterials"),
    ("Shipping and Delivery Expense", "6100", "Expense", "ShippingFreightDelivery"),
)

DEFAULT_COMPANIES = (
    ("9341453050000001", "Sandbox Company US Plus", "Plus", "USD", False),
    ("9341453050000002", "Sandbox Company US Essentials", "Essentials", "USD", False),
    ("9341453050000003", "Sandbox Company Advanced Multicurrency", "Advanced", "USD", True),
)


def normalize_plan(plan: str) -> str:
    """Accept 'plus', 'SimpleStart', 'simple start'… and return the canonical plan name."""
    wanted = plan.replace(" ", "").replace("_", "").lower()
    for name in PLANS:
        if name.replace(" ", "").lower() == wanted:
            return name
    raise ValueError(f"unknown plan {plan!r}; expected one of {', '.join(PLANS)}")


def account_record(ident: str, name: str, number: str, acct_type: str, subtype: str, currency: str) -> dict:
    stamp = timestamp()
    return {
        "Id": ident,
        "SyncToken": "0",
        "Name": name,
        "AcctNum": number,
        "AccountType": acct_type,
        "AccountSubType": subtype,
        "Classification": CLASSIFICATION[acct_type],
        "FullyQualifiedName": name,
        "SubAccount": False,
        "Active": True,
        "CurrentBalance": 0,
        "CurrentBalanceWithSubAccounts": 0,
        "CurrencyRef": {"value": currency},
        "domain": "QBO",
        "sparse": False,
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
    }


def create_company(
    state: State, realm: str, name: str, plan: str, home_currency: str = "USD", multicurrency: bool = False
) -> Company:
    """Create a company with the default chart of accounts (ids 1…n)."""
    plan = normalize_plan(plan)
    if multicurrency and plan not in MULTICURRENCY_PLANS:
        raise ValueError(f"multicurrency is not available on {plan}")
    with state.lock:
        if realm in state.companies:
            raise ValueError(f"company {realm} already exists")
        company = Company(realm, name, plan, home_currency.upper(), multicurrency, created=timestamp())
        state.save_company(company)
        for row in DEFAULT_ACCOUNTS:
            ident = state.next_id(company, "Account")
            state.put(company, "Account", account_record(ident, *row, company.home_currency))
        return company


def seed_default_companies(state: State) -> None:
    for realm, name, plan, currency, multicurrency in DEFAULT_COMPANIES:
        create_company(state, realm, name, plan, currency, multicurrency)


def offering_sku(company: Company) -> str:
    return f"QuickBooks Online {company.plan}"


def company_info(company: Company) -> dict:
    """CompanyInfo as read by GET companyinfo/{realm} and ``SELECT * FROM CompanyInfo``."""
    return {
        "Id": company.realm,
        "SyncToken": "0",
        "CompanyName": company.name,
        "LegalName": company.name,
        "Country": company.country,
        "CompanyStartDate": company.created[:10],
        "SupportedLanguages": "en",
        "NameValue": [
            {"Name": "OfferingSku", "Value": offering_sku(company)},
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "IsQbdtMigrated", "Value": "false"},
        ],
        "domain": "QBO",
        "sparse": False,
        "MetaData": {"CreateTime": company.created, "LastUpdatedTime": company.created},
    }


def preferences(company: Company) -> dict:
    """The Preferences fields a sync client reads to gate features."""
    inventory = company.plan in INVENTORY_PLANS
    return {
        "Id": "1",
        "SyncToken": "0",
        "CurrencyPrefs": {
            "MultiCurrencyEnabled": company.multicurrency,
            "HomeCurrency": {"value": company.home_currency},
        },
        "ProductAndServicesPrefs": {
            "ForSales": True,
            "ForPurchase": True,
            "QuantityWithPriceAndRate": True,
            "QuantityOnHand": inventory,
        },
        "PurchaseOrderPrefs": {"UsingPurchaseOrders": company.plan in PURCHASE_ORDER_PLANS},
        "SalesFormsPrefs": {"CustomTxnNumbers": False, "AllowDiscount": True},
        "AccountingInfoPrefs": {
            "TrackDepartments": company.plan in ("Plus", "Advanced"),
            "ClassTrackingPerTxn": company.plan in ("Plus", "Advanced"),
        },
        "domain": "QBO",
        "sparse": False,
        "MetaData": {"CreateTime": company.created, "LastUpdatedTime": company.created},
    }


# How the bridge's account roles map onto this chart (id, AcctNum, Name): shared by the demo, the test
# fixtures and the benchmark, so they all agree with the accounts above.
SUGGESTED_MAPPINGS = {
    "inventory_purchases": ("9", "5000", "Cost of Goods Sold"),
    "inventory_asset": ("4", "1300", "Inventory Asset"),
    "accounts_payable": ("5", "2000", "Accounts Payable (A/P)"),
    "outbound_revenue": ("7", "4000", "Sales of Product Income"),
    "inventory_adjustments": ("10", "5100", "Inventory Shrinkage"),
    "deposit": ("1", "1000", "Checking"),
    "purchase_charges": ("12", "6100", "Shipping and Delivery Expense"),
}
