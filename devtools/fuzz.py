"""The seeded fuzz generator (issue 11, "Proof"): good and malformed records in the OpenBoxes sandbox.

``generate(sandbox, good=100, bad=100, seed=11)`` creates ``good`` ordinary records and ``bad`` awkward or
malformed ones across the five entities (suppliers, products, approved purchase orders, shipped outbound
stock movements, inventory adjustments) through the sandbox's control API, and returns what each one must
become (:class:`Expected`). The same seed always gives the same records and expectations.

Malformed data is served through the control API's raw record patch (``render`` overrides the JSON an
OpenBoxes route answers; ``set`` changes what the sandbox stores) and per-record fault rules (a detail
answering 500, or an HTML page with status 200), so every answer keeps OpenBoxes 0.9's shapes around the one
broken field. The user's locale is German, so every purchase-order price arrives as ``1.234,5000``.

Each :class:`Expected` says: ``synced`` (exactly one QuickBooks object; for documents with ``amount`` equal to
OpenBoxes' to the cent), ``skipped`` or ``failed`` (Sync Failed) with a reason that names the record
(``mentions``). ``part`` is the part of issue 11 that makes the bridge meet it (0: already does, or fixed
alongside the generator).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from devtools.sandboxes import OpenBoxesSandbox
from portal.sync.identity import adjustment_key, doc_number

SYNCED, SKIPPED, FAILED = "synced", "skipped", "failed"
UNKNOWN_PRODUCT = "ff80818199999999{:016x}"  # 32 hex digits, as OpenBoxes ids; never stored in the sandbox
AWKWARD_NAMES = (  # all within ISO-8859-1, which a US QuickBooks company takes
    "Ünïcödé Ærzte & Señores «Çà» {n}",
    "{long}",
    "Acme:\tSurgical:\nSupplies {n}",
    "Gauze\x00Works\x00 {n}",
)
NON_LATIN_NAMES = ("東京医療 {n}", "Поставщик {n}", "Pills 💊 {n}")  # beyond ISO-8859-1: a US company refuses them
LOCALE = "de"  # decimal comma: prices in getOrderItems read "1.234,5000"


@dataclass
class Expected:
    """What one generated record must become after the sync.

    Attributes:
        entity: ``supplier``, ``product``, ``purchase_order``, ``shipment`` or ``adjustment``.
        key: The record's ``openboxes_id`` on its activity row.
        case: ``good`` or the malformation's name.
        outcome: ``synced``, ``skipped`` or ``failed``.
        mentions: Strings the row's reason must contain (the record's number or id).
        amount: OpenBoxes' total for a document that must sync, else None.
        doc_number: The QuickBooks DocNumber of a document.
        part: The part of issue 11 that makes the bridge meet this (0: it already does).
    """

    entity: str
    key: str
    case: str
    outcome: str
    mentions: tuple[str, ...] = ()
    amount: Decimal | None = None
    doc_number: str | None = None
    part: int = 0

    @property
    def good(self) -> bool:
        return self.case == "good"


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


class Fuzz:
    """Creates the records in one sandbox; ``expected`` collects what each must become."""

    def __init__(self, sandbox: OpenBoxesSandbox, seed: int) -> None:
        self.ob, self.rng, self.n = sandbox, random.Random(seed), 0
        self.expected: list[Expected] = []
        self.priced: list[dict] = []  # good products with a price, for documents
        self.suppliers: list[dict] = []
        self.customers: list[dict] = []

    def number(self) -> int:
        self.n += 1
        return self.n

    def price(self) -> Decimal:
        """2 decimals; one in four at 1,000 or more, so the locale's grouping separator shows."""
        top = 250_000 if self.rng.random() < 0.25 else 99_999
        return Decimal(self.rng.randint(1, top)) / 100

    def expect(self, entity: str, key: str, case: str, outcome: str = SYNCED, **fields) -> None:
        self.expected.append(Expected(entity, str(key), case, outcome, **fields))

    # --- plain records ---------------------------------------------------------------------------

    def supplier(self, name: str | None = None, case: str = "good", **expect) -> dict:
        n = self.number()
        organization = self.ob.supplier(name or f"Supplier {n:05d}", code=f"SUP{n:05d}")
        self.expect("supplier", organization["id"], case, **expect)
        return organization

    def product(self, name: str | None = None, price: Decimal | None = None, case: str = "good", **expect) -> dict:
        n = self.number()
        price = self.price() if price is None else price
        product = self.ob.product(name or f"Product {n:05d}", f"P{n:05d}", str(price))
        product["price"] = price
        self.expect("product", product["id"], case, **expect)
        return product

    def customer(self, name: str | None = None) -> dict:
        return self.ob.customer(name or f"Clinic {self.number():05d}")

    def pick(self, pool: list[dict], count: int) -> list[dict]:
        return self.rng.sample(pool, min(count, len(pool)))

    # --- documents -------------------------------------------------------------------------------

    def purchase_order(self, case: str = "good", lines: int | None = None, quantity: int | None = None) -> dict:
        products = self.pick(self.priced, lines or self.rng.randint(1, 3))
        rows = [(p["id"], quantity or self.rng.randint(1, 500), str(p["price"])) for p in products]
        order = self.ob.purchase_order(self.rng.choice(self.suppliers)["id"], rows)
        self.ob.approve(order["id"])
        order["total"] = money(sum((Decimal(q) * Decimal(u) for _, q, u in rows), Decimal(0)))
        order["products"] = products
        return order

    def expect_order(self, order: dict, case: str, outcome: str = FAILED, part: int = 0, **fields) -> None:
        number = order["orderNumber"]
        fields.setdefault("mentions", (number,))
        amount = order["total"] if outcome == SYNCED else None
        self.expect(
            "purchase_order",
            order["id"],
            case,
            outcome,
            amount=amount,
            doc_number=doc_number(number),
            part=part,
            **fields,
        )

    def shipment(self, quantity: int | None = None, products: list[dict] | None = None) -> dict:
        products = products or self.pick(self.priced, self.rng.randint(1, 3))
        lines = [(p["id"], quantity or self.rng.randint(1, 40)) for p in products]
        movement = self.ob.shipment(self.rng.choice(self.customers)["id"], lines)
        record = self.ob.record("requisition", movement["id"])
        movement.update(number=record["requestNumber"], shipmentId=record["shipmentId"], record=record)
        movement["total"] = money(
            sum((Decimal(q) * p["price"] for (_, q), p in zip(lines, products, strict=True)), Decimal(0))
        )
        return movement

    def expect_shipment(self, movement: dict, case: str, outcome: str = FAILED, part: int = 0, **fields) -> None:
        number = movement["number"]
        fields.setdefault("mentions", (number,))
        amount = movement["total"] if outcome == SYNCED else None
        self.expect(
            "shipment", movement["id"], case, outcome, amount=amount, doc_number=doc_number(number), part=part, **fields
        )

    def adjustment(self, product: dict, difference: int) -> tuple[dict, dict]:
        [transaction] = [t for t in self.ob.adjust(product["id"], difference)["transactions"]]
        return transaction, product

    def expect_adjustment(
        self, transaction: dict, product: dict, case: str, outcome: str = FAILED, part: int = 0, **fields
    ) -> None:
        number = transaction["transactionNumber"]
        fields.setdefault("mentions", (number,))
        amount = money(abs(Decimal(transaction["entries"][0]["quantityDifference"])) * product["price"])
        self.expect(
            "adjustment",
            adjustment_key(number, str(fields.pop("product_id", product["id"]))),
            case,
            outcome,
            amount=amount if outcome == SYNCED else None,
            doc_number=doc_number(f"{number}/{product.get('productCode') or product['id']}"),
            part=part,
            **fields,
        )

    # --- sandbox malformations ---------------------------------------------------------------------

    def patch(self, kind: str, record_id: str, **change) -> dict:
        return self.ob.control("PATCH", f"/records/{kind}/{record_id}", change)

    def fail_route(self, route: str, status: int) -> None:
        """Every request to this record's route answers ``status`` with an HTML page (200: HTML, not JSON)."""
        self.ob.fault(route=route, kind="error", status=status)

    def unknown_product(self) -> str:
        return UNKNOWN_PRODUCT.format(self.number())

    def long_name(self, n: int) -> str:
        return (f"Long name {n} " + "x" * 600)[:600]

    def awkward(self, template: str, n: int) -> str:
        return template.format(n=n, long=self.long_name(n))


