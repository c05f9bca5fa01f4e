"""Connecting a tenant's QuickBooks company: Intuit's OAuth flow, company facts, disconnecting.

The OAuth ``state`` is kept in Redis (state → tenant, user, "reset the links" choice, expiry), not only in
the browser, and is claimed once before the code is exchanged: a replayed callback finds it claimed and
changes nothing. That matters because Intuit revokes every token of a code that is exchanged twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from redis.exceptions import LockError
from sqlalchemy import delete, func, select

from portal.audit import record_event
from portal.clients import intuit_oauth
from portal.clients.intuit_oauth import IntuitRefused, IntuitUnreachable
from portal.engine.activity import pending_rows
from portal.engine.context import WEB_CALL_TIMEOUT_SECONDS
from portal.engine.ports import job_queue
from portal.extensions import db
from portal.models import EntityLink, ProductLink, QuickBooksConnection, SyncActivity
from portal.models.base import utcnow
from portal.qbo_tokens import store_token_response
from portal.redis_conn import get_redis
from portal.services.enable import enable_sync
from portal.services.qbo_company import connection_of, link_count, refresh_company_facts
from portal.sync.entities import ActivityStatus

STATE_TTL_SECONDS = 900  # Intuit's codes live 10 minutes; a little longer for a slow consent page
CLAIM_TTL_SECONDS = 86400  # a replay arriving later than this finds no state at all: refused just the same
START_AGAIN = "click Connect to QuickBooks to start again"
WEB_LOCK_WAIT_SECONDS = 5  # inside a console request; a token refresh in flight holds the lock for one short call
REALM_MAX_LENGTH = 32  # QuickBooks company ids are 15-20 digits today


class ConnectRefused(Exception):
    """The connection step cannot go on; ``message`` says why in plain language and what to do."""

    def __init__(self, message: str, category: str = "error") -> None:
        super().__init__(message)
        self.message, self.category = message, category


@dataclass(frozen=True)
class Result:
    """What a connection step did, for the console to flash (``category``: success/info/warning/error)."""

    message: str
    category: str
    tenant_id: int | None = None


# --- OAuth start and callback ------------------------------------------------------------------


def start_authorization(tenant_id: int, user_id: int, redirect_uri: str, reset_links: bool = False) -> str:
    """Remember a fresh ``state`` server-side and return Intuit's consent URL to send the browser to."""
    config = current_app.config
    if not (config["QBO_CLIENT_ID"] and config["QBO_CLIENT_SECRET"]):
        raise ConnectRefused(
            "The QuickBooks app keys are not configured: set QBO_CLIENT_ID and QBO_CLIENT_SECRET, then try again"
        )
    url, state = intuit_oauth.authorization_url(config, redirect_uri)
    pending = {
        "tenant_id": tenant_id,
        "user_id": user_id,
        "reset_links": bool(reset_links),
        "redirect_uri": redirect_uri,
        "expires_at": time.time() + STATE_TTL_SECONDS,
    }
    get_redis().set(_state_key(state), json.dumps(pending), ex=STATE_TTL_SECONDS)
    return url


def complete_authorization(params: Mapping[str, str], user_id: int) -> Result:
    """Handle Intuit's redirect back (``code``, ``state``, ``realmId`` or ``error``); never raises."""
    state = params.get("state") or ""
    try:
        pending = _pending_state(state, user_id)
    except ConnectRefused as refused:
        return Result(refused.message, refused.category)
    tenant_id = pending["tenant_id"]
    try:
        return _finish(tenant_id, user_id, state, pending, params)
    except ConnectRefused as refused:
        db.session.rollback()
        return Result(refused.message, refused.category, tenant_id)


def _finish(tenant_id: int, user_id: int, state: str, pending: dict, params: Mapping[str, str]) -> Result:
    if not get_redis().set(_claim_key(state), "1", nx=True, ex=CLAIM_TTL_SECONDS):
        raise ConnectRefused("This QuickBooks sign-in was already handled; nothing was changed.", "info")
    if params.get("error"):
        raise ConnectRefused(_refusal_message(params["error"]), "warning")
    realm, code = params.get("realmId") or "", params.get("code") or ""
    if not realm or not code:
        raise ConnectRefused(f"QuickBooks sent back no company or no authorization code: {START_AGAIN}")
    if not realm.isdigit() or len(realm) > REALM_MAX_LENGTH:
        raise ConnectRefused(f"QuickBooks sent back a company id that is not one: {START_AGAIN}")
    _check_realm_switch(tenant_id, realm, pending["reset_links"])
    token = _exchange_code(code, pending["redirect_uri"], state)
    _prove_realm(tenant_id, realm, token)
    previous = _save_connection(tenant_id, user_id, realm, token, pending["reset_links"])
    problem = refresh_company_facts(tenant_id)
    requeued = _requeue_waiting_rows(tenant_id) if previous != "connected" else 0
    return Result(_connected_message(tenant_id, problem, requeued), "warning" if problem else "success", tenant_id)


