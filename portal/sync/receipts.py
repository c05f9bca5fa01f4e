"""Inbound receipts of a purchase order → a Bill linked to its QuickBooks PurchaseOrder (pure).

OpenBoxes shows, per inbound shipment, how much each shipment item has received so far (the sum of
its RECEIVED receipts). The bridge keeps, per order, what it has billed already; a Bill carries the
difference, line by line linked to the PurchaseOrder (``LinkedTxn``), so QuickBooks adds the stock and
closes the lines. The receipt's key and version derive from the cumulative received quantities: the
same state seen twice is one Bill.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from portal.sync.dates import txn_date
from portal.sync.errors import Permanent
from portal.sync.identity import content_hash, doc_number, marker, short_version
from portal.sync.mappers import Mapped
from portal.sync.money import json_number, line_amount, to_decimal
from portal.sync.names import clean_text

EXPENSE_DETAIL = "ItemBasedExpenseLineDetail"
NOTE_MAX = 4000
# Statuses an approved order moves through as it is shipped and received: none changes the document.
RECEIVING_STATUSES = frozenset({"PARTIALLY_SHIPPED", "SHIPPED", "PARTIALLY_RECEIVED", "RECEIVED", "COMPLETED"})


def as_placed(order: Mapping, items: list[Mapping]) -> tuple[dict, list[dict]]:
    """The order and lines as they were when placed: what receiving changes in them is set back.

    Receiving moves the order's status and marks lines ``hasShipmentAssociated``; hashed as such, each
    receipt would re-send the PurchaseOrder. An order never received hashes exactly as before.
    """
    status = order.get("status")
    placed = {**order, "status": "PLACED"} if status in RECEIVING_STATUSES else dict(order)
    lines = [
        {**item, "hasShipmentAssociated": False} if "hasShipmentAssociated" in item else dict(item) for item in items
    ]
    return placed, lines


def shipment_received(partial_receipt: Mapping) -> dict[str, Decimal]:
    """``{product id: quantity received}`` of one inbound shipment (``GET /api/partialReceiving/{id}``)."""
    received: dict[str, Decimal] = {}
    for container in partial_receipt.get("containers") or []:
        for item in (container or {}).get("shipmentItems") or []:
            product_id, quantity = item.get("product.id"), _quantity(item.get("quantityReceived"))
            if not product_id or quantity is None:
                shipment = partial_receipt.get("shipment.shipmentNumber") or partial_receipt.get("shipmentId")
                raise Permanent(
                    f"Inbound shipment {shipment} has a line without a product or a readable received quantity: "
                    "correct it in OpenBoxes"
                )
            received[str(product_id)] = received.get(str(product_id), Decimal(0)) + quantity
    return received


def _quantity(value: object) -> Decimal | None:
    try:
        return to_decimal(value)
    except ValueError:
        return None


def total_received(per_shipment: Sequence[Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """The order's received quantities: the sum over its inbound shipments, zero quantities left out."""
    total: dict[str, Decimal] = {}
    for received in per_shipment:
        for product_id, quantity in received.items():
            total[product_id] = total.get(product_id, Decimal(0)) + Decimal(quantity)
    return {product_id: quantity for product_id, quantity in sorted(total.items()) if quantity}