# --- the malformations: each creates one record and says what it must become ---------------------


def supplier_awkward_name(fz: Fuzz) -> None:
    n = fz.number()
    fz.supplier(fz.awkward(fz.rng.choice(AWKWARD_NAMES), n), case="supplier_awkward_name")


def first_non_latin(name: str) -> str:
    return next(char for char in name if ord(char) > 0xFF)


def supplier_non_latin_name(fz: Fuzz) -> None:
    """Part 4: refused for its characters, with a reason naming them and the fix (rename it in OpenBoxes)."""
    name = fz.rng.choice(NON_LATIN_NAMES).format(n=fz.number())
    fz.supplier(name, case="supplier_non_latin_name", outcome=FAILED, mentions=(first_non_latin(name),), part=4)


def product_non_latin_name(fz: Fuzz) -> None:
    name = fz.rng.choice(NON_LATIN_NAMES).format(n=fz.number())
    fz.product(name, case="product_non_latin_name", outcome=FAILED, mentions=(first_non_latin(name),), part=4)


def supplier_name_wrong_type(fz: Fuzz) -> None:
    organization = fz.supplier(case="supplier_name_wrong_type")
    fz.patch("organization", organization["id"], render={"name": 900_000 + fz.number(), "code": fz.number()})


def supplier_name_null(fz: Fuzz) -> None:
    organization = fz.supplier(case="supplier_name_null")
    fz.patch("organization", organization["id"], render={"name": None, "code": None, "displayName": None})


