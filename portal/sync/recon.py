"""Reconciliation: do OpenBoxes and QuickBooks agree, per entity and period? (pure: no Flask, HTTP or DB).

Both sides are put in the same period by the document's date: the ``TxnDate`` the bridge gives it in
QuickBooks (the local date in the tenant's zone of when the order was approved, the shipment shipped, the
adjustment recorded). The OpenBoxes side is the newest activity row of each record whose date falls in the
period (its amount is the mapped document total, known once the row was mapped); the QuickBooks side is the
documents of the period that carry the bridge's marker. Documents without a marker were entered in
QuickBooks by someone else: counted apart, never a difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from portal.sync.dates import local_date, parse_openboxes_datetime
from portal.sync.documents import adjustment_to_journal_entry, purchase_order_to_qbo, shipment_to_qbo
from portal.sync.entities import ActivityStatus, Entity
from portal.sync.errors import SkipRecord, SyncError
from portal.sync.mappers import Mapped
from portal.sync.refs import Account, Refs
from portal.sync.snapshots import AdjustmentSnapshot, PurchaseOrderSnapshot, ShipmentSnapshot

PERIODS = ("day", "week", "month")
DOCUMENT_ENTITIES = (Entity.PURCHASE_ORDER, Entity.SHIPMENT, Entity.ADJUSTMENT)
WAITING = (ActivityStatus.QUEUED, ActivityStatus.SYNCING, ActivityStatus.RETRYING)
IGNORED_PREFIX = "Ignored by "


@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates: ``start`` … ``end``."""

    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        return f"week of {self.start.isoformat()}"

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def period_of(kind: str, day: date) -> Period:
    """The day, ISO week (Monday first) or calendar month holding ``day``. Raises ValueError for another kind."""
    if kind == "day":
        return Period(kind, day, day)
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == "month":
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return Period(kind, start, following - timedelta(days=1))
    raise ValueError(f"unknown period {kind!r}: choose day, week or month")


def document_date(entity: str, snapshot: Mapping | None, timezone: str) -> date | None:
    """The local date the record's QuickBooks document carries (its ``TxnDate``); None when unknown."""
    snapshot = snapshot or {}
    if entity == Entity.PURCHASE_ORDER:
        texts = [snapshot.get("approved_at")]
    elif entity == Entity.SHIPMENT:
        shipment, movement = snapshot.get("shipment") or {}, snapshot.get("movement") or {}
        texts = [shipment.get("actualShippingDate"), movement.get("dateShipped"), shipment.get("expectedShippingDate")]
    elif entity == Entity.ADJUSTMENT:
        texts = [(snapshot.get("row") or {}).get("dateRecorded")]
    else:
        return None
    for text in texts:
        moment = _moment(text)
        if moment is not None:
            return local_date(moment, timezone)
    return None


def _moment(text: object) -> datetime | None:
    try:
        return parse_openboxes_datetime(text) if isinstance(text, str) else None
    except ValueError:
        return None


class _Any(Mapping):
    """A mapping that holds every key (with one value): mapper refs that never miss, to compute amounts only."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __getitem__(self, key: object) -> object:
        return self.value

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


def amount_refs(base: Refs) -> Refs:
    """``base`` with every vendor, customer, item and account linked to a placeholder (amounts only)."""
    return Refs(
        plan=base.plan,
        home_currency=base.home_currency,
        multicurrency=base.multicurrency,
        accounts=_Any(Account("0", "(any)")),
        vendors=_Any("0"),
        customers=_Any("0"),
        items=_Any("0"),
        po_target=base.po_target,
        shipment_target=base.shipment_target,
        timezone=base.timezone,
    )


def mapped_document(entity: str, snapshot: Mapping | None, refs: Refs) -> Mapped | None:
    """The record's document as a push maps it (links as ``refs`` has them), or None when it cannot be mapped.

    With ``amount_refs`` every link is a placeholder: total, date, number and lines are what a push sends.
    """
    try:
        if entity == Entity.PURCHASE_ORDER:
            snap = PurchaseOrderSnapshot.from_json(dict(snapshot or {}))
            adjustments, rate = snap.adjustments, snap.exchange_rate
            args = (snap.order, snap.items, refs)
            return purchase_order_to_qbo(
                *args, approved_at=snap.approved_at, adjustments=adjustments, exchange_rate=rate
            )
        if entity == Entity.SHIPMENT:
            ship = ShipmentSnapshot.from_json(dict(snapshot or {}))
            prices = {pid: product.get("pricePerUnit") for pid, product in ship.products.items()}
            return shipment_to_qbo(ship.movement, ship.shipment, prices, refs)
        if entity == Entity.ADJUSTMENT:
            adj = AdjustmentSnapshot.from_json(dict(snapshot or {}))
            return adjustment_to_journal_entry(adj.row, adj.product.get("pricePerUnit"), refs)
    except (SyncError, SkipRecord, KeyError, TypeError, ValueError):
        return None
    return None


def mapped_amount(entity: str, snapshot: Mapping | None, refs: Refs) -> Decimal | None:
    """The total the record's document would carry (the same mappers as a push), or None when it cannot be mapped."""
    mapped = mapped_document(entity, snapshot, refs)
    return None if mapped is None else mapped.amount


@dataclass(frozen=True)
class RecordRow:
    """The newest activity row of one OpenBoxes record."""

    activity_id: int
    openboxes_id: str
    number: str | None
    status: str
    amount: Decimal | None
    qbo_id: str | None
    message: str | None = None

    @property
    def reason(self) -> str:
        """Why this row can explain a difference: failed, skipped, ignored, waiting, or synced."""
        if self.status == ActivityStatus.SYNC_FAILED:
            return "failed"
        if self.status == ActivityStatus.SKIPPED:
            return "ignored" if (self.message or "").startswith(IGNORED_PREFIX) else "skipped"
        if self.status in WAITING:
            return "waiting"
        return "synced"


