"""Changes to users, products, suppliers and customer locations (used by the control API and seeding)."""

from __future__ import annotations

import re

from sandbox.openboxes.http import DomainError
from sandbox.openboxes.shapes import LOCATION_TYPES, person_name
from sandbox.openboxes.state import State

PRODUCT_FIELDS = (
    "productCode",
    "name",
    "description",
    "category",
    "unitOfMeasure",
    "pricePerUnit",
    "active",
    "lotAndExpiryControl",
)
ADDRESS_FIELDS = ("address", "address2", "city", "stateOrProvince", "postalCode", "country", "description")


def _check_product_code(state: State, code: str | None, own_id: str | None = None) -> None:
    if code is None:
        return
    for other in state.store.all("product"):
        if other["productCode"] == code and other["id"] != own_id:
            raise DomainError(f"productCode {code!r} is already used by product {other['id']}")


def create_product(state: State, fields: dict, at: int | None = None, username: str = "admin") -> dict:
    """A new product; ``name`` is required, ``productCode`` and ``pricePerUnit`` may be null."""
    if not fields.get("name"):
        raise DomainError("name is required")
    _check_product_code(state, fields.get("productCode"))
    at = state.clock.now_ts() if at is None else at
    product = {
        "id": fields.get("id") or state.new_id(),
        "productCode": None,
        "description": None,
        "category": "Medicines",
        "unitOfMeasure": "EA",
        "pricePerUnit": None,
        "active": True,
        "lotAndExpiryControl": False,
    }
    product.update({key: fields[key] for key in PRODUCT_FIELDS if key in fields})
    product.update(dateCreated=at, lastUpdated=at, updatedBy=person_name(state.store, username))
    return state.store.put("product", product)


def update_product(state: State, product_id: str, fields: dict, username: str = "admin") -> dict:
    """Edit a product (any Product field, including productCode and active); bumps lastUpdated."""
    product = require(state, "product", product_id)
    if "productCode" in fields:
        _check_product_code(state, fields["productCode"], product_id)
    product.update({key: fields[key] for key in PRODUCT_FIELDS if key in fields})
    product.update(lastUpdated=state.clock.now_ts(), updatedBy=person_name(state.store, username))
    return state.store.put("product", product)


def delete_product(state: State, product_id: str, deleted: bool = True) -> dict:
    """Delete a product behind OpenBoxes' back (a database edit): records that name it can no longer load it."""
    product = require(state, "product", product_id)
    product["deleted"] = deleted
    return state.store.put("product", product)


def corrupt(state: State, kind: str, record_id: str, damage: dict) -> dict:
    """Render a product or organization damaged from now on: ``{"set": {field: value}, "drop": [field]}``.

    ``{}`` repairs it.
    """
    record = require(state, kind, record_id)
    record["corrupt"] = {"set": dict(damage.get("set") or {}), "drop": list(damage.get("drop") or [])}
    return state.store.put(kind, record)


def is_deleted(product: dict | None) -> bool:
    """Whether the product is gone (unknown, or deleted by :func:`delete_product`)."""
    return product is None or bool(product.get("deleted"))


def bulk_create_products(state: State, count: int, prefix: str, same_second: bool) -> list[str]:
    """``count`` products named ``{prefix} {n}``, one second apart ending now (or all in one second)."""
    if not 0 < count <= 100_000:
        raise DomainError("count must be between 1 and 100000")
    now = state.clock.now_ts()
    start = state.next_number("bulk-batch")
    updated_by = person_name(state.store, "admin")
    ids = []
    for n in range(count):
        at = now if same_second else now - (count - 1 - n)
        code = f"BLK{start}-{n + 1:05d}"
        fields = {
            "name": f"{prefix} {n + 1:05d}",
            "productCode": code,
            "pricePerUnit": round(1 + n % 97 * 0.25, 2),
        }
        product = {
            "id": state.new_id(),
            "description": None,
            "category": "Supplies",
            "unitOfMeasure": "EA",
            "active": True,
            "lotAndExpiryControl": False,
            **fields,
            "dateCreated": at,
            "lastUpdated": at,
            "updatedBy": updated_by,
        }
        ids.append(state.store.put("product", product)["id"])
    return ids