def product_awkward_name(fz: Fuzz) -> None:
    n = fz.number()
    fz.product(fz.awkward(fz.rng.choice(AWKWARD_NAMES), n), case="product_awkward_name")


def product_name_and_code_wrong_type(fz: Fuzz) -> None:
    product = fz.product(case="product_name_and_code_wrong_type")
    fz.patch("product", product["id"], render={"name": 700_000 + fz.number(), "productCode": 800_000 + fz.number()})


def product_name_and_code_null(fz: Fuzz) -> None:
    product = fz.product(case="product_name_and_code_null")
    fz.patch("product", product["id"], render={"name": None, "productCode": None})


def product_price_locale_string(fz: Fuzz) -> None:
    """A price OpenBoxes would send as a number arrives as text with a grouping separator: never guessed."""
    product = fz.product(case="product_price_locale_string", outcome=FAILED)
    code = product["productCode"]
    fz.expected[-1].mentions = (code,)
    fz.patch("product", product["id"], render={"pricePerUnit": fz.rng.choice(["1,234.50", "1.234,50"])})


def product_price_wrong_type(fz: Fuzz) -> None:
    product = fz.product(case="product_price_wrong_type", outcome=FAILED)
    fz.expected[-1].mentions = (product["productCode"],)
    fz.patch("product", product["id"], render={"pricePerUnit": fz.rng.choice([True, {"amount": 5}, [1, 2]])})


def po_negative_quantity(fz: Fuzz) -> None:
    order = fz.purchase_order()
    fz.patch("order", order["id"], lines={"0": {"render": {"quantity": -5}}})
    fz.expect_order(
        order, "po_negative_quantity", part=2, mentions=(order["orderNumber"], order["products"][0]["productCode"])
    )


def po_null_unit_price(fz: Fuzz) -> None:
    order = fz.purchase_order()
    fz.patch("order", order["id"], lines={"0": {"render": {"unitPrice": None, "totalPrice": None}}})
    fz.expect_order(
        order, "po_null_unit_price", part=2, mentions=(order["orderNumber"], order["products"][0]["productCode"])
    )


def po_negative_unit_price(fz: Fuzz) -> None:
    order = fz.purchase_order()
    fz.patch("order", order["id"], lines={"0": {"render": {"unitPrice": "-2,5000", "totalPrice": "-10,00"}}})
    fz.expect_order(
        order, "po_negative_unit_price", part=2, mentions=(order["orderNumber"], order["products"][0]["productCode"])
    )


def po_quantity_wrong_type(fz: Fuzz) -> None:
    order = fz.purchase_order()
    fz.patch("order", order["id"], lines={"0": {"render": {"quantity": "zwölf"}}})
    fz.expect_order(
        order, "po_quantity_wrong_type", part=2, mentions=(order["orderNumber"], order["products"][0]["productCode"])
    )


def po_missing_number(fz: Fuzz) -> None:
    order = fz.purchase_order()
    fz.patch("order", order["id"], render={"orderNumber": None})
    fz.expect_order(order, "po_missing_number", part=2, mentions=(order["id"],))


def po_missing_currency(fz: Fuzz) -> None:
    order = fz.purchase_order()
    lines = {str(i): {"render": {"currencyCode": None}} for i in range(len(order["products"]))}
    fz.patch("order", order["id"], lines=lines)
    fz.expect_order(order, "po_missing_currency", part=2)


def po_unknown_product(fz: Fuzz) -> None:
    """A line whose product was deleted: OpenBoxes answers the order's detail with a 500."""
    order = fz.purchase_order()
    fz.patch("order", order["id"], lines={"0": {"set": {"productId": fz.unknown_product()}}})
    fz.expect_order(order, "po_unknown_product", part=1)


