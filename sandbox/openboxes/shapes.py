"""JSON shapes of catalog objects as BootStrap / ``toJson()`` render them."""

from __future__ import annotations

from sandbox.openboxes.formats import iso_utc
from sandbox.openboxes.store import Store

LOCATION_TYPES = {
    "DEPOT": ("2", "Depot"),
    "WARD": ("3", "Ward"),
    "SUPPLIER": ("4", "Supplier"),
    "DISPENSARY": ("5", "Dispensary"),
    "CONSUMER": ("6", "Consumer"),
}
PAYMENT_TERMS = {
    "1": {"id": "1", "code": "NET30", "name": "Net 30", "description": None},
    "2": {"id": "2", "code": "NET60", "name": "Net 60", "description": None},
    "3": {"id": "3", "code": "PREPAID", "name": "Prepaid", "description": "Payment before shipment"},
}


def rendered(record: dict, shape: dict) -> dict:
    """``shape`` with the record's ``_render`` overrides: how the control API serves malformed fields
    (wrong types, nulls, odd strings) without changing what the sandbox stores and computes with."""
    overrides = record.get("_render")
    return {**shape, **overrides} if overrides else shape


def enum_object(enum_type: str, name: str) -> dict:
    """Grails' default EnumMarshaller rendering of a raw enum."""
    return {"enumType": enum_type, "name": name}


def person_name(store: Store, username: str | None) -> str | None:
    """A user's display name ("First Last"), as ``updatedBy``/``orderedBy`` show it."""
    user = store.get("user", username)
    return f"{user['firstName']} {user['lastName']}" if user else None


def person_json(store: Store, username: str) -> dict | None:
    """A Person as nested in stock movements (requestedBy) and report rows."""
    user = store.get("user", username)
    if user is None:
        return None
    name = f"{user['firstName']} {user['lastName']}"
    return {
        "id": user["id"],
        "name": name,
        "firstName": user["firstName"],
        "lastName": user["lastName"],
        "email": user["email"],
    }


def with_corruption(rendered: dict, record: dict) -> dict:
    """``rendered`` as a damaged database row would render it (``POST /_sandbox/{kind}/{id}/corrupt``)."""
    damage = record.get("corrupt") or {}
    fields = {key: value for key, value in rendered.items() if key not in damage.get("drop", [])}
    return {**fields, **damage.get("set", {})}


def product_json(product: dict) -> dict:
    """The BootStrap Product marshaller."""
    return with_corruption(rendered(product, _product_fields(product)), product)


def _product_fields(product: dict) -> dict:
    return {
        "id": product["id"],
        "productCode": product["productCode"],
        "name": product["name"],
        "description": product.get("description"),
        "category": product.get("category"),
        "unitOfMeasure": product.get("unitOfMeasure"),
        "pricePerUnit": product.get("pricePerUnit"),
        "dateCreated": iso_utc(product["dateCreated"]),
        "lastUpdated": iso_utc(product["lastUpdated"]),
        "updatedBy": product.get("updatedBy"),
        "color": None,
        "handlingIcons": [],
        "lotAndExpiryControl": product.get("lotAndExpiryControl", False),
        "active": product["active"],
        "displayNames": {},
    }


def product_stub(product: dict) -> dict:
    """The small product map nested in report rows and shipment items."""
    return {
        "id": product["id"],
        "name": product["name"],
        "productCode": product["productCode"],
        "displayName": product["name"],
    }


def location_type_json(type_code: str) -> dict:
    """LocationType as nested in Location JSON."""
    type_id, name = LOCATION_TYPES[type_code]
    return {"id": type_id, "name": name, "description": None, "locationTypeCode": type_code}


def location_base_json(store: Store, location: dict | None) -> dict | None:
    """The short Location JSON nested in stock movements and organizations."""
    if location is None:
        return None
    organization = store.get("organization", location.get("organizationId")) or {}
    return {
        "id": location["id"],
        "name": location["name"],
        "locationNumber": location.get("locationNumber"),
        "locationType": location_type_json(location["typeCode"]),
        "organizationName": organization.get("name"),
        "organizationCode": organization.get("code"),
        "active": location["active"],
    }


def location_json(store: Store, location: dict) -> dict:
    """``Location.toJson()``: addresses, but no lastUpdated."""
    organization = store.get("organization", location.get("organizationId"))
    org_json = {"id": organization["id"], "name": organization["name"], "code": organization["code"]}
    return {
        **location_base_json(store, location),
        "description": location.get("description"),
        "locationGroup": None,
        "parentLocation": None,
        "organization": org_json if organization else None,
        "manager": None,
        "address": location.get("address"),
        "supportedActivities": SUPPORTED_ACTIVITIES.get(location["typeCode"], []),
    }


SUPPORTED_ACTIVITIES = {
    "DEPOT": ["MANAGE_INVENTORY", "PLACE_ORDER", "SEND_STOCK", "RECEIVE_STOCK"],
    "SUPPLIER": ["FULFILL_ORDER"],
}


def report_facility_json(location: dict) -> dict:
    """The facility map inside inventory-transactions-summary rows."""
    return {
        "id": location["id"],
        "name": location["name"],
        "locationNumber": location.get("locationNumber"),
        "active": location["active"],
        "locationType": location_type_json(location["typeCode"]),
        "locationTypeCode": location["typeCode"],
    }


def organization_json(store: Store, organization: dict) -> dict:
    """``Organization.toJson()``: no address, no active flag."""
    return with_corruption(_organization_fields(store, organization), organization)


def _organization_fields(store: Store, organization: dict) -> dict:
    default_location = store.get("location", organization.get("defaultLocationId"))
    return rendered(
        organization,
        {
            "id": organization["id"],
            "name": organization["name"],
            "displayName": f"{organization['code']} - {organization['name']}",
            "description": organization.get("description"),
            "code": organization["code"],
            "dateCreated": iso_utc(organization["dateCreated"]),
            "lastUpdated": iso_utc(organization["lastUpdated"]),
            "defaultLocation": location_base_json(store, default_location),
            "partyType": {"id": "1", "name": "Organization", "code": "ORG", "partyTypeCode": "ORGANIZATION"},
            "roles": [role_json(organization, role) for role in organization["roles"]],
            "sequences": {},
        },
    )


def role_json(organization: dict, role_type: str) -> dict:
    """One PartyRole of an organization."""
    return {
        "id": f"{organization['id'][:24]}{role_type[-8:]}",
        "roleType": role_type,
        "startDate": None,
        "endDate": None,
    }
