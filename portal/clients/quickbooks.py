"""QuickBooksClient: the one class that talks to the QuickBooks Online Accounting API v3.

Every answer is classified once (``portal.sync.classify``) into typed errors by what to do next. The
client sends ``minorversion=75`` on every call and a caller-chosen ``requestid`` on every write, keeps
each realm under Intuit's limits through the shared rate limiter, and on an expired access token
refreshes once (through the token provider's single-flight refresh) and retries once.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import requests

from portal.clients.ratelimit import RealmRateLimiter
from portal.sync.classify import classify_qbo_response, classify_transport_failure
from portal.sync.errors import AuthExpired, NeedsReconnect, Permanent

log = logging.getLogger(__name__)

MINOR_VERSION = "75"
NAME_LIST_TYPES = ("Vendor", "Customer", "Employee")


@dataclass(frozen=True)
class AccessToken:
    """The bearer token a call uses; ``value`` is never logged."""

    value: str
    expires_at: float


class TokenProvider(Protocol):
    """Where the client gets tokens; ``refresh`` is single-flight across processes."""

    def current(self) -> AccessToken: ...

    def refresh(self, stale: AccessToken) -> AccessToken: ...


def qbo_literal(value: str) -> str:
    """Quote ``value`` for a QuickBooks query (backslash-escaped quotes, as Intuit documents)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def transport_kind(error: requests.RequestException) -> str:
    """Name a requests failure the way ``classify_transport_failure`` expects."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "connect_timeout"
    if isinstance(error, requests.exceptions.ReadTimeout):
        return "read_timeout"
    if isinstance(error, requests.exceptions.SSLError):
        return "tls"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "chunked_encoding"
    if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "invalid_url"
    return _connection_error_kind(error)


def _connection_error_kind(error: BaseException) -> str:
    text = repr(error)
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection_refused"
        if isinstance(cause, http.client.RemoteDisconnected):
            return "remote_disconnected"
        if isinstance(cause, ConnectionResetError):
            return "connection_reset"
        cause = cause.__cause__ or cause.__context__
    if "Name or service not known" in text or "NameResolutionError" in text:
        return "dns"
    return "connection_aborted"


class QuickBooksClient:
    """Calls for one QuickBooks company (realm)."""

    def __init__(
        self,
        realm_id: str,
        tokens: TokenProvider,
        *,
        api_base: str,
        limiter: RealmRateLimiter | None = None,
        timeout: float = 30,
        session: requests.Session | None = None,
        observer: Callable[[str, int], None] | None = None,
    ) -> None:
        self.realm_id = realm_id
        self.observer = observer
        self.tokens = tokens
        self.base = f"{api_base.rstrip('/')}/v3/company/{realm_id}"
        self.limiter = limiter
        self.timeout = timeout
        self.http = session or requests.Session()
        self.calls = 0

    # --- writes -------------------------------------------------------------------------------

    def create(self, entity: str, payload: dict, request_id: str) -> dict:
        """Create ``entity`` (e.g. ``"Vendor"``); return the created object from the write's answer.

        Args:
            entity: QuickBooks entity name, e.g. ``"PurchaseOrder"``.
            payload: The object's fields.
            request_id: Deterministic per record version, so a retry replays instead of duplicating.
        """
        answer = self._call("POST", f"/{entity.lower()}", json=payload, params={"requestid": request_id})
        return answer[entity]

    def update(self, entity: str, payload: dict, request_id: str) -> dict:
        """Sparse-update ``entity``; ``payload`` must carry ``Id`` and the current ``SyncToken``."""
        body = {**payload, "sparse": True}
        answer = self._call("POST", f"/{entity.lower()}", json=body, params={"requestid": request_id})
        return answer[entity]

    def batch(self, items: list[dict], request_id: str) -> list[dict]:
        """Send up to 30 operations in one ``POST /batch``; return each item's answer (object or ``Fault``).

        The call takes one slot of the realm's batch budget and one request per item from its minute
        budget. HTTP 200 does not mean every item worked: each answer carries its ``bId`` and either the
        written object or a ``Fault`` (``portal.sync.classify.classify_fault``).

        Args:
            items: ``BatchItemRequest`` entries, each with a ``bId`` of at most 10 characters.
            request_id: At most 36 characters, deterministic for the batch, so a resend replays.
        """
        body = {"BatchItemRequest": items}
        params = {"requestid": request_id}
        answer = self._call("POST", "/batch", params=params, json=body, cost=len(items), batch=True)
        return answer.get("BatchItemResponse") or []

    # --- reads --------------------------------------------------------------------------------

    def read(self, entity: str, qbo_id: str) -> dict:
        """Read one object by id."""
        return self._call("GET", f"/{entity.lower()}/{qbo_id}")[entity]

    def query(self, statement: str) -> list[dict]:
        """Run a query; return the rows of the entity it selects (``[]`` when none match)."""
        answer = self._call("GET", "/query", params={"query": statement})["QueryResponse"]
        rows = [value for key, value in answer.items() if isinstance(value, list)]
        return rows[0] if rows else []

    def query_all(self, entity: str, where: str = "", page_size: int = 1000, fields: str = "*") -> list[dict]:
        """Every row of ``entity`` matching ``where``, paging with STARTPOSITION (``fields``: what to select)."""
        rows, start = [], 1
        condition = f" WHERE {where}" if where else ""
        while True:
            statement = f"SELECT {fields} FROM {entity}{condition} STARTPOSITION {start} MAXRESULTS {page_size}"
            page = self.query(statement)
            rows.extend(page)
            if len(page) < page_size:
                return rows
            start += page_size

    def find_by_name(self, name: str, types: Iterable[str] = NAME_LIST_TYPES) -> list[tuple[str, dict]]:
        """Objects of ``types`` whose DisplayName is ``name``, inactive ones included.

        Vendors, customers and employees share one name space in QuickBooks, so a 6240 on one type
        may be caused by any of them.
        """
        found = []
        for entity in types:
            where = f"DisplayName = {qbo_literal(name)} AND Active IN (true, false)"
            found += [(entity, row) for row in self.query(f"SELECT * FROM {entity} WHERE {where}")]
        return found

    def find_item(self, *, name: str | None = None, sku: str | None = None) -> list[dict]:
        """Items with this Name or Sku, inactive ones included."""
        field, value = ("Name", name) if name is not None else ("Sku", sku)
        where = f"{field} = {qbo_literal(value)} AND Active IN (true, false)"
        return self.query(f"SELECT * FROM Item WHERE {where}")

    def find_by_doc_number(self, entity: str, doc_number: str) -> list[dict]:
        """Transactions of ``entity`` carrying ``doc_number``."""
        return self.query(f"SELECT * FROM {entity} WHERE DocNumber = {qbo_literal(doc_number)}")

    def change_data_capture(self, entities: Iterable[str], changed_since: datetime) -> dict[str, list[dict]]:
        """Objects of ``entities`` changed since ``changed_since`` (at most 30 days back), by entity.

        Deleted transactions come back as ``{"Id", "status": "Deleted", "MetaData"}``.
        """
        params = {"entities": ",".join(entities), "changedSince": changed_since.isoformat(timespec="seconds")}
        answer = self._call("GET", "/cdc", params=params)
        found: dict[str, list[dict]] = {}
        for block in answer.get("CDCResponse") or []:
            for response in block.get("QueryResponse") or []:
                for entity, rows in response.items():
                    if isinstance(rows, list):
                        found.setdefault(entity, []).extend(rows)
        return found

    def company_info(self) -> dict:
        return self._call("GET", f"/companyinfo/{self.realm_id}")["CompanyInfo"]

    def preferences(self) -> dict:
        return self._call("GET", "/preferences")["Preferences"]

    # --- plumbing -----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: dict | None = None,
        cost: int = 1,
        batch: bool = False,
    ) -> dict:
        """Send once; on an expired token refresh once and send again. Raise typed errors."""
        token = self.tokens.current()
        for attempt in (1, 2):
            try:
                return self._send(method, path, token, params, json, (cost, batch))
            except AuthExpired as expired:
                if attempt == 2:
                    raise NeedsReconnect(
                        "QuickBooks refused a freshly refreshed token: reconnect QuickBooks", expired.code
                    ) from expired
                token = self.tokens.refresh(token)
        raise AssertionError("unreachable")

    def _send(
        self,
        method: str,
        path: str,
        token: AccessToken,
        params: dict | None,
        body: dict | None,
        budget: tuple[int, bool] = (1, False),
    ) -> dict:
        headers = {"Authorization": f"Bearer {token.value}", "Accept": "application/json"}
        query = {**(params or {}), "minorversion": MINOR_VERSION}
        response = self._request(method, path, budget, headers=headers, params=query, json=body)
        if self.observer is not None:
            self.observer(self.realm_id, response.status_code)
        error = classify_qbo_response(response.status_code, response.headers, response.text)
        log.info(
            "qbo call realm=%s method=%s path=%s status=%s requestid=%s intuit_tid=%s",
            self.realm_id,
            method,
            path.split("?")[0],
            response.status_code,
            (params or {}).get("requestid", "-"),
            response.headers.get("intuit_tid", ""),
        )
        if error is not None:
            raise error
        try:
            return response.json()
        except ValueError as exc:
            raise Permanent("QuickBooks answered with something that is not JSON: report this to support") from exc

    def _request(self, method: str, path: str, budget: tuple[int, bool], **kwargs) -> requests.Response:
        """One HTTP call; ``budget`` is (requests of the minute budget, whether it is a batch call)."""
        self.calls += 1
        try:
            if self.limiter is None:
                return self.http.request(method, self.base + path, timeout=self.timeout, **kwargs)
            with self.limiter.slot(self.realm_id, *budget):
                return self.http.request(method, self.base + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise classify_transport_failure(transport_kind(exc)) from exc
