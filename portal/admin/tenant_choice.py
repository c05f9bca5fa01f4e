"""Which tenant a settings page works on: a tenant admin's own, or (support) the one picked with ``tenant``.

Same convention as the connection pages: a tenant admin's ``tenant`` value is ignored (they can only
ever reach their own tenant); support staff pick one with ``?tenant=<id>`` (forms carry it as a hidden
field) and get an overview or a chooser without one.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.admin.base import db_int
from portal.extensions import db
from portal.models import Tenant


def chosen_tenant() -> Tenant | None:
    """The tenant of this request, or None when a support user has not picked one (or picked none that exists)."""
    if not current_user.is_support:
        return db.session.get(Tenant, current_user.tenant_id)
    picked = db_int(request.values.get("tenant", ""))
    return None if picked is None else db.session.get(Tenant, picked)


def tenant_options() -> list[Tenant]:
    """Tenants a support user can pick (a tenant admin never sees the chooser)."""
    if not current_user.is_support:
        return []
    return list(db.session.scalars(select(Tenant).order_by(Tenant.name)))


def url_for_tenant(endpoint: str, tenant: Tenant | None, **params) -> str:
    """The address of ``endpoint`` for ``tenant`` (support keeps the pick in the URL)."""
    picked = tenant.id if (tenant is not None and current_user.is_support) else None
    return url_for(endpoint, tenant=picked, **params)


def back_to(endpoint: str, tenant: Tenant | None, **params):
    """Redirect to ``endpoint`` for ``tenant`` (support keeps the pick in the URL)."""
    return redirect(url_for_tenant(endpoint, tenant, **params))