def po_detail_500(fz: Fuzz) -> None:
    order = fz.purchase_order()
    fz.fail_route(f"/openboxes/api/purchaseOrders/{order['id']}", 500)
    fz.expect_order(order, "po_detail_500", part=1)


def po_items_html(fz: Fuzz) -> None:
    order = fz.purchase_order()
    fz.fail_route(f"/openboxes/order/getOrderItems/{order['id']}", 200)
    fz.expect_order(order, "po_items_html", part=1)


def po_price_other_locale(fz: Fuzz) -> None:
    """An English-formatted price while the user's locale is German: the bridge cannot tell 1,234.50 apart."""
    order = fz.purchase_order()
    fz.patch("order", order["id"], lines={"0": {"render": {"unitPrice": "1,234.50"}}})
    fz.expect_order(order, "po_price_other_locale", part=1)


def po_huge_quantity(fz: Fuzz) -> None:
    order = fz.purchase_order(lines=1, quantity=fz.rng.randint(1_000_000, 3_000_000))
    fz.expect_order(order, "po_huge_quantity", SYNCED)


def shipment_unknown_product(fz: Fuzz) -> None:
    movement = fz.shipment()
    fz.patch("requisition", movement["id"], lines={"0": {"set": {"productId": fz.unknown_product()}}})
    fz.expect_shipment(movement, "shipment_unknown_product", part=1)


def shipment_detail_500(fz: Fuzz) -> None:
    movement = fz.shipment()
    fz.fail_route(f"/openboxes/api/stockMovements/{movement['id']}", 500)
    fz.expect_shipment(movement, "shipment_detail_500", part=1)


def shipment_detail_html(fz: Fuzz) -> None:
    movement = fz.shipment()
    fz.fail_route(f"/openboxes/api/generic/shipment/{movement['shipmentId']}", 200)
    fz.expect_shipment(movement, "shipment_detail_html", part=1)


def shipment_product_without_price(fz: Fuzz) -> None:
    product = fz.product(price=Decimal(1), case="good")
    fz.patch("product", product["id"], set={"pricePerUnit": None})
    fz.expected[-1].case = "product_without_price"  # the product itself still syncs, without a price
    movement = fz.shipment(products=[product])
    fz.expect_shipment(
        movement, "shipment_product_without_price", mentions=(movement["number"], product["productCode"])
    )


def shipment_quantity_wrong_type(fz: Fuzz) -> None:
    movement = fz.shipment()
    fz.patch("shipment", movement["shipmentId"], lines={"0": {"render": {"quantity": "viele"}}})
    fz.expect_shipment(movement, "shipment_quantity_wrong_type", part=2)


def shipment_negative_quantity(fz: Fuzz) -> None:
    movement = fz.shipment()
    fz.patch("shipment", movement["shipmentId"], lines={"0": {"render": {"quantity": -4}}})
    fz.expect_shipment(movement, "shipment_negative_quantity", part=2)


def shipment_awkward_customer(fz: Fuzz) -> None:
    n = fz.number()
    fz.customers.append(fz.customer(fz.awkward(fz.rng.choice(AWKWARD_NAMES), n)))
    movement = fz.shipment()
    fz.customers.pop()
    fz.expect_shipment(movement, "shipment_awkward_customer", SYNCED)


def shipment_huge_quantity(fz: Fuzz) -> None:
    movement = fz.shipment(quantity=fz.rng.randint(1_000_000, 3_000_000))
    fz.expect_shipment(movement, "shipment_huge_quantity", SYNCED)


def adjustment_unknown_product(fz: Fuzz) -> None:
    """The report row names a product OpenBoxes no longer has: its detail answers 404."""
    transaction, product = fz.adjustment(fz.rng.choice(fz.priced), -fz.rng.randint(1, 9))
    ghost = fz.unknown_product()
    stub = {"id": ghost, "name": "Deleted product", "productCode": f"GONE{fz.n}", "displayName": "Deleted product"}
    fz.patch("transaction", transaction["id"], lines={"0": {"render": {"product": stub}}})
    fz.expect_adjustment(
        transaction,
        {**product, "productCode": stub["productCode"]},
        "adjustment_unknown_product",
        part=1,
        product_id=ghost,
    )


def adjustment_product_detail_500(fz: Fuzz) -> None:
    product = fz.product()  # a good product: its own row syncs (the list works), its detail does not
    transaction, _ = fz.adjustment(product, fz.rng.randint(1, 9))
    fz.fail_route(f"/openboxes/api/products/{product['id']}", 500)
    fz.expect_adjustment(transaction, product, "adjustment_product_detail_500", part=1)