def require(state: State, kind: str, record_id: str) -> dict:
    """A record that must exist (DomainError otherwise)."""
    record = state.store.get(kind, record_id)
    if record is None:
        raise DomainError(f"unknown {kind} {record_id}")
    return record


def _new_code(state: State, name: str) -> str:
    letters = re.sub(r"[^A-Z]", "", name.upper())[:3] or "ORG"
    return f"{letters}{state.next_number('organization-code'):03d}"


def create_organization(
    state: State, name: str, roles: list[str], code: str | None = None, at: int | None = None
) -> dict:
    """An Organization (Party) with the given roles; blank codes are generated like OpenBoxes does."""
    at = state.clock.now_ts() if at is None else at
    organization = {
        "id": state.new_id(),
        "name": name,
        "code": code or _new_code(state, name),
        "description": None,
        "roles": roles,
        "active": True,
        "dateCreated": at,
        "lastUpdated": at,
        "defaultLocationId": None,
    }
    return state.store.put("organization", organization)


def create_location(state: State, fields: dict, organization: dict, at: int | None = None) -> dict:
    """A Location of ``fields['locationTypeCode']`` belonging to ``organization``."""
    type_code = fields.get("locationTypeCode", "DEPOT")
    if type_code not in LOCATION_TYPES:
        raise DomainError(f"locationTypeCode must be one of {sorted(LOCATION_TYPES)}")
    at = state.clock.now_ts() if at is None else at
    location = {
        "id": state.new_id(),
        "name": fields["name"],
        "description": fields.get("description"),
        "locationNumber": fields.get("locationNumber"),
        "typeCode": type_code,
        "organizationId": organization["id"],
        "address": _address(fields.get("address")),
        "active": True,
        "dateCreated": at,
        "lastUpdated": at,
    }
    return state.store.put("location", location)


def _address(value: dict | None) -> dict | None:
    if not value:
        return None
    return {key: value.get(key) for key in ADDRESS_FIELDS}


def create_supplier(state: State, fields: dict, at: int | None = None) -> tuple[dict, dict]:
    """A supplier Organization (ROLE_SUPPLIER) and its SUPPLIER Location (which holds the address)."""
    if not fields.get("name"):
        raise DomainError("name is required")
    organization = create_organization(state, fields["name"], ["ROLE_SUPPLIER"], fields.get("code"), at)
    location_fields = {**fields, "locationTypeCode": "SUPPLIER"}
    location = create_location(state, location_fields, organization, at)
    organization["defaultLocationId"] = location["id"]
    state.store.put("organization", organization)
    return organization, location


def supplier_location(state: State, organization_id: str) -> dict | None:
    """The SUPPLIER location of a supplier organization."""
    for location in state.store.all("location"):
        if location["organizationId"] == organization_id and location["typeCode"] == "SUPPLIER":
            return location
    return None


def update_supplier(state: State, organization_id: str, fields: dict) -> dict:
    """Rename / recode a supplier, change its address, or (de)activate it (org and location)."""
    organization = require(state, "organization", organization_id)
    now = state.clock.now_ts()
    organization.update({key: fields[key] for key in ("name", "code", "description", "active") if key in fields})
    organization["lastUpdated"] = now
    state.store.put("organization", organization)
    location = supplier_location(state, organization_id)
    if location is not None:
        location.update({key: fields[key] for key in ("name", "active") if key in fields})
        if "address" in fields:
            location["address"] = _address(fields["address"])
        location["lastUpdated"] = now
        state.store.put("location", location)
    return organization


def create_customer(state: State, fields: dict, at: int | None = None) -> dict:
    """A customer destination: a Location (default type WARD) owned by a ROLE_CUSTOMER organization."""
    if not fields.get("name"):
        raise DomainError("name is required")
    organization = create_organization(
        state, fields.get("organizationName") or fields["name"], ["ROLE_CUSTOMER"], fields.get("code"), at
    )
    location = create_location(state, {"locationTypeCode": "WARD", **fields}, organization, at)
    organization["defaultLocationId"] = location["id"]
    state.store.put("organization", organization)
    return location


def update_user(state: State, username: str, fields: dict) -> dict:
    """Change a user's password, locale or active flag."""
    user = require(state, "user", username)
    user.update({key: fields[key] for key in ("password", "locale", "active") if key in fields})
    return state.store.put("user", user)
