"""Who is acting, as stored: access decisions must not read values a form has just written."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.models import User


@dataclass(frozen=True)
class Actor:
    id: int
    role: str
    tenant_id: int | None

    @property
    def is_support(self) -> bool:
        return self.role == "support"


def acting_user() -> Actor:
    """The signed-in user's role and tenant as the database holds them.

    When a console form edits the signed-in user's own row, ``current_user`` *is* that row and already
    carries the submitted values; a column query without autoflush reads the stored ones instead.
    """
    with db.session.no_autoflush:
        row = db.session.execute(select(User.id, User.role, User.tenant_id).where(User.id == current_user.id)).one()
    return Actor(*row)
