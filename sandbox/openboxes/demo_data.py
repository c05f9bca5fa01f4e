"""Seeded data sets: "empty" (users and facilities) and "demo" (90 days of activity with hard cases)."""

from __future__ import annotations

import random

from sandbox.openboxes import catalog, movements, orders
from sandbox.openboxes.demo_activity import build_adjustments, build_orders, build_shipments
from sandbox.openboxes.demo_names import (
    CUSTOMERS,
    HARD_PRODUCT_NAMES,
    HARD_SUPPLIER_NAMES,
    SAME_NAME,
    address,
    ordinary_product_names,
    ordinary_supplier_names,
)
from sandbox.openboxes.state import State

DAY = 86400
DATA_SETS = ("demo", "empty")
USERS = (
    ("admin", "password", "admin@example.org", "Jane", "Doe", "en", True),
    ("integration-bot", "s3cret", "integration-bot@example.org", "Integration", "Bot", "en", True),
    ("francoise", "password", "francoise@example.org", "Françoise", "Martin", "fr", True),
    ("inactive", "password", "inactive@example.org", "Inactive", "User", "en", False),
)
USER_FIELDS = ("id", "password", "email", "firstName", "lastName", "locale", "active")


def seed(state: State, data_set: str) -> None:
    """Fill an empty store with ``data_set``; deterministic for ``state.options.seed``."""
    if data_set not in DATA_SETS:
        raise ValueError(f"unknown data set {data_set!r}; use one of {DATA_SETS}")
    anchor = state.clock.now_ts() - 3600
    _seed_base(state, anchor - 120 * DAY)
    if data_set == "demo":
        DemoBuilder(state, random.Random(state.options.seed), anchor).build()
    orders.refresh_all(state)
    state.store.flush()


def _seed_base(state: State, at: int) -> None:
    """Users, our organization, the main facility and a second depot."""
    for user in USERS:
        state.store.put("user", dict(zip(USER_FIELDS, user, strict=True)))
    own = catalog.create_organization(state, "Bridge Demo Health", ["ROLE_ORGANIZATION"], "BDH", at)
    main = {
        "name": "Main Warehouse",
        "locationNumber": "MW",
        "locationTypeCode": "DEPOT",
        "address": address(0),
    }
    facility = catalog.create_location(state, main, own, at)
    north = {"name": "North Depot", "locationNumber": "ND", "locationTypeCode": "DEPOT"}
    second = catalog.create_location(state, north, own, at)
    own["defaultLocationId"] = facility["id"]
    state.store.put("organization", own)
    config = {"facilityId": facility["id"], "organizationId": own["id"], "secondFacilityId": second["id"]}
    state.store.put("meta", {"id": "config", **config})
    state.store.put("meta", {"id": "hard_cases", "cases": {}})


