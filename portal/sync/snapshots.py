"""Typed snapshots: what a poll stores on an activity row, and what the pusher reads back.

``to_json`` gives the dict stored in ``SyncActivity.snapshot`` (same keys as before these classes,
so rows stored earlier load unchanged); ``from_json`` parses it once, so pushers get Decimals and
datetimes instead of strings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from portal.sync.money import to_decimal


@dataclass(frozen=True)
class SupplierSnapshot:
    organization: dict
    location: dict | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SupplierSnapshot:
        return cls(organization=data["organization"], location=data.get("location"))


@dataclass(frozen=True)
class ProductSnapshot:
    product: dict

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ProductSnapshot:
        return cls(product=data["product"])


@dataclass(frozen=True)
class PurchaseOrderSnapshot:
    """An order with its lines, adjustments, supplier, products, when it was first seen approved and its rate."""

    order: dict
    items: list[dict]
    organization: dict
    approved_at: datetime
    location: dict | None = None
    products: dict[str, dict] = field(default_factory=dict)
    exchange_rate: Decimal | None = None
    adjustments: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        data = asdict(self)
        data["approved_at"] = self.approved_at.isoformat()
        data["exchange_rate"] = None if self.exchange_rate is None else str(self.exchange_rate)
        if not self.adjustments:
            del data["adjustments"]  # orders without adjustments are stored as before
        return data

    @classmethod
    def from_json(cls, data: dict) -> PurchaseOrderSnapshot:
        return cls(
            order=data["order"],
            items=data["items"],
            organization=data["organization"],
            approved_at=datetime.fromisoformat(data["approved_at"]),
            location=data.get("location"),
            products=data["products"],
            exchange_rate=to_decimal(data.get("exchange_rate")),
            adjustments=data.get("adjustments") or [],
        )


@dataclass(frozen=True)
class ShipmentSnapshot:
    """A shipped stock movement, its shipment, destination and products."""

    movement: dict
    shipment: dict
    destination: dict
    products: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ShipmentSnapshot:
        return cls(
            movement=data["movement"],
            shipment=data["shipment"],
            destination=data["destination"],
            products=data["products"],
        )


@dataclass(frozen=True)
class ReceiptSnapshot:
    """What a purchase order received since its last Bill: the order, the quantities, the products.

    ``received`` is the order's cumulative received quantities (the next receipt bills against it),
    ``quantities`` the part of it this receipt bills; both ``{product id: quantity string}``.
    """

    order: dict
    received: dict[str, str]
    quantities: dict[str, str]
    received_at: datetime
    sequence: int
    products: dict[str, dict] = field(default_factory=dict)
    shipments: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {**asdict(self), "received_at": self.received_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> ReceiptSnapshot:
        return cls(**{**data, "received_at": datetime.fromisoformat(data["received_at"])})


@dataclass(frozen=True)
class AdjustmentSnapshot:
    """One product-inventory transaction row and its product."""

    row: dict
    product: dict

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> AdjustmentSnapshot:
        return cls(row=data["row"], product=data["product"])


UNFETCHED_VERSION = "unfetched:"


@dataclass(frozen=True)
class UnfetchedSnapshot:
    """A record OpenBoxes listed but could not serve: what the list said, so its row can read it again.

    Its row's version starts with ``UNFETCHED_VERSION``; once the record is read, the row gets the real
    snapshot and version (the same row: never a second one).
    """

    listed: dict

    def to_json(self) -> dict:
        return {"unfetched": {"listed": self.listed}}

    @classmethod
    def from_json(cls, data: dict) -> UnfetchedSnapshot:
        return cls(listed=data["unfetched"]["listed"])

    @staticmethod
    def holds(data: dict | None) -> bool:
        """Whether a stored snapshot is one of these."""
        return isinstance(data, dict) and isinstance(data.get("unfetched"), dict)

    @staticmethod
    def version(listed_hash: str) -> str:
        """The placeholder version of the row (fits the 64-character column)."""
        return UNFETCHED_VERSION + listed_hash[: 64 - len(UNFETCHED_VERSION)]