def adjustment_zero_difference(fz: Fuzz) -> None:
    transaction, product = fz.adjustment(fz.rng.choice(fz.priced), 0)
    fz.expect_adjustment(transaction, product, "adjustment_zero_difference", SKIPPED)


def adjustment_difference_wrong_type(fz: Fuzz) -> None:
    transaction, product = fz.adjustment(fz.rng.choice(fz.priced), -3)
    fz.patch("transaction", transaction["id"], lines={"0": {"render": {"quantityDifference": "minus drei"}}})
    fz.expect_adjustment(transaction, product, "adjustment_difference_wrong_type", part=2)


def adjustment_huge_difference(fz: Fuzz) -> None:
    transaction, product = fz.adjustment(fz.rng.choice(fz.priced), fz.rng.randint(1_000_000, 3_000_000))
    fz.expect_adjustment(transaction, product, "adjustment_huge_difference", SYNCED)


MALFORMATIONS = (
    supplier_awkward_name,
    supplier_non_latin_name,
    product_non_latin_name,
    supplier_name_wrong_type,
    supplier_name_null,
    product_awkward_name,
    product_name_and_code_wrong_type,
    product_name_and_code_null,
    product_price_locale_string,
    product_price_wrong_type,
    po_negative_quantity,
    po_null_unit_price,
    po_negative_unit_price,
    po_quantity_wrong_type,
    po_missing_number,
    po_missing_currency,
    po_unknown_product,
    po_detail_500,
    po_items_html,
    po_price_other_locale,
    po_huge_quantity,
    shipment_unknown_product,
    shipment_detail_500,
    shipment_detail_html,
    shipment_product_without_price,
    shipment_quantity_wrong_type,
    shipment_negative_quantity,
    shipment_awkward_customer,
    shipment_huge_quantity,
    adjustment_unknown_product,
    adjustment_product_detail_500,
    adjustment_zero_difference,
    adjustment_difference_wrong_type,
    adjustment_huge_difference,
)
GOOD_MIX = (("supplier", 2), ("product", 3), ("purchase_order", 2), ("shipment", 2), ("adjustment", 1))


def _good_base(fz: Fuzz, good: int) -> list[str]:
    """The good records' entities in a seeded order; suppliers, products and customers to build on come first."""
    weights = dict(GOOD_MIX)
    counts = {entity: good * weight // sum(weights.values()) for entity, weight in GOOD_MIX}
    counts["product"] += good - sum(counts.values())
    entities = [entity for entity, count in counts.items() for _ in range(count)]
    fz.rng.shuffle(entities)
    return entities


def _good(fz: Fuzz, entity: str) -> None:
    if entity == "supplier":
        fz.suppliers.append(fz.supplier())
    elif entity == "product":
        fz.priced.append(fz.product())
    elif entity == "purchase_order":
        order = fz.purchase_order()
        fz.expect_order(order, "good", SYNCED)
    elif entity == "shipment":
        movement = fz.shipment()
        fz.expect_shipment(movement, "good", SYNCED)
    else:
        transaction, product = fz.adjustment(fz.rng.choice(fz.priced), fz.rng.choice([-1, 1]) * fz.rng.randint(1, 50))
        fz.expect_adjustment(transaction, product, "good", SYNCED)


def generate(
    sandbox: OpenBoxesSandbox, good: int = 100, bad: int = 100, seed: int = 11, exclude: tuple[str, ...] = ()
) -> list[Expected]:
    """Create ``good`` + ``bad`` records in the sandbox (after syncing was enabled); return their expectations.

    A few good suppliers, products and customers are made first so that documents have something to use;
    they count among the good records. Then good and malformed records are interleaved in a seeded order,
    the malformations cycling through :data:`MALFORMATIONS` (less those named in ``exclude``) so each one
    appears at small sizes too.
    """
    fz = Fuzz(sandbox, seed)
    sandbox.control("PATCH", "/users/admin", {"locale": LOCALE})
    seeds = ["supplier"] * 2 + ["product"] * 4
    for entity in seeds:
        _good(fz, entity)
    fz.customers += [fz.customer() for _ in range(3)]
    plan = [("good", entity) for entity in _good_base(fz, max(good - len(seeds), 0))]
    cases = [case for case in MALFORMATIONS if case.__name__ not in exclude]
    fz.rng.shuffle(cases)
    plan += [("bad", cases[i % len(cases)]) for i in range(bad)]
    fz.rng.shuffle(plan)
    for kind, what in plan:
        _good(fz, what) if kind == "good" else what(fz)
    return fz.expected
