"""Paging and sorting the way GORM criteria + MySQL do it: one sort column, no tie-breaker."""

from __future__ import annotations

from collections.abc import Callable

from flask import request


class UnknownSortProperty(Exception):
    """Hibernate's QueryException for ``sort`` naming a property the domain does not have."""


def int_param(name: str) -> int | None:
    """An integer query parameter, or None when absent or not a number (Grails ``params.int``)."""
    try:
        return int(request.args[name])
    except (KeyError, ValueError):
        return None


def paginate(rows: list, max_rows: int | None, offset: int | None) -> list:
    """``max``/``offset``: no (or non-positive) ``max`` means every row from ``offset``."""
    start = max(offset or 0, 0)
    if max_rows is None or max_rows <= 0:
        return rows[start:]
    return rows[start : start + max_rows]


def _sort_key(value: object) -> tuple:
    # MySQL puts NULL first when ascending; its default collation ignores case.
    if isinstance(value, str):
        value = value.casefold()
    return (value is not None, value if value is not None else 0)


def sort_rows(
    rows: list,
    sort: str | None,
    order: str | None,
    keys: dict[str, Callable[[dict], object]],
    default_order: str = "asc",
) -> list:
    """Sort by one named column (stable, so ties keep table order); ``sort`` None leaves rows as they are."""
    if not sort:
        return rows
    if sort not in keys:
        raise UnknownSortProperty(sort)
    descending = (order or default_order).lower() == "desc"
    key = keys[sort]
    return sorted(rows, key=lambda row: _sort_key(key(row)), reverse=descending)
