"""Database models. Every table that belongs to a tenant carries ``tenant_id``."""

from portal.models.audit import AuditEvent
from portal.models.connections import OpenBoxesConnection, QuickBooksConnection
from portal.models.mapping import AccountMapping, ProductLink
from portal.models.sync import EntityLink, SyncActivity, SyncRun, Watermark
from portal.models.tenancy import Tenant, User

__all__ = [
    "AccountMapping",
    "AuditEvent",
    "EntityLink",
    "OpenBoxesConnection",
    "ProductLink",
    "QuickBooksConnection",
    "SyncActivity",
    "SyncRun",
    "Tenant",
    "User",
    "Watermark",
]
