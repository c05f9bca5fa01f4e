"""Small builders for test rows (added to the session, committed by the caller)."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.models import Tenant, User
from portal.models.base import utcnow


def make_tenant(name: str, **fields) -> Tenant:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    tenant = Tenant(name=name, slug=slug, sync_enabled_at=utcnow(), **fields)
    db.session.add(tenant)
    return tenant


def make_user(email: str, role: str, tenant: Tenant | None, password: str) -> User:
    user = User(email=email, role=role, tenant=tenant)
    user.set_password(password)
    db.session.add(user)
    return user
