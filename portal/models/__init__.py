"""Database models. Every table that belongs to a tenant carries ``tenant_id``."""

from portal.models.audit import AuditEvent
from portal.models.connections import OpenBoxesConnection, QuickBooksConnection
from portal.models.mapping import AccountMapping, OpenBoxesProduct, ProductLink
from portal.models.sync import EntityLink, SyncActivity, SyncRun, Watermark
from portal.models.tenancy import Tenant, User

__all__ = [
    "AccountMapping",
    "AuditEvent",
    "EntityLink",
    "OpenBoxesConnection",
    "OpenBoxesProduct",
    "ProductLink",
    "QuickBooksConnection",
    "SyncActivity",
    "SyncRun",
    "Tenant",
    "User",
    "Watermark",
]
