"""Opening stock: what an Inventory item starts with in QuickBooks (pure, no I/O).

Rule (QuickBooks follows OpenBoxes): the opening quantity, dated the start day (the tenant's
``sync_enabled_at``, which a history import moves back), = OpenBoxes' on hand when the baseline is read,
minus what the bridge adds in QuickBooks for the time since the start, plus what it takes away there:

* added: with the PurchaseOrder target, the quantities received on orders ordered since the start (their
  receipts become Bills); with the Bill target, the quantities ordered on them (each order's Bill);
* taken away: the quantities shipped on movements created since the start (their Invoices/SalesReceipts).

So an item's QtyOnHand equals OpenBoxes' on hand once the history is synced. OpenBoxes' adjustments since
the start are in the on-hand figure (the bridge books them as JournalEntries, which move value, not
quantity); so is stock received after the start on an order from before it (never billed by the bridge).
Reading today's on hand alone would count every receipt and shipment since the start twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from portal.sync.money import to_decimal


@dataclass(frozen=True)
class OpeningStock:
    """The opening quantity per OpenBoxes product id as of ``start``, read at ``taken_at``."""

    start: datetime
    taken_at: datetime
    quantities: Mapping[str, Decimal] = field(default_factory=dict)

    def quantity(self, product_id: str) -> Decimal:
        """The product's opening quantity; 0 for a product that did not exist or had none (never below 0)."""
        return max(self.quantities.get(str(product_id), Decimal(0)), Decimal(0))

    def to_json(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "taken_at": self.taken_at.isoformat(),
            "quantities": {key: str(value) for key, value in self.quantities.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping) -> OpeningStock:
        quantities = {key: Decimal(value) for key, value in (data.get("quantities") or {}).items()}
        return cls(datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["taken_at"]), quantities)


def add_up(parts: Iterable[Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """Quantities per product summed over several documents."""
    total: dict[str, Decimal] = {}
    for part in parts:
        for key, quantity in part.items():
            total[key] = total.get(key, Decimal(0)) + quantity
    return total


def opening_quantities(
    on_hand: Mapping[str, Decimal], received: Mapping[str, Decimal], shipped: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    """On hand at the start: on hand now − received since + shipped since (see the module rule)."""
    keys = set(on_hand) | set(received) | set(shipped)
    zero = Decimal(0)
    found = {key: on_hand.get(key, zero) - received.get(key, zero) + shipped.get(key, zero) for key in keys}
    return {key: quantity for key, quantity in found.items() if quantity != 0}


@dataclass(frozen=True)
class OpeningValue:
    """What turning opening stock on will book: items with stock, total value, and products without a price."""

    items: int
    total: Decimal
    unpriced: tuple[str, ...]


def opening_value(stock: OpeningStock, products: Iterable[Mapping]) -> OpeningValue:
    """Σ opening quantity × price per unit over ``products`` (``id``, ``pricePerUnit``, ``productCode``)."""
    total, items, unpriced = Decimal(0), 0, []
    for product in products:
        quantity = stock.quantity(str(product.get("id")))
        if quantity <= 0:
            continue
        items += 1
        try:
            price = to_decimal(product.get("pricePerUnit"))
        except ValueError:
            price = None
        if price is None:
            unpriced.append(str(product.get("productCode") or product.get("name") or product.get("id")))
            continue
        total += quantity * price
    return OpeningValue(items, total.quantize(Decimal("0.01")), tuple(unpriced))