class DemoBuilder:
    """Builds the "demo" data set: 300 products, 40 suppliers, 200 POs, 150 shipments, 100 adjustments."""

    def __init__(self, state: State, rng: random.Random, anchor: int) -> None:
        self.state, self.rng, self.anchor = state, rng, anchor
        self.products: list[dict] = []
        self.suppliers: list[dict] = []
        self.customers: list[dict] = []
        self.same_name_supplier: dict = {}

    def case(self, name: str, kind: str, ids: list[str], note: str) -> None:
        """Record a hard case so tests can find it through GET /_sandbox/hard-cases."""
        cases = self.state.meta("hard_cases")
        cases["cases"][name] = {"kind": kind, "ids": ids, "note": note}
        self.state.store.put("meta", cases)

    def past(self, max_days: float = 90, min_seconds: int = 3600) -> int:
        """A random moment in the last ``max_days`` (at least ``min_seconds`` before the anchor)."""
        return self.anchor - self.rng.randint(min_seconds, int(max_days * DAY))

    def build(self) -> None:
        """Everything, in dependency order."""
        self.build_products()
        self.build_suppliers()
        self.build_customers()
        build_orders(self)
        build_shipments(self)
        build_adjustments(self)

    # --- products ---------------------------------------------------------------------------------

    def product(self, name: str, code: str | None = "auto", price: float | None = -1.0) -> dict:
        """One product created in the past (code and price generated unless given; None allowed)."""
        created = self.past(90, 2 * DAY)
        fields = {
            "name": name,
            "productCode": f"P{len(self.products) + 1:04d}" if code == "auto" else code,
            "pricePerUnit": round(self.rng.uniform(0.05, 120), 2) if price == -1.0 else price,
            "category": self.rng.choice(("Medicines", "Supplies", "Equipment", "Lab")),
            "unitOfMeasure": self.rng.choice(("EA", "BX", "PK")),
        }
        product = catalog.create_product(self.state, fields, at=created)
        if self.rng.random() < 0.5:
            product["lastUpdated"] = self.rng.randint(created, self.anchor - 3600)
        self.products.append(product)
        return product

    def build_products(self) -> None:
        """Hard-case products first, then ordinary ones up to 300, each with stock at the main facility."""
        for case, (names, note) in HARD_PRODUCT_NAMES.items():
            self.case(case, "product", [self.product(name)["id"] for name in names], note)
        self.hard_case_product_values()
        self.hard_case_product_history()
        names = ordinary_product_names()
        self.rng.shuffle(names)
        for name in names[: 300 - len(self.products)]:
            self.product(name)
        facility = self.state.meta("config")["facilityId"]
        for product in self.products:
            movements.set_stock(self.state, facility, product["id"], self.rng.randint(500, 5000))

    def hard_case_product_values(self) -> None:
        """Products without a code, without a price, without both, and with price 0."""
        no_code = [self.product(f"Uncoded item {i}", code=None)["id"] for i in range(1, 4)]
        self.case("product_without_code", "product", no_code, "productCode is null")
        no_price = [self.product(f"Donated item {i}", price=None)["id"] for i in range(1, 4)]
        self.case("product_without_price", "product", no_price, "pricePerUnit is null")
        both = self.product("Unlabelled donation", code=None, price=None)["id"]
        self.case("product_without_code_and_price", "product", [both], "no productCode and no pricePerUnit")
        free = self.product("Free sample sachet", price=0.0)["id"]
        self.case("product_zero_price", "product", [free], "pricePerUnit is 0")

    def hard_case_product_history(self) -> None:
        """Inactive products, a shared lastUpdated second and an edited productCode."""
        inactive = [self.product(f"Discontinued item {i}") for i in range(1, 5)]
        for product in inactive:
            product.update(active=False, lastUpdated=self.past(20))
        ids = [p["id"] for p in inactive]
        self.case("product_inactive", "product", ids, "active=false (listed only with includeInactive=true)")
        shared = self.past(30)
        same = [self.product(f"Batch-imported item {i}") for i in range(1, 7)]
        for product in same:
            product["lastUpdated"] = shared
        # Relative, not the instant itself: the data set (notes included) is the same for a seed whenever seeded.
        note = f"all have the same lastUpdated second, {(self.anchor - shared) // 3600} hours before seeding"
        self.case("product_same_last_updated", "product", [p["id"] for p in same], note)
        edited = self.product("Relabelled gauze roll", code="OLD-GZ1")
        edited.update(productCode="GZ-0001", lastUpdated=self.past(10))
        self.case("product_code_edited", "product", [edited["id"]], "productCode changed from OLD-GZ1 to GZ-0001")

    # --- suppliers and customers ------------------------------------------------------------------

    def supplier(self, name: str, with_address: bool = True) -> dict:
        """A supplier organization (with its SUPPLIER location) created before the 90 days of activity."""
        fields = {"name": name, "address": address(len(self.suppliers)) if with_address else None}
        organization, _ = catalog.create_supplier(self.state, fields, at=self.past(110, 95 * DAY))
        if self.rng.random() < 0.3:
            organization["lastUpdated"] = self.past(60)
        self.suppliers.append(organization)
        return organization

    def build_suppliers(self) -> None:
        """Hard-case suppliers, then ordinary ones up to 40."""
        for case, (names, note) in HARD_SUPPLIER_NAMES.items():
            self.case(case, "organization", [self.supplier(name)["id"] for name in names], note)
        no_address = self.supplier("Ad-hoc Local Vendor", with_address=False)["id"]
        self.case("supplier_without_address", "organization", [no_address], "its SUPPLIER location has no address")
        inactive = self.supplier("Defunct Supplies Co")
        catalog.update_supplier(self.state, inactive["id"], {"active": False})
        inactive["lastUpdated"] = self.past(15)
        note = "inactive: still in /api/organizations (which shows no active flag), not in /api/locations"
        self.case("supplier_inactive", "organization", [inactive["id"]], note)
        self.same_name_supplier = self.supplier(SAME_NAME)
        names = ordinary_supplier_names()
        self.rng.shuffle(names)
        for name in names[: 40 - len(self.suppliers)]:
            self.supplier(name)

    def build_customers(self) -> None:
        """Destination locations; the first shares its name with a supplier."""
        for n, name in enumerate(CUSTOMERS):
            type_code = ("WARD", "DEPOT", "DISPENSARY")[n % 3]
            fields = {"name": name, "locationTypeCode": type_code, "address": address(n + 3)}
            self.customers.append(catalog.create_customer(self.state, fields, at=self.past(110, 95 * DAY)))
        location = catalog.supplier_location(self.state, self.same_name_supplier["id"])
        ids = [self.same_name_supplier["id"], location["id"], self.customers[0]["id"]]
        note = f"supplier organization, its SUPPLIER location and a customer location, all named {SAME_NAME!r}"
        self.case("supplier_customer_same_name", "organization,location,location", ids, note)
