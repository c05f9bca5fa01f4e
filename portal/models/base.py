"""Column types and mixins shared by the models."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ARRAY, CheckConstraint, DateTime, ForeignKey, Integer, any_, bindparam, func, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        # Naive values (e.g. from console date filters) are taken as UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def among(column, ids: Sequence[int], dialect: str):
    """``column`` is one of ``ids``, as ONE bound value however many ids (drivers cap the parameters of a
    statement, and compiling thousands of placeholders is slow): ``= ANY(array)`` on PostgreSQL, the
    ids as a JSON array read by ``json_each`` on SQLite."""
    listed = [int(pk) for pk in ids]
    if dialect == "postgresql":
        return column == any_(bindparam(None, listed, type_=ARRAY(Integer)))
    values = func.json_each(bindparam(None, json.dumps(listed))).table_valued("value")
    return column.in_(select(values.c.value))


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A named CHECK constraint limiting ``column`` to ``values`` (portable across SQLite and PostgreSQL)."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TenantOwned:
    """Rows that belong to one tenant; the console scopes every query by ``tenant_id``."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("tenant.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def tenant(cls):
        return relationship("Tenant")