@dataclass(frozen=True)
class BooksDoc:
    """A QuickBooks document of the period: its id, total, number and the OpenBoxes record it names."""

    qbo_id: str
    amount: Decimal
    doc_number: str | None
    openboxes_id: str | None  # from the bridge's marker; None when entered by someone else


@dataclass(frozen=True)
class Explanation:
    """One row or document behind a difference, and why."""

    reason: str  # failed, skipped, ignored, waiting, deleted in QuickBooks, amount differs, not in this period
    activity_id: int | None
    label: str
    detail: str = ""


@dataclass
class EntityRecon:
    """One entity in one period, both sides and what explains their difference."""

    entity: str
    books_entity: str
    openboxes_count: int = 0
    openboxes_amount: Decimal = Decimal(0)
    unknown_amounts: int = 0
    quickbooks_count: int = 0
    quickbooks_amount: Decimal = Decimal(0)
    other_documents: int = 0
    explanations: list[Explanation] = field(default_factory=list)

    @property
    def count_difference(self) -> int:
        return self.openboxes_count - self.quickbooks_count

    @property
    def amount_difference(self) -> Decimal:
        return self.openboxes_amount - self.quickbooks_amount

    @property
    def agrees(self) -> bool:
        return self.count_difference == 0 and self.amount_difference == 0 and not self.explanations


def compare(entity: str, books_entity: str, records: Iterable[RecordRow], docs: Iterable[BooksDoc]) -> EntityRecon:
    """Both sides of one entity in one period, with a reason for every record or document that differs."""
    result, docs = EntityRecon(entity, books_entity), list(docs)
    ours = {doc.openboxes_id: doc for doc in docs if doc.openboxes_id is not None}
    result.other_documents = sum(1 for doc in docs if doc.openboxes_id is None)
    result.quickbooks_count = len(ours)
    result.quickbooks_amount = sum((doc.amount for doc in ours.values()), Decimal(0))
    for record in records:
        result.openboxes_count += 1
        if record.amount is None:
            result.unknown_amounts += 1
        else:
            result.openboxes_amount += record.amount
        explained = _explain(record, ours.pop(record.openboxes_id, None))
        if explained is not None:
            result.explanations.append(explained)
    for doc in ours.values():  # ours in QuickBooks, no record of the period (dated differently here)
        label = f"{books_entity} {doc.doc_number or doc.qbo_id}"
        result.explanations.append(Explanation("not in this period in OpenBoxes", None, label))
    return result


def _explain(record: RecordRow, doc: BooksDoc | None) -> Explanation | None:
    label = record.number or record.openboxes_id
    if record.reason != "synced":
        return Explanation(record.reason, record.activity_id, label, record.message or "")
    if doc is None:
        detail = f"QuickBooks document {record.qbo_id} is not there (deleted, or dated in another period)"
        return Explanation("missing in QuickBooks", record.activity_id, label, detail)
    if record.amount is not None and record.amount != doc.amount:
        detail = f"OpenBoxes {record.amount} vs QuickBooks {doc.amount}"
        return Explanation("amount differs", record.activity_id, label, detail)
    return None


@dataclass(frozen=True)
class LinkedProduct:
    """An OpenBoxes product linked to a QuickBooks item (a product link)."""

    product_id: str
    label: str
    qbo_item_id: str


@dataclass(frozen=True)
class BooksItem:
    """A QuickBooks inventory item and the quantity it holds."""

    qbo_id: str
    name: str
    quantity: Decimal


@dataclass(frozen=True)
class ItemOnHand:
    """One linked product: OpenBoxes on hand at the facility against QuickBooks ``QtyOnHand``."""

    product: LinkedProduct
    item_name: str
    quickbooks: Decimal
    openboxes: Decimal | None  # None: not read (OpenBoxes failed, or past the cap of reads)

    @property
    def difference(self) -> Decimal | None:
        return None if self.openboxes is None else self.openboxes - self.quickbooks

    @property
    def differs(self) -> bool:
        """True when the quantities differ or OpenBoxes' could not be read (nothing proves they agree)."""
        return self.difference != 0


@dataclass
class OnHandRecon:
    """Every product linked to a QuickBooks inventory item, and how many links point elsewhere."""

    items: list[ItemOnHand] = field(default_factory=list)
    untracked: int = 0  # linked to an item QuickBooks does not list as Inventory (other type, or deleted)

    @property
    def differing(self) -> list[ItemOnHand]:
        return [item for item in self.items if item.differs]

    @property
    def matching(self) -> int:
        return len(self.items) - len(self.differing)


def inventory_links(links: Iterable[LinkedProduct], books: Mapping[str, BooksItem]) -> tuple[list[LinkedProduct], int]:
    """The links whose QuickBooks item is an inventory item (``books`` by item id), and how many are not."""
    links = list(links)
    tracked = [link for link in links if link.qbo_item_id in books]
    return tracked, len(links) - len(tracked)


def compare_on_hand(
    links: Iterable[LinkedProduct], openboxes: Mapping[str, Decimal | None], books: Mapping[str, BooksItem]
) -> OnHandRecon:
    """Each linked product's two quantities (``openboxes`` by product id, ``books`` by item id)."""
    tracked, untracked = inventory_links(links, books)
    result = OnHandRecon(untracked=untracked)
    for link in tracked:
        item = books[link.qbo_item_id]
        result.items.append(ItemOnHand(link, item.name, item.quantity, openboxes.get(link.product_id)))
    return result
