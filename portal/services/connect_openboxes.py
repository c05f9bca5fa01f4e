"""A tenant's OpenBoxes connection: saving its settings (password write-only) and testing it."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from redis.exceptions import LockError
from sqlalchemy import select

from portal.audit import record_event
from portal.clients import netguard
from portal.clients.openboxes import (
    OpenBoxesAuthFailed,
    OpenBoxesError,
    OpenBoxesLocationUnavailable,
    OpenBoxesUnreachable,
    OpenBoxesUnsafeUrl,
)
from portal.clients.openboxes_errors import SETTINGS
from portal.clients.openboxes_http import split_base_url
from portal.engine.openboxes import openboxes_client
from portal.extensions import db
from portal.models import OpenBoxesConnection
from portal.models.base import utcnow
from portal.redis_conn import get_redis
from portal.services.connect import Result
from portal.sync.errors import SyncError

MESSAGE_LENGTH = 500  # OpenBoxesConnection.last_check_message
LOCK_MARGIN_SECONDS = 15  # the lock outlives the deadline a little, and still expires if a worker dies
ALREADY_TESTING = "A connection test of this OpenBoxes is already running: wait for its result, then try again."
UNREACHABLE_FIX = f"check the address under {SETTINGS} and that OpenBoxes is online"
WRONG_ANSWER_FIX = f"check the OpenBoxes URL under {SETTINGS} and that OpenBoxes works"
PASSWORD_FOR_NEW_SERVER = (
    "the OpenBoxes URL now names another server: enter the integration user's password again "
    "(the stored one is only ever sent to the server it was entered for)."
)
# Messages written by the bridge from facts the tenant typed (user, location, address rules), safe to show.
OWN_WORDS = (OpenBoxesAuthFailed, OpenBoxesLocationUnavailable, OpenBoxesUnsafeUrl)


def openboxes_connection_of(tenant_id: int) -> OpenBoxesConnection | None:
    return db.session.scalar(select(OpenBoxesConnection).filter_by(tenant_id=tenant_id))


def save_openboxes_settings(tenant_id: int, base_url: str, username: str, password: str, location_id: str) -> Result:
    """Create or update the connection; an empty ``password`` keeps the stored one."""
    connection = openboxes_connection_of(tenant_id)
    if connection is None and not password:
        return Result("Not saved: enter the OpenBoxes password of the integration user.", "error", tenant_id)
    if problem := unusable_url(base_url):
        return Result(f"Not saved: {problem}", "error", tenant_id)
    if connection is not None and not password and _server_of(base_url) != _server_of(connection.base_url):
        # The stored password is write-only: it must never follow a new address to another server.
        return Result(f"Not saved: {PASSWORD_FOR_NEW_SERVER}", "error", tenant_id)
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


def _server_of(base_url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an OpenBoxes URL: the server its stored password is sent to."""
    parts = urlsplit(base_url.strip())
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


PICKER_DEADLINE_SECONDS = 8.0  # the settings page waits this long at most for OpenBoxes' list of locations
ALREADY_READING_LOCATIONS = "OpenBoxes' list of locations is being read for another page: type the id, or reload soon."
NOT_SAVED_YET = "Save the OpenBoxes URL, user and password first; then pick the facility from OpenBoxes' list."


@dataclass(frozen=True)
class LocationChoices:
    """The facilities to offer (``(id, label)``), or why there is no list and the id has to be typed."""

    choices: list[tuple[str, str]]
    problem: str = ""


