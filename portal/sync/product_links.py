"""Product ↔ item link states, and which existing QuickBooks item a product matches.

Pure: products are ``{"id", "code", "name"}``, items compact dicts ``{"id", "name", "sku", "active"}``,
links ``{"item_id", "method"}``, and ``owners`` maps an item id to the products linked to it
(OpenBoxes product id → how people know it, e.g. ``ABC-1 'Gauze'``).

States: ``linked`` (matched or linked by hand), ``auto_created`` (created by us), ``unlinked``, and
``conflict``: a QuickBooks item with this product's Sku is linked to another product, an item has this
name but another Sku, or two products share one item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from portal.sync.mappers import ITEM_NAME_MAX
from portal.sync.names import fit_name

STATES = ("linked", "auto_created", "unlinked", "conflict")


@dataclass(frozen=True)
class Match:
    """The item a product would be linked to (``item``), or why it cannot be (``conflict``)."""

    item: Mapping | None = None
    basis: str = ""
    conflict: str = ""


def _key(text: str | None) -> str:
    return (text or "").strip().lower()


class ItemIndex:
    """Items by Sku and by name (QuickBooks compares both without case)."""

    def __init__(self, items: Iterable[Mapping]) -> None:
        self.by_id, self.by_sku, self.by_name = {}, {}, {}
        for item in items:
            self.by_id[item["id"]] = item
            if item.get("sku"):
                self.by_sku.setdefault(_key(item["sku"]), []).append(item)
            self.by_name.setdefault(_key(item["name"]), item)


def _others(owners: Mapping[str, Mapping[str, str]], item_id: str, pid: str) -> list[str]:
    """Labels of the products other than ``pid`` linked to ``item_id``."""
    return sorted(label for other, label in owners.get(item_id, {}).items() if other != pid)


def find_match(product: Mapping, index: ItemIndex, owners: Mapping[str, Mapping[str, str]]) -> Match:
    """Same Sku first (active items before inactive), else same name when the item has no other Sku."""
    code, pid = product.get("code"), str(product["id"])
    same_sku = sorted(index.by_sku.get(_key(code), []) if code else [], key=lambda i: not i.get("active", True))
    for item in same_sku:
        if not _others(owners, item["id"], pid):
            return Match(item, "sku")
    if same_sku:
        return Match(conflict=_describe_taken(same_sku[0], owners, pid))
    item = index.by_name.get(_key(fit_name(product.get("name") or code or "", ITEM_NAME_MAX)))
    if item is None:
        return Match()
    if item.get("sku") and code and _key(item["sku"]) != _key(code):
        return Match(conflict=f"QuickBooks item '{item['name']}' has this name but Sku {item['sku']}: link by hand")
    if _others(owners, item["id"], pid):
        return Match(conflict=_describe_taken(item, owners, pid))
    return Match(item, "name")


def _describe_taken(item: Mapping, owners: Mapping[str, Mapping[str, str]], pid: str) -> str:
    other = _others(owners, item["id"], pid)[0]
    return f"QuickBooks item '{item['name']}' is already linked to product {other}: unlink it there first"


def link_state(
    product: Mapping, link: Mapping | None, index: ItemIndex, owners: Mapping[str, Mapping[str, str]]
) -> tuple[str, str]:
    """(state, note) of one product; the note says what a person can do about it."""
    pid = str(product["id"])
    if link is None:
        match = find_match(product, index, owners)
        if match.conflict:
            return "conflict", match.conflict
        if match.item is not None:
            return "unlinked", f"Match by SKU would link it to '{match.item['name']}' (same {match.basis})"
        return "unlinked", ""
    shared = _others(owners, link["item_id"], pid)
    if shared:
        return "conflict", f"Its QuickBooks item is also linked to product {shared[0]}: unlink one of them"
    item = index.by_id.get(link["item_id"])
    note = "" if item is None or item.get("active", True) else "The QuickBooks item is inactive"
    return ("auto_created" if link["method"] == "auto_created" else "linked"), note
