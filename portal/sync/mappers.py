"""Name-list mappers: supplier → Vendor, destination → Customer, product → Item (pure, no I/O).

Clash rules (QuickBooks keeps DisplayName unique across Vendor, Customer and Employee, and Item
names unique among items):

* The caller creates with ``clash=False``. On 6240 it looks the name up in all three types,
  inactive included. Same type (a Vendor for a vendor) ⇒ link it. Other type ⇒ create again with
  ``clash=True``: a customer becomes ``"<name> (customer)"``, a vendor ``"<name> (supplier)"``.
  If that name is taken too, the holder of the suffixed name of the right type is linked.
* Items: on 6240, an item with the same Sku is linked; otherwise create again with ``clash=True``,
  which appends `` [<productCode>]`` (or `` [#<first 8 of id>]`` without a code).
* A supplier billed in a foreign currency gets its own vendor ``"<name> (EUR)"`` with that
  currency (QuickBooks fixes a vendor's currency at creation), keyed by ``refs.vendor_key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.sync.dates import local_date, parse_openboxes_datetime
from portal.sync.errors import Permanent, Transient, describe_no_multicurrency, describe_record
from portal.sync.money import json_number, to_decimal, unit_price
from portal.sync.names import clean_text, fit_name, with_suffix
from portal.sync.refs import Refs

DISPLAY_NAME_MAX = 500
COMPANY_NAME_MAX = 100
ITEM_NAME_MAX = 100
SKU_MAX = 100
DESCRIPTION_MAX = 4000
EARLIEST_INV_START = date(2000, 1, 1)
CUSTOMER_SUFFIX = " (customer)"
VENDOR_SUFFIX = " (supplier)"
# Fields QuickBooks fixes at creation (or treats specially on update): never sent in updates.
CREATE_ONLY = frozenset({"InvStartDate", "QtyOnHand", "TrackQtyOnHand", "Type", "CurrencyRef"})
ADDRESS_FIELDS = (
    ("address", "Line1", 500),
    ("address2", "Line2", 500),
    ("city", "City", 255),
    ("stateOrProvince", "CountrySubDivisionCode", 255),
    ("postalCode", "PostalCode", 30),
    ("country", "Country", 255),
)


@dataclass(frozen=True)
class Mapped:
    """A QuickBooks create body plus what the caller needs around it.

    Attributes:
        entity: QuickBooks entity name (``"Vendor"``, ``"PurchaseOrder"``…); lower-case it for the URL.
        payload: JSON-ready body (numbers are int/float, never Decimal).
        lookup: Natural key to find an existing object before creating again
            (``{"DisplayName": …}``, ``{"Name": …, "Sku": …}``, ``{"DocNumber": …}``).
        amount: Document total in its own currency (transactions), else None.
    """

    entity: str
    payload: dict
    lookup: dict
    amount: Decimal | None = None


def supplier_to_vendor(
    organization: Mapping,
    location: Mapping | None,
    refs: Refs,
    *,
    currency: str | None = None,
    clash: bool = False,
) -> Mapped:
    """Vendor for an OpenBoxes supplier Organization, addressed from its SUPPLIER Location.

    Args:
        organization: ``/api/organizations`` element (``id``, ``name``, ``code``…).
        location: The supplier's Location JSON (its ``address``), or None.
        refs: Company facts; ``multicurrency`` decides whether CurrencyRef is sent.
        currency: The vendor's currency when it is not the home currency (foreign-currency POs).
        clash: Apply the vendor suffix rule after a 6240 against a Customer/Employee.
    """
    name = organization.get("name") or organization.get("code") or ""
    display = fit_name(name, DISPLAY_NAME_MAX) or f"Supplier {organization.get('id')}"
    foreign = currency not in (None, refs.home_currency)
    if foreign and not refs.multicurrency:
        raise Permanent(describe_no_multicurrency(describe_record("Supplier", None, name), currency))
    if foreign:
        display = with_suffix(display, f" ({currency})", DISPLAY_NAME_MAX)
    if clash:
        display = with_suffix(display, VENDOR_SUFFIX, DISPLAY_NAME_MAX)
    payload = _party(display, name)
    _add_address(payload, "BillAddr", location)
    if refs.multicurrency:
        payload["CurrencyRef"] = {"value": currency or refs.home_currency}
    return Mapped("Vendor", payload, {"DisplayName": display})


def destination_to_customer(location: Mapping, refs: Refs, *, clash: bool = False) -> Mapped:
    """Customer for the destination Location of an outbound shipment.

    Args:
        location: Location JSON (``id``, ``name``, ``organizationName``, ``address``).
        refs: Company facts.
        clash: Apply the `` (customer)`` suffix after a 6240 against a Vendor/Employee.
    """
    name = location.get("name") or ""
    display = fit_name(name, DISPLAY_NAME_MAX) or f"Location {location.get('id')}"
    if clash:
        display = with_suffix(display, CUSTOMER_SUFFIX, DISPLAY_NAME_MAX)
    payload = _party(display, location.get("organizationName") or name)
    _add_address(payload, "BillAddr", location)
    _add_address(payload, "ShipAddr", location)
    if refs.multicurrency:
        payload["CurrencyRef"] = {"value": refs.home_currency}
    return Mapped("Customer", payload, {"DisplayName": display})


def product_to_item(product: Mapping, refs: Refs, *, clash: bool = False) -> Mapped:
    """Item for an OpenBoxes product: Inventory on Plus/Advanced, else NonInventory.

    Args:
        product: ``/api/products`` element.
        refs: Plan, account mappings (inventory_purchases, outbound_revenue, inventory_asset).
        clash: Apply the item suffix rule after a 6240 against an item with another Sku.

    Raises:
        MissingReference: A required account role is not mapped.
    """
    code = product.get("productCode") or None
    full_name = product.get("name") or code or ""
    name = fit_name(full_name, ITEM_NAME_MAX) or fit_name(code or f"Product {product.get('id')}", ITEM_NAME_MAX)
    if clash:
        tag = code or f"#{str(product.get('id'))[:8]}"
        name = with_suffix(name, f" [{clean_text(tag, 40)}]", ITEM_NAME_MAX)
    payload: dict = {"Name": name}
    if code:
        payload["Sku"] = clean_text(code, SKU_MAX)
    description = _item_description(full_name, name, product.get("description"))
    if description:
        payload["Description"] = description
    _add_prices(payload, product)
    payload.update(_item_type_fields(product, refs))
    if product.get("active") is False:
        payload["Active"] = False
    return Mapped("Item", payload, {"Name": name, **({"Sku": payload["Sku"]} if code else {})})


OPENING_PENDING = (
    "Opening stock is on, but OpenBoxes' quantities at the start have not been read yet: "
    "the next poll reads them, then this item is created with its opening quantity; the sync will retry"
)


def _item_type_fields(product: Mapping, refs: Refs) -> dict:
    if not refs.tracks_inventory:
        fields = {"Type": "NonInventory", "ExpenseAccountRef": refs.account("inventory_purchases")}
        income = refs.optional_account("outbound_revenue")
        return fields | ({"IncomeAccountRef": income} if income else {})
    quantity = Decimal(0)
    if refs.opening is not None and refs.opening.pending:
        raise Transient(OPENING_PENDING)
    if refs.opening is not None:  # on hand at the start, net of what the bridge will post (``portal.sync.opening``)
        quantity = max(refs.opening.quantities.get(str(product.get("id")), Decimal(0)), Decimal(0))
    return {
        "Type": "Inventory",
        "TrackQtyOnHand": True,
        "QtyOnHand": json_number(quantity),
        "InvStartDate": inventory_start_date(product, refs).isoformat(),
        "IncomeAccountRef": refs.account("outbound_revenue"),
        "ExpenseAccountRef": refs.account("inventory_purchases"),
        "AssetAccountRef": refs.account("inventory_asset"),
    }


def inventory_start_date(product: Mapping, refs: Refs) -> date:
    """InvStartDate: the product's creation day (tenant zone), or ``refs.inventory_start_date`` if earlier.

    QuickBooks refuses inventory documents dated before it (6270). OpenBoxes documents for a product
    come after its creation except backdated ones, which ``refs.inventory_start_date`` covers. The
    opening quantity is 0, so an early start date posts nothing. With opening stock on (``refs.opening``)
    the date stays this early too: a PurchaseOrder dated by its order date, before the start, would meet
    6270 otherwise; the quantity QuickBooks ends with is the same whatever the date.
    """
    created = parse_openboxes_datetime(product.get("dateCreated"), refs.server_timezone)
    day = local_date(created, refs.timezone) if created else None
    floor = refs.inventory_start_date
    candidates = [d for d in (day, floor) if d is not None]
    return min(candidates) if candidates else EARLIEST_INV_START


def _item_description(full_name: str, name: str, description: object) -> str:
    """Keep the full product name when Name had to be shortened or cleaned."""
    parts = [clean_text(full_name, DESCRIPTION_MAX)] if clean_text(full_name, DESCRIPTION_MAX) != name else []
    if description:
        parts.append(str(description))
    return clean_text(" — ".join(parts), DESCRIPTION_MAX)


def _add_prices(payload: dict, product: Mapping) -> None:
    try:
        price = to_decimal(product.get("pricePerUnit"))
    except ValueError as exc:
        what = describe_record("Product", product.get("productCode"), product.get("name"))
        raise Permanent(f"{what} has an unreadable price per unit: correct it in OpenBoxes, then retry") from exc
    if price is not None and price >= 0:
        payload["UnitPrice"] = payload["PurchaseCost"] = json_number(unit_price(price))


def _party(display: str, company: str) -> dict:
    fields = {"DisplayName": display, "CompanyName": clean_text(company, COMPANY_NAME_MAX)}
    return {key: value for key, value in fields.items() if value}


def _add_address(payload: dict, key: str, location: Mapping | None) -> None:
    address = (location or {}).get("address") or {}
    fields = {qbo: clean_text(str(address[ob]), limit) for ob, qbo, limit in ADDRESS_FIELDS if address.get(ob)}
    if fields:
        payload[key] = fields


def sparse_update(mapped: Mapped, qbo_id: str, sync_token: str) -> dict:
    """A sparse update body for a Vendor/Customer/Item already in QuickBooks.

    Drops what QuickBooks fixes at creation (``CREATE_ONLY``): the item type and inventory start,
    opening quantity and the currency.
    """
    body = {key: value for key, value in mapped.payload.items() if key not in CREATE_ONLY}
    return {"Id": str(qbo_id), "SyncToken": str(sync_token), "sparse": True, **body}