def location_choices(tenant_id: int) -> LocationChoices:
    """The tenant's OpenBoxes facilities for the settings page's picker, read with the saved settings.

    When OpenBoxes cannot be asked (nothing saved, unreachable, refused), the page falls back to a typed id
    and says why in plain words.
    """
    connection = openboxes_connection_of(tenant_id)
    if connection is None:
        return LocationChoices([], NOT_SAVED_YET)
    deadline = min(PICKER_DEADLINE_SECONDS, current_app.config["OPENBOXES_TEST_TIMEOUT_SECONDS"])
    # One read per tenant at a time, like the connection test (its own lock, so the two never refuse each
    # other): parallel reads of a silent OpenBoxes would each hold a web worker until the deadline.
    lock = get_redis().lock(f"openboxes-picker:{tenant_id}", timeout=deadline + LOCK_MARGIN_SECONDS)
    if not lock.acquire(blocking=False):
        return LocationChoices([], ALREADY_READING_LOCATIONS)
    try:
        with openboxes_client(tenant_id, deadline=deadline) as client:
            found = client.facilities()
    except SyncError as error:
        why = check_failure(error, connection.base_url)
        return LocationChoices([], f"The list of locations could not be read from OpenBoxes ({why}) Type the id.")
    finally:
        with suppress(LockError):  # it expired on its own: nothing left to release
            lock.release()
    choices = [(str(row["id"]), _location_label(row)) for row in found if row.get("id")]
    if not choices:
        return LocationChoices([], "OpenBoxes lists no facility this user can see: type the location id.")
    return LocationChoices(choices)


def _location_label(row: dict) -> str:
    number = row.get("locationNumber")
    return f"{row.get('name') or row['id']} ({number})" if number else str(row.get("name") or row["id"])


def unusable_url(base_url: str) -> str:
    """Why the bridge would refuse to call this OpenBoxes URL (malformed, or an address it never calls), or "".

    A name that does not resolve (yet) is accepted: 'Test connection' says so, and DNS may follow the form.
    """
    try:
        _, host, port = split_base_url(base_url)
        netguard.checked_address(host, port, current_app.config["OPENBOXES_ALLOW_PRIVATE_NETWORKS"])
    except OpenBoxesUnsafeUrl as error:
        return error.message
    except (OSError, UnicodeError):
        return ""
    except netguard.UnsafeAddress as unsafe:
        return f"the OpenBoxes URL host {unsafe}: use the server's public address"
    return ""


def check_openboxes_connection(tenant_id: int) -> Result:
    """Log in with the stored settings and read the server; record and return what happened.

    It runs inside a web request, so it has an overall deadline (``OPENBOXES_TEST_TIMEOUT_SECONDS``) and a
    tenant runs one at a time: a second one while the first still runs is refused, not queued.
    """
    connection = openboxes_connection_of(tenant_id)
    if connection is None:
        return Result("OpenBoxes is not set up yet: enter its URL, user, password and location, then save.", "error")
    deadline = current_app.config["OPENBOXES_TEST_TIMEOUT_SECONDS"]
    lock = get_redis().lock(f"openboxes-test:{tenant_id}", timeout=deadline + LOCK_MARGIN_SECONDS)
    if not lock.acquire(blocking=False):
        return Result(ALREADY_TESTING, "warning", tenant_id)
    try:
        result = _run_check(tenant_id, connection, deadline)
    finally:
        with suppress(LockError):  # it expired on its own: nothing left to release
            lock.release()
    connection.last_checked_at = utcnow()
    connection.last_check_message = result.message[:MESSAGE_LENGTH]
    db.session.commit()
    return result


def _run_check(tenant_id: int, connection: OpenBoxesConnection, deadline: float) -> Result:
    try:
        with openboxes_client(tenant_id, deadline=deadline) as client:
            context = client.check()
    except SyncError as error:
        return Result(f"Connection failed: {check_failure(error, connection.base_url)}", "error", tenant_id)
    location = context.location_name or connection.location_id
    return Result(f"Connected to OpenBoxes {context.app_version}, location {location}.", "success", tenant_id)


def check_failure(error: SyncError, base_url: str) -> str:
    """What a failed test tells the user: what they can act on, nothing the remote end chose to say.

    Refused, dropped and timed-out connections read the same (else the test maps ports of other hosts),
    and an answer's body is never repeated (else the test reads pages of other hosts).
    """
    if isinstance(error, OWN_WORDS) or not isinstance(error, OpenBoxesError):
        return error.message
    host = urlsplit(base_url).hostname or base_url
    if isinstance(error, OpenBoxesUnreachable):
        return f"OpenBoxes at {host} could not be reached or did not answer in time: {UNREACHABLE_FIX}."
    status = f" (error {error.status})" if error.status else ""
    return f"OpenBoxes at {host} did not answer correctly{status}: {WRONG_ANSWER_FIX}."
