"""QuickBooks tokens kept in the database, refreshed single-flight across every process.

Intuit rotates refresh tokens and kills the old one at once, so two processes refreshing the same token
would leave one holding a dead token (``invalid_grant``). One Redis lock per connection serialises
refreshes; whoever holds it re-reads the row first (someone may have just refreshed) and commits the
rotated refresh token before anyone uses the new access token.
"""

from __future__ import annotations

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
    """Tokens of one QuickBooksConnection row, for a QuickBooksClient."""

    def __init__(self, connection_id: int, redis, config: dict | None = None) -> None:
        self.connection_id = connection_id
        self.redis = redis
        self.config = config or current_app.config
        self.refreshes = 0

    def current(self) -> AccessToken:
        """The stored access token, refreshed first when it expires within two minutes."""
        token = self._read()
        if token.expires_at - REFRESH_MARGIN_SECONDS < time.time():
            return self.refresh(token)
        return token

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
            return _as_access_token(connection)

    def _connection(self, session: Session) -> QuickBooksConnection:
        connection = session.get(QuickBooksConnection, self.connection_id)
        if connection is None or connection.status != "connected":
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
                raise
            store_token_response(connection, answer, datetime.now(UTC))
            session.commit()
            self.refreshes += 1
            record_token_refresh(self.redis, connection.realm_id)
            return _as_access_token(connection)