def _state_key(state: str) -> str:
    return f"qbo-oauth:state:{state}"


def _claim_key(state: str) -> str:
    return f"qbo-oauth:claimed:{state}"


def _pending_state(state: str, user_id: int) -> dict:
    raw = get_redis().get(_state_key(state)) if state else None
    pending = json.loads(raw) if raw else None
    if pending is None or pending["expires_at"] < time.time():
        raise ConnectRefused(f"This QuickBooks sign-in is unknown or has expired; nothing was changed: {START_AGAIN}")
    if pending["user_id"] != user_id:
        raise ConnectRefused("This QuickBooks sign-in was started by another user; nothing was changed.")
    return pending


def _refusal_message(error: str) -> str:
    if error == "access_denied":
        return f"QuickBooks was not connected: access was denied on Intuit's page. To connect, {START_AGAIN}."
    return f"QuickBooks did not connect (Intuit answered '{error}'): {START_AGAIN}"


def _check_realm_switch(tenant_id: int, realm: str, reset_links: bool) -> None:
    """Refuse another company while links to the old one exist, unless the admin asked to reset them."""
    count = link_count(tenant_id, realm, other_realms=True)
    if count and not reset_links:
        current = connection_of(tenant_id)
        old = f"{current.company_name or 'company'} (realm {current.realm_id})" if current else "another company"
        raise ConnectRefused(
            f"Not connected: you chose QuickBooks company {realm}, but this tenant has {count} link(s) to "
            f"{old}. Connect that company again, or tick 'Reset the links' and connect to switch companies."
        )


def _exchange_code(code: str, redirect_uri: str, state: str) -> dict:
    try:
        return intuit_oauth.exchange_code(current_app.config, code, redirect_uri, state, WEB_CALL_TIMEOUT_SECONDS)
    except IntuitRefused as exc:
        raise ConnectRefused(f"QuickBooks refused the authorization ({exc.error}): {START_AGAIN}") from exc
    except IntuitUnreachable as exc:
        raise ConnectRefused(f"Could not reach QuickBooks to finish connecting: {START_AGAIN} in a minute") from exc


def _prove_realm(tenant_id: int, realm: str, token: dict) -> None:
    """Refuse unless the new access token reads company ``realm``'s CompanyInfo.

    The ``realmId`` of the callback is only a query parameter the browser brings back: anyone can edit it.
    The token is what Intuit issued for the company actually chosen on its consent page, so the company is
    stored only once that token has read it. A refused token is dropped, never stored.
    """
    access_token = token.get("access_token", "")
    try:
        status = intuit_oauth.company_info_status(current_app.config, realm, access_token, WEB_CALL_TIMEOUT_SECONDS)
    except IntuitUnreachable as exc:
        raise ConnectRefused(f"Could not reach QuickBooks to check the company: {START_AGAIN} in a minute") from exc
    if status != 200:
        details = {"realm_id": realm, "status": status}
        record_event("quickbooks.realm_refused", tenant_id=tenant_id, details=details)
        db.session.commit()  # kept: the refusal below rolls back everything else
        raise ConnectRefused(
            f"Not connected: this QuickBooks sign-in does not give access to company {realm}, the company named "
            f"in the address it came back with. Nothing was changed: {START_AGAIN}"
        )


def _save_connection(tenant_id: int, user_id: int, realm: str, token: dict, reset_links: bool) -> str | None:
    """Store the tokens (under the refresh lock, so no worker overwrites them); return the old status."""
    connection = connection_of(tenant_id)
    previous = connection.status if connection else None
    if connection is None:
        connection = QuickBooksConnection(tenant_id=tenant_id, realm_id=realm)
        db.session.add(connection)
        db.session.flush()
    with _refresh_lock(connection.id):
        if reset_links:
            _reset_links(tenant_id, realm)
        if connection.realm_id != realm:
            connection.company_name = connection.plan = connection.home_currency = None
        connection.realm_id = realm
        store_token_response(connection, token, datetime.now(UTC))
        connection.connected_by_id, connection.connected_at = user_id, utcnow()
        record_event("quickbooks.connected", tenant_id=tenant_id, details={"realm_id": realm, "was": previous})
        db.session.commit()
    return previous