def newly_received(received: Mapping[str, Decimal], billed: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """What was received since the last Bill (positive differences only: a receipt rolled back bills nothing)."""
    delta = {pid: Decimal(qty) - Decimal(billed.get(pid, 0)) for pid, qty in received.items()}
    return {pid: qty for pid, qty in sorted(delta.items()) if qty > 0}


def receipt_version(received: Mapping[str, Decimal]) -> str:
    """Content hash of the cumulative received quantities (the receipt row's version)."""
    return content_hash({pid: str(Decimal(qty).normalize()) for pid, qty in received.items()})


def receipt_key(order_id: str, version: str) -> str:
    """The receipt row's OpenBoxes key: the order id and the received state it was billed at."""
    return f"{order_id}-{short_version(version)}"


def quantities_json(quantities: Mapping[str, Decimal]) -> dict[str, str]:
    """JSON form (strings) of ``{product id: quantity}``, for snapshots."""
    return {pid: str(qty) for pid, qty in quantities.items()}


def quantities_from_json(data: Mapping[str, object] | None) -> dict[str, Decimal]:
    return {pid: Decimal(str(qty)) for pid, qty in (data or {}).items()}


def receipt_to_bill(
    purchase_order: Mapping,
    quantities: Mapping[str, Decimal],
    *,
    key: str,
    number: str,
    received_at: datetime,
    timezone: str,
    version: str = "",
) -> Mapped:
    """The Bill for ``quantities`` (``{QuickBooks item id: quantity}``) received against ``purchase_order``.

    Args:
        purchase_order: The QuickBooks PurchaseOrder as read (``Id``, ``VendorRef``, ``Line`` with ``Id``).
        quantities: Newly received quantity per item id.
        key: The receipt row's key (goes into the marker).
        number: The Bill's number before shortening (``PO-000123-R1``).
        received_at: When OpenBoxes recorded the receipt; its local date is the TxnDate.
        timezone: The tenant's zone.
        version: The receipt version (goes into the marker).

    Raises:
        Permanent: An item that is not on the PurchaseOrder, or an amount QuickBooks cannot take.
    """
    lines = _linked_lines(purchase_order, quantities, number)
    payload = {
        "VendorRef": dict(purchase_order["VendorRef"]),
        "DocNumber": doc_number(number),
        "TxnDate": txn_date(received_at, timezone),
        "PrivateNote": _note(purchase_order, number, key, version),
        "Line": [line for line, _ in lines],
    }
    for field in ("APAccountRef", "CurrencyRef", "ExchangeRate"):
        if purchase_order.get(field) is not None:
            payload[field] = purchase_order[field]
    return Mapped("Bill", payload, {"DocNumber": payload["DocNumber"]}, sum((a for _, a in lines), Decimal(0)))


def _linked_lines(
    purchase_order: Mapping, quantities: Mapping[str, Decimal], number: str
) -> list[tuple[dict, Decimal]]:
    """One Bill line per PurchaseOrder line the quantities fall on, in the order's line order."""
    po_lines = [line for line in purchase_order.get("Line") or [] if line.get("DetailType") == EXPENSE_DETAIL]
    by_item: dict[str, list[Mapping]] = {}
    for line in po_lines:
        by_item.setdefault(str(line[EXPENSE_DETAIL]["ItemRef"]["value"]), []).append(line)
    missing = sorted(item for item in quantities if item not in by_item)
    if missing:
        raise Permanent(
            f"Receipt {number} has items (QuickBooks ids {', '.join(missing)}) that are not on QuickBooks purchase "
            f"order {purchase_order.get('DocNumber')}: add them to the purchase order in OpenBoxes, then retry"
        )
    lines = []
    for item, quantity in quantities.items():
        lines += _spread(purchase_order, by_item[item], Decimal(quantity))
    return lines


def _spread(purchase_order: Mapping, po_lines: list[Mapping], quantity: Decimal) -> list[tuple[dict, Decimal]]:
    """The quantity over the order's lines of one item: each up to its ordered Qty, the last takes the rest."""
    lines = []
    for index, po_line in enumerate(po_lines):
        ordered = Decimal(str(po_line[EXPENSE_DETAIL].get("Qty") or 0))
        take = quantity if index == len(po_lines) - 1 else min(quantity, ordered)
        if take > 0:
            lines.append(_bill_line(purchase_order, po_line, take))
        quantity -= take
    return lines


def _bill_line(purchase_order: Mapping, po_line: Mapping, quantity: Decimal) -> tuple[dict, Decimal]:
    detail = po_line[EXPENSE_DETAIL]
    try:
        amounts = line_amount(quantity, detail.get("UnitPrice") or 0)
    except ValueError as exc:
        raise Permanent(f"A receipt line is too large for QuickBooks ({exc}): correct it in OpenBoxes") from exc
    body = {
        "DetailType": EXPENSE_DETAIL,
        "Amount": json_number(amounts.amount),
        EXPENSE_DETAIL: {
            "ItemRef": dict(detail["ItemRef"]),
            "Qty": json_number(amounts.qty),
            "UnitPrice": json_number(amounts.unit_price),
        },
        "LinkedTxn": [
            {"TxnId": str(purchase_order["Id"]), "TxnType": "PurchaseOrder", "TxnLineId": str(po_line["Id"])}
        ],
    }
    if po_line.get("Description"):
        body["Description"] = po_line["Description"]
    return body, amounts.amount


def _note(purchase_order: Mapping, number: str, key: str, version: str) -> str:
    tag = marker("receipt", key, version)
    text = f"OpenBoxes receipt {number} against purchase order {purchase_order.get('DocNumber')}"
    return f"{clean_text(text, NOTE_MAX - len(tag) - 1)} {tag}"
