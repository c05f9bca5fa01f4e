"""A tenant's OpenBoxes connection: saving its settings (password write-only) and testing it."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import record_event
from portal.engine.connect import Result
from portal.engine.openboxes import openboxes_client
from portal.extensions import db
from portal.models import OpenBoxesConnection
from portal.models.base import utcnow
from portal.sync.errors import SyncError

MESSAGE_LENGTH = 500  # OpenBoxesConnection.last_check_message


def openboxes_connection_of(tenant_id: int) -> OpenBoxesConnection | None:
    return db.session.scalar(select(OpenBoxesConnection).filter_by(tenant_id=tenant_id))


def save_openboxes_settings(tenant_id: int, base_url: str, username: str, password: str, location_id: str) -> Result:
    """Create or update the connection; an empty ``password`` keeps the stored one."""
    connection = openboxes_connection_of(tenant_id)
    if connection is None and not password:
        return Result("Not saved: enter the OpenBoxes password of the integration user.", "error", tenant_id)
    if connection is None:
        connection = OpenBoxesConnection(tenant_id=tenant_id)
        db.session.add(connection)
    connection.base_url, connection.username = base_url.strip(), username.strip()
    connection.location_id = location_id.strip()
    if password:
        connection.password = password
    details = {"base_url": connection.base_url, "username": connection.username}
    details |= {"location_id": connection.location_id, "password_changed": bool(password)}
    record_event("openboxes.saved", tenant_id=tenant_id, details=details)  # never the password itself
    db.session.commit()
    return Result("OpenBoxes settings saved. Use 'Test connection' to check them.", "success", tenant_id)


def check_openboxes_connection(tenant_id: int) -> Result:
    """Log in with the stored settings and read the server; record and return what happened."""
    connection = openboxes_connection_of(tenant_id)
    if connection is None:
        return Result("OpenBoxes is not set up yet: enter its URL, user, password and location, then save.", "error")
    try:
        with openboxes_client(tenant_id) as client:
            context = client.check()
    except SyncError as error:
        result = Result(f"Connection failed: {error.message}", "error", tenant_id)
    else:
        location = context.location_name or connection.location_id
        result = Result(f"Connected to OpenBoxes {context.app_version}, location {location}.", "success", tenant_id)
    connection.last_checked_at = utcnow()
    connection.last_check_message = result.message[:MESSAGE_LENGTH]
    db.session.commit()
    return result
