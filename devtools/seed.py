"""Seed a tenant connected to both sandboxes: the one way tests, the demo and the bench set one up.

Runs inside an app context. The QuickBooks tokens come from the sandbox's control API instead of
Intuit's consent page; the account mappings are the suggested ones of the sandbox's chart.
"""

from __future__ import annotations

from devtools.sandboxes import OpenBoxesSandbox, QuickBooksSandbox
from portal.extensions import db
from portal.models import AccountMapping, OpenBoxesConnection, QuickBooksConnection, Tenant
from portal.models.base import utcnow
from portal.qbo_tokens import store_token_response
from portal.services.enable import enable_sync
from sandbox.quickbooks.companies import SUGGESTED_MAPPINGS

# What the sandbox's Plus company is, as the console would read it after connecting.
PLUS_COMPANY = {"plan": "Plus", "home_currency": "USD", "multicurrency": False}


def connect_openboxes(tenant: Tenant, sandbox: OpenBoxesSandbox) -> OpenBoxesConnection:
    """Give ``tenant`` an OpenBoxes connection to the sandbox's admin user at its main facility (not committed)."""
    connection = OpenBoxesConnection(
        tenant=tenant, base_url=sandbox.url, username="admin", password="password", location_id=sandbox.facility_id()
    )
    db.session.add(connection)
    return connection


def connect_quickbooks(tenant: Tenant, sandbox: QuickBooksSandbox, **fields: object) -> QuickBooksConnection:
    """Give ``tenant`` a QuickBooks connection to ``sandbox.realm`` holding fresh sandbox tokens (not committed)."""
    fields.setdefault("status", "connected")
    connection = QuickBooksConnection(tenant=tenant, realm_id=sandbox.realm, **fields)
    store_token_response(connection, sandbox.tokens(), utcnow())
    db.session.add(connection)
    return connection


def map_accounts(tenant: Tenant) -> None:
    """Map every account role to the sandbox chart's suggested account (not committed)."""
    db.session.add_all(
        AccountMapping(tenant=tenant, role=role, qbo_account_id=qbo_id, account_number=number, account_name=name)
        for role, (qbo_id, number, name) in SUGGESTED_MAPPINGS.items()
    )


def seed_connected_tenant(
    tenant: Tenant,
    openboxes: OpenBoxesSandbox,
    quickbooks: QuickBooksSandbox,
    enable: bool = True,
    **company: object,
) -> QuickBooksConnection:
    """Connect ``tenant`` to both sandboxes (a Plus company unless ``company`` says otherwise), map its
    accounts, commit, and enable syncing from now when ``enable``; return the QuickBooks connection."""
    connect_openboxes(tenant, openboxes)
    connection = connect_quickbooks(tenant, quickbooks, **{**PLUS_COMPANY, **company})
    map_accounts(tenant)
    db.session.commit()
    if enable:
        enable_sync(tenant.id)
    return connection
