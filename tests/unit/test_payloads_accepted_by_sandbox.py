"""The mappers' payloads, POSTed to the QuickBooks sandbox (which enforces QuickBooks' rules), are accepted.

One small integration module: it proves the pure mappers match the rules (names, lengths, account
refs per item type, Amount = Qty × UnitPrice, balanced journal entries, currencies, plans), and that
the classifier reads the sandbox's real refusals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests

from devtools.sandboxes import QuickBooksSandbox
from portal.sync.classify import classify_qbo_response
from portal.sync.documents import adjustment_to_journal_entry, purchase_order_to_qbo, shipment_to_qbo
from portal.sync.errors import Duplicate, Permanent
from portal.sync.identity import content_hash, request_id
from portal.sync.mappers import Mapped, destination_to_customer, product_to_item, sparse_update, supplier_to_vendor
from sandbox.openboxes.demo_names import PRODUCT_NAME_OVER_500, SUPPLIER_NAME_OVER_500
from sandbox.quickbooks import make_app
from sandbox.serving import serve_in_thread
from tests.unit import records
from tests.unit.records import order, order_item, product, shipment, shipment_item

PLUS, ESSENTIALS, MULTICURRENCY = "9341453050000001", "9341453050000002", "9341453050000003"
UK = "9341453050000099"
APPROVED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
HARD_PRODUCT_NAMES = [
    "Ibuprofen 200mg",
    "Paracétamol 500 mg comprimé",  # ISO-8859-1: what a US company stores
    "Tape: surgical, 2.5cm x 5m",
    "Gloves\tnitrile\tsize M",
    "O'Neil's \"extra\" gauze; 10 pcs: sterile",
    PRODUCT_NAME_OVER_500,
]


@pytest.fixture(scope="module")
def sandbox_url():
    server = serve_in_thread(make_app(rate_per_second=100_000))  # payloads sent back to back, not a throttle test
    yield server.url
    server.stop()


class Company:
    """Writes mapped payloads to one realm, as the client will (minorversion, requestid)."""

    def __init__(self, base: str, realm: str) -> None:
        self.base, self.realm = base, realm
        token = QuickBooksSandbox(base, realm).tokens()["access_token"]
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def send(self, mapped: Mapped | dict, entity: str | None = None, key: str = "") -> requests.Response:
        entity = entity or mapped.entity
        body = mapped.payload if isinstance(mapped, Mapped) else mapped
        rid = request_id(self.realm, entity, key or content_hash(body), content_hash(body))
        params = {"minorversion": "75", "requestid": rid}
        url = f"{self.base}/v3/company/{self.realm}/{entity.lower()}"
        return self.session.post(url, json=body, params=params, timeout=10)

    def create(self, mapped: Mapped) -> dict:
        response = self.send(mapped)
        error = classify_qbo_response(response.status_code, response.headers, response.text)
        assert error is None, f"{mapped.entity} refused: {response.text}"
        return response.json()[mapped.entity]


def build_refs(company: Company, plan: str, **options) -> tuple[records.Refs, dict]:
    """Create the vendor, customer and items the documents need; return Refs with their ids."""
    base = records.refs(plan=plan, vendors={}, customers={}, items={}, **options)
    vendor = company.create(supplier_to_vendor(records.organization(), records.location(), base))
    customer = company.create(destination_to_customer(records.location(), base))
    items = {}
    for n, name in enumerate(HARD_PRODUCT_NAMES):
        record = product(id=f"p{n}", productCode=f"HC-{n}", name=name, pricePerUnit=round(0.37 * (n + 1), 2))
        items[record["id"]] = company.create(product_to_item(record, base))["Id"]
    refs = records.refs(
        plan=plan,
        vendors={records.SUPPLIER_ID: vendor["Id"]},
        customers={records.CUSTOMER_LOCATION_ID: customer["Id"]},
        items=items,
        **options,
    )
    return refs, {"vendor": vendor, "items": items}


def po_items() -> list[dict]:
    lines = [
        order_item(product=product(id="p0"), quantity=7, unitPrice="1.1155"),
        order_item(product=product(id="p1", productCode="HC-1"), quantity=3, unitPrice="0.3333"),
        order_item(product=product(id="p2"), quantity=400, unitPrice="1,049.9999"),
        order_item(product=product(id="p3"), quantity=5, orderItemStatusCode="CANCELED"),
        order_item(product=product(id="p4"), quantity=0),
    ]
    return lines


def documents(refs: records.Refs, suffix: str) -> list[Mapped]:
    """PO or Bill, Invoice or SalesReceipt, and two journal entries for the given options."""
    number = f"PO-{suffix}"
    long_number = f"PO-2025-CENTRAL-WAREHOUSE-{suffix}"
    items = [shipment_item("p0", 4), shipment_item("p0", 6), shipment_item("p5", 3, "HC-5", "Long")]
    return [
        purchase_order_to_qbo(order(orderNumber=number), po_items(), refs, approved_at=APPROVED, version="ab"),
        purchase_order_to_qbo(order(orderNumber=long_number), po_items(), refs, approved_at=APPROVED),
        shipment_to_qbo(
            records.movement(identifier=f"OUT-{suffix}"),
            shipment(shipmentItems=items),
            {"p0": 0.12, "p5": "3.333"},
            refs,
        ),
        adjustment_to_journal_entry(
            records.adjustment_row(transaction={"transactionNumber": f"T-{suffix}"}), "2.675", refs
        ),
        adjustment_to_journal_entry(
            records.adjustment_row(transaction={"transactionNumber": f"T-{suffix}G"}, quantityDifference=4), 0.12, refs
        ),
    ]


def test_plus_company_accepts_every_document(sandbox_url):
    company = Company(sandbox_url, PLUS)
    refs, made = build_refs(company, "Plus")
    item = company.session.get(
        f"{sandbox_url}/v3/company/{PLUS}/item/{made['items']['p0']}", params={"minorversion": "75"}, timeout=10
    ).json()["Item"]
    assert item["Type"] == "Inventory"
    for mapped in documents(refs, "P1"):
        stored = company.create(mapped)
        assert Decimal(str(stored["TotalAmt"])) == mapped.amount  # amounts match to the cent


def test_every_target_choice_is_accepted(sandbox_url):
    company = Company(sandbox_url, PLUS)
    base = records.refs()
    vendor = company.create(supplier_to_vendor(records.organization(name="Target Test Supplier"), None, base))
    customer = company.create(destination_to_customer(records.location(name="Target Test Customer"), base))
    item = company.create(product_to_item(product(id="tt", productCode="TT-1", name="Target test item"), base))
    for po_target, shipment_target, tag in (("PurchaseOrder", "Invoice", "A"), ("Bill", "SalesReceipt", "B")):
        refs = records.refs(
            po_target=po_target,
            shipment_target=shipment_target,
            vendors={records.SUPPLIER_ID: vendor["Id"]},
            customers={records.CUSTOMER_LOCATION_ID: customer["Id"]},
            items={"tt": item["Id"], "p0": item["Id"], "p1": item["Id"], "p2": item["Id"], "p3": item["Id"],
                   "p4": item["Id"], "p5": item["Id"], records.PRODUCT_ID: item["Id"]},
        )  # fmt: skip
        entities = [company.create(m) and m.entity for m in documents(refs, f"T{tag}")]
        assert entities == [po_target, po_target, shipment_target, "JournalEntry", "JournalEntry"]


def test_essentials_company_gets_noninventory_items_and_no_purchase_orders(sandbox_url):
    company = Company(sandbox_url, ESSENTIALS)
    refs, _ = build_refs(company, "Essentials", po_target="Bill")
    item = company.session.get(
        f"{sandbox_url}/v3/company/{ESSENTIALS}/item/{refs.items['p0']}", params={"minorversion": "75"}, timeout=10
    ).json()["Item"]
    assert item["Type"] == "NonInventory"
    for mapped in documents(refs, "E1"):
        company.create(mapped)
    refused = purchase_order_to_qbo(
        order(orderNumber="PO-E2"),
        po_items(),
        records.refs(plan="Essentials", vendors=refs.vendors, items=refs.items),
        approved_at=APPROVED,
    )
    response = company.send(refused)
    error = classify_qbo_response(response.status_code, response.headers, response.text)
    assert type(error) is Permanent and error.code == "5020"


def test_multicurrency_company_accepts_foreign_currency_documents(sandbox_url):
    company = Company(sandbox_url, MULTICURRENCY)
    refs, _ = build_refs(company, "Advanced", multicurrency=True)
    for mapped in documents(refs, "M1"):
        assert company.create(mapped)["CurrencyRef"] == {"value": "USD"}
    eur_vendor = company.create(supplier_to_vendor(records.organization(), None, refs, currency="EUR"))
    eur_refs = records.refs(
        plan="Advanced",
        multicurrency=True,
        vendors={f"{records.SUPPLIER_ID}/EUR": eur_vendor["Id"]},
        items=refs.items,
        po_target="Bill",
    )
    items = [{**line, "currencyCode": "EUR"} for line in po_items()]
    bill = purchase_order_to_qbo(
        order(orderNumber="PO-M2"), items, eur_refs, approved_at=APPROVED, exchange_rate=Decimal("1.08")
    )
    stored = company.create(bill)
    assert stored["CurrencyRef"] == {"value": "EUR"} and stored["ExchangeRate"] == 1.08
    assert Decimal(str(stored["HomeTotalAmt"])) == (bill.amount * Decimal("1.08")).quantize(Decimal("0.01"))


def test_hard_case_names_and_clash_rules(sandbox_url):
    company = Company(sandbox_url, PLUS)
    base = records.refs()
    for name in (
        SUPPLIER_NAME_OVER_500,
        "Acme: East\tDivision\nSupplies",
        "Société Générale d'Équipement Médical",
        "O'Brien & Sons Medical",
    ):
        company.create(supplier_to_vendor(records.organization(name=name), None, base))
    company.create(supplier_to_vendor(records.organization(name="Riverside Clinic"), None, base))
    clash = destination_to_customer(records.location(name="Riverside Clinic"), base)
    response = company.send(clash)
    error = classify_qbo_response(response.status_code, response.headers, response.text)
    assert type(error) is Duplicate and error.kind == "name"
    assert (
        company.create(destination_to_customer(records.location(name="Riverside Clinic"), base, clash=True))[
            "DisplayName"
        ]
        == "Riverside Clinic (customer)"
    )
    first = product(id="same1", productCode="S-1", name="Gauze pad, small")
    company.create(product_to_item(first, base))
    other = product(id="same2", productCode="S-2", name="Gauze pad, small")
    response = company.send(product_to_item(other, base))
    assert type(classify_qbo_response(response.status_code, response.headers, response.text)) is Duplicate
    assert company.create(product_to_item(other, base, clash=True))["Name"] == "Gauze pad, small [S-2]"


def test_sparse_updates_are_accepted(sandbox_url):
    company = Company(sandbox_url, PLUS)
    base = records.refs()
    vendor = company.create(
        supplier_to_vendor(records.organization(name="Update Me Supplier"), records.location(), base)
    )
    renamed = supplier_to_vendor(records.organization(name="Updated Supplier: renamed"), records.location(), base)
    response = company.send(sparse_update(renamed, vendor["Id"], vendor["SyncToken"]), "Vendor")
    assert response.status_code == 200, response.text
    assert response.json()["Vendor"]["DisplayName"] == "Updated Supplier - renamed"
    item = company.create(product_to_item(product(id="upd", productCode="UPD-1", name="Update me item"), base))
    changed = product_to_item(product(id="upd", productCode="UPD-1", name="Updated item", pricePerUnit=9.99), base)
    response = company.send(sparse_update(changed, item["Id"], item["SyncToken"]), "Item")
    assert response.status_code == 200, response.text
    assert response.json()["Item"]["UnitPrice"] == 9.99
    stale = company.send(sparse_update(changed, item["Id"], item["SyncToken"]), "Item", key="stale")
    assert classify_qbo_response(stale.status_code, stale.headers, stale.text).category == "conflict"


def test_a_us_company_refuses_text_beyond_latin_1_and_a_uk_company_stores_it(sandbox_url):
    QuickBooksSandbox(sandbox_url).add_company(UK, "Leeds Clinic", home_currency="GBP")
    QuickBooksSandbox(sandbox_url).change_company(UK, country="GB")
    vendor = supplier_to_vendor(records.organization(name="北京医疗器械有限公司 ✓"), None, records.refs())

    response = Company(sandbox_url, PLUS).send(vendor)
    error = classify_qbo_response(response.status_code, response.headers, response.text)

    assert (response.status_code, error.code) == (400, "500")
    assert "ISO-8859-1" in error.detail
    assert Company(sandbox_url, UK).create(vendor)["DisplayName"] == "北京医疗器械有限公司 ✓"
