"""Deep links from an activity row to QuickBooks and OpenBoxes, per entity and target."""

import pytest

from portal.sync.deeplinks import openboxes_url, quickbooks_label, quickbooks_url

QBO = "https://app.qbo.intuit.com/app/"


@pytest.mark.parametrize(
    ("entity", "targets", "expected"),
    [
        ("purchase_order", {}, "purchaseorder?txnId=7"),
        ("purchase_order", {"po_target": "Bill"}, "bill?txnId=7"),
        ("shipment", {}, "invoice?txnId=7"),
        ("shipment", {"shipment_target": "SalesReceipt"}, "salesreceipt?txnId=7"),
        ("adjustment", {}, "journal?txnId=7"),
        ("supplier", {}, "vendordetail?nameId=7"),
        ("customer", {}, "customerdetail?nameId=7"),
        ("product", {}, "items"),
    ],
)
def test_quickbooks_page_per_entity_and_target(entity, targets, expected):
    assert quickbooks_url(entity, "7", "production", **targets) == QBO + expected


def test_quickbooks_link_needs_an_id_and_quotes_it():
    assert quickbooks_url("supplier", None, "production") is None
    assert (
        quickbooks_url("adjustment", "a/b", "sandbox") == "https://app.sandbox.qbo.intuit.com/app/journal?txnId=a%2Fb"
    )


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        ("purchase_order", "/openboxes/order/show/r1"),
        ("shipment", "/openboxes/stockMovement/show/r1"),
        ("product", "/openboxes/inventoryItem/showStockCard/r1"),
        ("supplier", "/openboxes/organization/edit/r1"),
    ],
)
def test_openboxes_page_per_entity(entity, expected):
    assert openboxes_url("https://ob.example.org", entity, "r1") == "https://ob.example.org" + expected


def test_adjustment_links_to_its_products_stock_card_and_customer_has_no_page():
    snapshot = {"row": {"product": {"id": "p 9"}}}
    assert openboxes_url("https://ob.example.org/ob", "adjustment", "T1:p", snapshot).endswith(
        "/ob/inventoryItem/showStockCard/p%209"
    )
    assert openboxes_url("https://ob.example.org", "customer", "c1") is None
    assert openboxes_url("ftp://ob.example.org", "product", "p1") is None


@pytest.mark.parametrize(
    ("entity", "number", "label", "snapshot", "targets", "expected"),
    [
        ("purchase_order", "PO-17", "Medline", None, {}, "Purchase order PO-17"),
        ("purchase_order", "PO-17", "Medline", None, {"po_target": "Bill"}, "Bill PO-17"),
        ("shipment", "SM-3", "Clinic A", None, {"shipment_target": "SalesReceipt"}, "Sales receipt SM-3"),
        (
            "adjustment",
            "T-9",
            "Gauze",
            {"row": {"product": {"id": "p1", "productCode": "GZ-1"}}},
            {},
            "Journal entry T-9/GZ-1",
        ),
        ("supplier", "S-1", "Medline", None, {}, "Vendor Medline"),
        ("product", "GZ-1", "Gauze", None, {}, "Item Gauze"),
        ("customer", None, "Clinic A", None, {}, "Customer Clinic A"),
        ("purchase_order", "PO-" + "9" * 30, None, None, {}, "Purchase order PO-999999999~"),
    ],
)
def test_quickbooks_record_is_named_by_its_document_number_or_name(entity, number, label, snapshot, targets, expected):
    assert quickbooks_label(entity, number, label, snapshot, **targets).startswith(expected)
