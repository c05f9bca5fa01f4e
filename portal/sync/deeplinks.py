"""Links from an Integration Activity row to the record in QuickBooks Online and in OpenBoxes.

Best effort: neither product documents these page addresses as an API, so they are the ones their web
apps use today.

QuickBooks (``https://app.qbo.intuit.com/app/...``, ``app.sandbox.qbo.intuit.com`` for sandbox companies; the
signed-in user's company is used, so a person signed in to another company sees that company's page):

| Row entity       | Page                                                      |
|------------------|-----------------------------------------------------------|
| purchase_order   | ``purchaseorder?txnId=<id>`` or ``bill?txnId=<id>`` (the tenant's current PO target)   |
| shipment         | ``invoice?txnId=<id>`` or ``salesreceipt?txnId=<id>`` (the tenant's current shipment target) |
| adjustment       | ``journal?txnId=<id>``                                    |
| supplier         | ``vendordetail?nameId=<id>``                              |
| customer         | ``customerdetail?nameId=<id>``                            |
| product          | ``items`` (the item list: QuickBooks has no per-item page address) |

The document type is the tenant's *current* target: a row pushed before the target was changed links to the
wrong page type (QuickBooks then shows "not found").

OpenBoxes (the connection's base URL plus its context path, ``/openboxes`` by default):

| Row entity       | Page                                                      |
|------------------|-----------------------------------------------------------|
| purchase_order   | ``/order/show/<id>``                                      |
| shipment         | ``/stockMovement/show/<id>``                              |
| product          | ``/inventoryItem/showStockCard/<id>``                     |
| adjustment       | the adjusted product's stock card                         |
| supplier         | ``/organization/edit/<id>``                               |
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from portal.sync.entities import SPECS, Entity
from portal.sync.identity import doc_number

QBO_HOSTS = {"production": "https://app.qbo.intuit.com", "sandbox": "https://app.sandbox.qbo.intuit.com"}
DEFAULT_CONTEXT_PATH = "/openboxes"


def quickbooks_url(
    entity: str,
    qbo_id: str | None,
    environment: str,
    po_target: str = "PurchaseOrder",
    shipment_target: str = "Invoice",
) -> str | None:
    """The QuickBooks page of the document or name written for this row; None when nothing was written.

    >>> quickbooks_url("purchase_order", "145", "production")
    'https://app.qbo.intuit.com/app/purchaseorder?txnId=145'
    >>> quickbooks_url("shipment", "9", "sandbox", shipment_target="SalesReceipt")
    'https://app.sandbox.qbo.intuit.com/app/salesreceipt?txnId=9'
    """
    if not qbo_id:
        return None
    host = QBO_HOSTS.get(environment, QBO_HOSTS["sandbox"])
    spec = SPECS[Entity(entity)]
    target = {Entity.PURCHASE_ORDER: po_target, Entity.SHIPMENT: shipment_target}.get(spec.entity)
    page = spec.quickbooks_page.get(target)
    return None if page is None else f"{host}/app/" + page.format(id=quote(str(qbo_id), safe=""))


def openboxes_url(base_url: str | None, entity: str, openboxes_id: str, snapshot: dict | None = None) -> str | None:
    """The OpenBoxes page of the row's record; None when there is none (or no usable base URL).

    >>> openboxes_url("https://ob.example.org", "purchase_order", "ff80")
    'https://ob.example.org/openboxes/order/show/ff80'
    >>> openboxes_url("https://ob.example.org/ob/", "product", "p1")
    'https://ob.example.org/ob/inventoryItem/showStockCard/p1'
    """
    root = _openboxes_root(base_url)
    record_id = _product_of_adjustment(snapshot) if entity == Entity.ADJUSTMENT else openboxes_id
    page = SPECS[Entity(entity)].openboxes_page
    if root is None or page is None or not record_id:
        return None
    return root + page.format(id=quote(str(record_id), safe=""))


def _openboxes_root(base_url: str | None) -> str | None:
    parts = urlsplit((base_url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/') or DEFAULT_CONTEXT_PATH}"


def _product_of_adjustment(snapshot: dict | None) -> str | None:
    """The adjusted product's id, from a pushed snapshot or one OpenBoxes could not serve yet (any shape)."""
    data = snapshot if isinstance(snapshot, dict) else {}
    row = _as_dict(data.get("row")) or _as_dict(_as_dict(data.get("unfetched")).get("listed"))
    product = _as_dict(data.get("product")) or _as_dict(row.get("product"))
    return product.get("id")


def _as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


_DOCUMENT_WORDS = {
    "PurchaseOrder": "Purchase order",
    "Bill": "Bill",
    "Invoice": "Invoice",
    "SalesReceipt": "Sales receipt",
}
_NAME_WORDS = {"supplier": "Vendor", "customer": "Customer", "product": "Item"}


def quickbooks_label(
    entity: str,
    number: str | None,
    label: str | None,
    snapshot: dict | None = None,
    po_target: str = "PurchaseOrder",
    shipment_target: str = "Invoice",
) -> str:
    """How a person finds the row's QuickBooks record: its document number, or its name.

    >>> quickbooks_label("purchase_order", "PO-17", "Medline", po_target="Bill")
    'Bill PO-17'
    >>> quickbooks_label("supplier", "S-1", "Medline")
    'Vendor Medline'
    >>> quickbooks_label("receipt", "PO-17-R1", None)
    'Bill PO-17-R1'
    """
    if entity in _NAME_WORDS:
        return f"{_NAME_WORDS[entity]} {label or number or ''}".strip()
    if entity == "adjustment":
        return f"Journal entry {_adjustment_doc_number(number, snapshot)}".strip()
    if entity == "receipt":  # a receipt is always a Bill, linked to its PurchaseOrder
        return f"Bill {_doc_number_or_blank(number)}".strip()
    target = po_target if entity == "purchase_order" else shipment_target
    return f"{_DOCUMENT_WORDS.get(target, target)} {_doc_number_or_blank(number)}".strip()


def _adjustment_doc_number(number: str | None, snapshot: dict | None) -> str:
    product = ((snapshot or {}).get("row") or {}).get("product") or {}
    code = product.get("productCode") or product.get("id")
    return _doc_number_or_blank(f"{number}/{code}" if number and code else number)


def _doc_number_or_blank(number: str | None) -> str:
    try:
        return doc_number(str(number)) if number else ""
    except ValueError:
        return ""
