"""The tenant's OpenBoxes client, and turning its records into JSON snapshots."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_request_context
from sqlalchemy import select

from portal.clients.openboxes import OpenBoxesClient
from portal.extensions import db
from portal.models import OpenBoxesConnection
from portal.sync.errors import Permanent


def openboxes_client(tenant_id: int, deadline: float | None = None) -> OpenBoxesClient:
    """A client for the tenant's OpenBoxes connection (``deadline``: seconds for all its requests together).

    Inside a console request (Load products, Start syncing) the deadline is never open-ended: a slow or
    silent OpenBoxes must not hold a web worker past gunicorn's timeout. Raises Permanent when none is
    configured.
    """
    if deadline is None and has_request_context():
        deadline = current_app.config["OPENBOXES_TEST_TIMEOUT_SECONDS"]
    connection = db.session.scalar(select(OpenBoxesConnection).filter_by(tenant_id=tenant_id))
    if connection is None:
        raise Permanent("OpenBoxes is not connected for this tenant: set it up under Settings › OpenBoxes")
    return OpenBoxesClient(
        connection.base_url,
        connection.username,
        connection.password,
        connection.location_id,
        deadline=deadline,
        allow_private_networks=current_app.config["OPENBOXES_ALLOW_PRIVATE_NETWORKS"],
    )


def jsonable(value):
    """A copy of ``value`` that JSON can store: datetimes as ISO strings, Decimals as strings."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
