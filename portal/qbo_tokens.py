"""QuickBooks tokens kept in the database, refreshed single-flight across every process.

Intuit rotates refresh tokens and kills the old one at once, so two processes refreshing the same token
would leave one holding a dead token (``invalid_grant``). One Redis lock per connection serialises
refreshes; whoever holds it re-reads the row first (someone may have just refreshed) and commits the
rotated refresh token before anyone uses the new access token.

Each process keeps the last access token it read per connection, stamped with the row's ``updated_at``.
A push passes the stamp of the row it has just loaded: the same stamp means the stored token has not
changed (every refresh, reconnect and disconnect writes the row), so no second read and no decryption.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from portal.clients.intuit_oauth import refresh_lock, refresh_tokens
from portal.clients.quickbooks import AccessToken
from portal.extensions import db
from portal.metrics import record_token_refresh
from portal.models import QuickBooksConnection
from portal.sync.errors import NeedsReconnect, Transient, describe_not_connected

REFRESH_MARGIN_SECONDS = 120
JOB_LOCK_WAIT_SECONDS = 70  # longer than the lock's own timeout: a crashed holder's lock expires first

_CACHE: dict[int, tuple[datetime, AccessToken]] = {}  # connection id → (row's updated_at, its access token)
_CACHE_LOCK = threading.Lock()


def _remember(connection: QuickBooksConnection, token: AccessToken) -> None:
    with _CACHE_LOCK:
        _CACHE[connection.id] = (connection.updated_at, token)


def forget_tokens(connection_id: int | None = None) -> None:
    """Drop this process's cached token of one connection (or of all)."""
    with _CACHE_LOCK:
        if connection_id is None:
            _CACHE.clear()
        else:
            _CACHE.pop(connection_id, None)


def store_token_response(connection: QuickBooksConnection, token: dict, now: datetime) -> None:
    """Copy a token endpoint answer onto ``connection`` (expiry times as absolute UTC)."""
    connection.access_token = token["access_token"]
    connection.refresh_token = token.get("refresh_token") or connection.refresh_token
    connection.access_expires_at = now + timedelta(seconds=int(token.get("expires_in", 3600)))
    if token.get("x_refresh_token_expires_in"):
        connection.refresh_expires_at = now + timedelta(seconds=int(token["x_refresh_token_expires_in"]))
    if token.get("x_refresh_token_hard_expires_in"):
        hard = int(token["x_refresh_token_hard_expires_in"])
        connection.refresh_hard_expires_at = now + timedelta(seconds=hard)
    connection.status = "connected"


def _as_access_token(connection: QuickBooksConnection) -> AccessToken:
    expires = connection.access_expires_at.timestamp() if connection.access_expires_at else 0.0
    return AccessToken(connection.access_token or "", expires)


class DbTokenProvider:
    """Tokens of one QuickBooksConnection row, for a QuickBooksClient.

    ``stamp`` is the row's ``updated_at`` as the caller just loaded it: while it matches the token this
    process cached, the token is used without reading the row again.
    """

    def __init__(self, connection_id: int, redis, config: dict | None = None, stamp: datetime | None = None) -> None:
        self.connection_id = connection_id
        self.redis = redis
        self.config = config or current_app.config
        self.stamp = stamp
        self.refreshes = 0

    def current(self) -> AccessToken:
        """The stored access token, refreshed first when it expires within two minutes."""
        token = self._cached() or self._read()
        if token.expires_at - REFRESH_MARGIN_SECONDS < time.time():
            return self.refresh(token)
        return token

    def _cached(self) -> AccessToken | None:
        with _CACHE_LOCK:
            stamp, token = _CACHE.get(self.connection_id, (None, None))
        return token if self.stamp is not None and stamp == self.stamp else None

    def refresh(self, stale: AccessToken) -> AccessToken:
        """Refresh unless another process already replaced ``stale``; return the usable token."""
        lock = refresh_lock(self.redis, self.connection_id, JOB_LOCK_WAIT_SECONDS)
        if not lock.acquire():
            raise Transient("Another process is still refreshing the QuickBooks token: will retry")
        try:
            latest = self._read()
            if latest.value != stale.value and latest.expires_at - REFRESH_MARGIN_SECONDS > time.time():
                return latest
            return self._refresh_now()
        finally:
            lock.release()

    def _read(self) -> AccessToken:
        with Session(db.engine) as session:
            connection = self._connection(session)
            return self._keep(connection)

    def _keep(self, connection: QuickBooksConnection) -> AccessToken:
        """The row's token, cached under its stamp (which this provider then expects)."""
        token = _as_access_token(connection)
        _remember(connection, token)
        self.stamp = connection.updated_at
        return token

    def _connection(self, session: Session) -> QuickBooksConnection:
        connection = session.get(QuickBooksConnection, self.connection_id)
        if connection is None or connection.status != "connected":
            forget_tokens(self.connection_id)
            raise NeedsReconnect(describe_not_connected(connection.status if connection else None))
        return connection

    def _refresh_now(self) -> AccessToken:
        with Session(db.engine) as session:
            connection = self._connection(session)
            try:
                answer = refresh_tokens(self.config, connection.refresh_token)
            except NeedsReconnect:
                connection.status = "needs_reconnect"
                session.commit()
                forget_tokens(self.connection_id)
                raise
            store_token_response(connection, answer, datetime.now(UTC))
            session.commit()
            self.refreshes += 1
            record_token_refresh(self.redis, connection.realm_id)
            return self._keep(connection)
