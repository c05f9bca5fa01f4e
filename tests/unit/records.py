"""OpenBoxes record shapes (as OpenBoxes 0.9 and its sandbox render them) and Refs for the tests."""

from __future__ import annotations

from portal.sync.refs import Account, Refs

ACCOUNTS = {
    "inventory_purchases": Account("9", "5000 - Cost of Goods Sold"),
    "inventory_asset": Account("4", "1300 - Inventory Asset"),
    "accounts_payable": Account("5", "2000 - Accounts Payable (A/P)"),
    "outbound_revenue": Account("7", "4000 - Sales of Product Income"),
    "inventory_adjustments": Account("10", "5100 - Inventory Shrinkage"),
    "deposit": Account("3", "1200 - Undeposited Funds"),
}
SUPPLIER_ID = "ff80818155df9de40155df9e31000101"
PRODUCT_ID = "ff80818155df9de40155df9e31000201"
PRODUCT2_ID = "ff80818155df9de40155df9e31000202"
CUSTOMER_LOCATION_ID = "ff80818155df9de40155df9e31000301"


def refs(**overrides) -> Refs:
    base = {
        "plan": "Plus",
        "home_currency": "USD",
        "multicurrency": False,
        "accounts": ACCOUNTS,
        "vendors": {SUPPLIER_ID: "56", f"{SUPPLIER_ID}/EUR": "57"},
        "customers": {CUSTOMER_LOCATION_ID: "7"},
        "items": {PRODUCT_ID: "19", PRODUCT2_ID: "20"},
        "timezone": "America/New_York",
        "server_timezone": "America/New_York",
    }
    return Refs(**{**base, **overrides})


def organization(**overrides) -> dict:
    return {
        "id": SUPPLIER_ID,
        "name": "Acme Medical Ltd",
        "displayName": "ACME - Acme Medical Ltd",
        "code": "ACME",
        "dateCreated": "2024-01-05T10:00:00Z",
        "lastUpdated": "2025-02-01T08:30:12Z",
        **overrides,
    }


ADDRESS = {
    "address": "10 Main Street",
    "address2": None,
    "city": "Boston",
    "stateOrProvince": "MA",
    "postalCode": "10000",
    "country": "USA",
    "description": None,
}


def location(**overrides) -> dict:
    return {
        "id": CUSTOMER_LOCATION_ID,
        "name": "St. Mary's Hospital",
        "locationNumber": None,
        "organizationName": "St. Mary's Health",
        "organizationCode": "SMH",
        "address": ADDRESS,
        "active": True,
        **overrides,
    }


def product(**overrides) -> dict:
    return {
        "id": PRODUCT_ID,
        "productCode": "AB12",
        "name": "Ibuprofen 200mg",
        "description": None,
        "category": "Medicines",
        "unitOfMeasure": "EA",
        "pricePerUnit": 0.12,
        "dateCreated": "2024-01-05T03:00:00Z",
        "lastUpdated": "2025-02-01T08:30:12Z",
        "active": True,
        **overrides,
    }


def order(**overrides) -> dict:
    return {
        "id": "ff80818155df9de40155df9e31000401",
        "orderNumber": "PO-000123",
        "name": "Q1 restock",
        "status": {"enumType": "org.pih.warehouse.order.OrderStatus", "name": "PLACED"},
        "origin": {
            "id": "loc-supplier",
            "name": "Acme Medical Ltd",
            "organization": {"id": SUPPLIER_ID, "name": "Acme Medical Ltd", "code": "ACME"},
        },
        **overrides,
    }


def order_item(**overrides) -> dict:
    return {
        "id": "line-1",
        "product": product(),
        "quantity": 10,
        "quantityUom": "EA",
        "quantityPerUom": 1,
        "currencyCode": "USD",
        "unitPrice": "2.10",
        "totalPrice": "21.00",
        "orderItemStatusCode": "PENDING",
        **overrides,
    }


def movement(**overrides) -> dict:
    return {
        "id": "ff80818155df9de40155df9e31000501",
        "identifier": "OUT-00001",
        "currentStatus": "SHIPPED",
        "destination": {"id": CUSTOMER_LOCATION_ID, "name": "St. Mary's Hospital"},
        "dateShipped": "03/04/2025 10:20 -05:00",
        "lastUpdated": "2025-03-04T15:25:00Z",
        **overrides,
    }


def shipment_item(
    product_id: str = PRODUCT_ID, quantity: int = 10, code: str = "AB12", name: str = "Ibuprofen"
) -> dict:
    stub = {"id": product_id, "name": name, "productCode": code}
    return {"id": f"si-{product_id}-{quantity}", "inventoryItem": {"id": "ii", "product": stub}, "quantity": quantity}


def shipment(**overrides) -> dict:
    return {
        "id": "shp-1",
        "name": "Delivery 001",
        "status": "SHIPPED",
        "actualShippingDate": "03/04/2025 22:30 -05:00",
        "expectedShippingDate": "03/04/2025 09:00 -05:00",
        "shipmentItems": [shipment_item()],
        **overrides,
    }


def adjustment_row(**overrides) -> dict:
    return {
        "transaction": {"transactionNumber": "T-00042"},
        "product": {"id": PRODUCT_ID, "name": "Ibuprofen 200mg", "productCode": "AB12", "displayName": "Ibuprofen"},
        "facility": {"id": "fac", "name": "Main Warehouse"},
        "quantityBefore": 120,
        "quantityAfter": 110,
        "quantityDifference": -10,
        "dateRecorded": "2025-03-05T02:20:11Z",
        "recordedBy": {"name": "Jane Doe"},
        "comments": ["Broken bottles"],
        "varianceTypeCode": "LESS",
        "transactionAction": "INVENTORY_ADJUSTMENT",
        **overrides,
    }