def _reset_links(tenant_id: int, realm: str) -> None:
    counts = {}
    for model in (EntityLink, ProductLink):
        statement = delete(model).where(model.tenant_id == tenant_id, model.realm_id != realm)
        counts[model.__tablename__] = db.session.execute(statement).rowcount
    if any(counts.values()):
        record_event("quickbooks.links_reset", tenant_id=tenant_id, details={"new_realm_id": realm, **counts})


@contextmanager
def _refresh_lock(connection_id: int):
    # The same lock portal.qbo_tokens takes to refresh: a refresh in flight must not land on new tokens.
    lock = intuit_oauth.refresh_lock(get_redis(), connection_id, WEB_LOCK_WAIT_SECONDS)
    if not lock.acquire():
        raise ConnectRefused(
            "QuickBooks tokens are being renewed right now; nothing was changed. Try again in a minute."
        )
    try:
        yield
    finally:
        with suppress(LockError):  # expired under a very slow call: the refresh it guarded is over
            lock.release()


def _requeue_waiting_rows(tenant_id: int) -> int:
    rows = pending_rows(tenant_id)
    job_queue().pushes([row.id for row in rows], "reconnect")
    return len(rows)


def _connected_message(tenant_id: int, problem: str | None, requeued: int) -> str:
    connection = connection_of(tenant_id)
    name = connection.company_name or f"company {connection.realm_id}"
    message = f"Connected to QuickBooks: {name}."
    if problem:
        message += f" The company details could not be read yet ({problem}); use 'Refresh company details'."
    if requeued:
        message += f" {requeued} waiting record(s) were queued again."
    return message


# --- disconnecting, and turning syncing on ---------------------------------------------------------


def disconnect(tenant_id: int) -> Result:
    """Revoke the tokens at Intuit, forget them and mark the connection disconnected.

    Links, history and everything already in QuickBooks stay; pushes wait (rows stay queued) until
    QuickBooks is connected again.
    """
    connection = connection_of(tenant_id)
    if connection is None or connection.status == "disconnected":
        return Result("QuickBooks is not connected; nothing to disconnect.", "info", tenant_id)
    try:
        return _revoke_and_forget(tenant_id, connection)
    except ConnectRefused as refused:
        return Result(refused.message, refused.category, tenant_id)


def disconnect_consequences(tenant_id: int) -> list[str]:
    """What disconnecting will do, said before it is done."""
    connection = connection_of(tenant_id)
    company = (connection.company_name if connection else None) or "the QuickBooks company"
    waiting = db.session.scalar(
        select(func.count(SyncActivity.id)).where(
            SyncActivity.tenant_id == tenant_id,
            SyncActivity.status.in_((ActivityStatus.QUEUED, ActivityStatus.RETRYING, ActivityStatus.SYNCING)),
        )
    )
    return [
        f"Revoke this bridge's access to {company} at Intuit: nothing more is sent to QuickBooks.",
        f"Keep {waiting} record(s) waiting to sync; they go out after you connect again.",
        "Keep everything already in QuickBooks, the links and the history.",
    ]


def _revoke_and_forget(tenant_id: int, connection: QuickBooksConnection) -> Result:
    with _refresh_lock(connection.id):
        db.session.refresh(connection)
        problem = intuit_oauth.revoke(
            current_app.config, connection.refresh_token or connection.access_token, WEB_CALL_TIMEOUT_SECONDS
        )
        connection.access_token = connection.refresh_token = None
        connection.access_expires_at = connection.refresh_expires_at = connection.refresh_hard_expires_at = None
        connection.status = "disconnected"
        details = {"realm_id": connection.realm_id, "revoked": problem is None}
        record_event("quickbooks.disconnected", tenant_id=tenant_id, details=details)
        db.session.commit()
    message = "Disconnected from QuickBooks. Syncing waits until you connect again; links and history are kept."
    if problem:
        return Result(f"{message} {problem}", "warning", tenant_id)
    return Result(message, "success", tenant_id)


def refresh_company_details(tenant_id: int) -> Result:
    """The console's "Refresh company details": read the company facts again and say how it went."""
    problem = refresh_company_facts(tenant_id)
    if problem:
        return Result(f"Company details not read: {problem}", "error", tenant_id)
    return Result("Company details read from QuickBooks.", "success", tenant_id)


def enable_syncing(tenant_id: int) -> str:
    """Start syncing from now (see ``enable_sync``) and record who did it; returns the status line."""
    status = enable_sync(tenant_id)
    record_event("sync.enabled", tenant_id=tenant_id, details={"status": status})
    db.session.commit()
    return status
