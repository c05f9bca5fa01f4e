"""Sandbox state: companies, their objects, requestid replies and OAuth tokens.

Everything lives in memory behind one re-entrant lock (requests are short, so a single lock keeps
the threaded server correct without per-object locking). With a state file, every change is also
written through to SQLite and the memory is rebuilt from it at start.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field

SCHEMA = "CREATE TABLE IF NOT EXISTS state (kind TEXT, key TEXT, value TEXT, PRIMARY KEY (kind, key))"


class Persistence:
    """Write-through key/value rows in SQLite; a no-op when no file is given."""

    def __init__(self, path: str | None) -> None:
        self.db = None
        if path:
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(SCHEMA)

    def save(self, kind: str, key: str, value: dict | None) -> None:
        if self.db is None:
            return
        if value is None:
            self.db.execute("DELETE FROM state WHERE kind = ? AND key = ?", (kind, key))
        else:
            row = (kind, key, json.dumps(value))
            self.db.execute("INSERT OR REPLACE INTO state (kind, key, value) VALUES (?, ?, ?)", row)

    def rows(self) -> list[tuple[str, str, dict]]:
        if self.db is None:
            return []
        found = self.db.execute("SELECT kind, key, value FROM state ORDER BY rowid").fetchall()
        return [(kind, key, json.loads(value)) for kind, key, value in found]

    def clear(self) -> None:
        if self.db is not None:
            self.db.execute("DELETE FROM state")


@dataclass
class Company:
    """One QuickBooks company (realm) and everything stored in it."""

    realm: str
    name: str
    plan: str
    home_currency: str = "USD"
    multicurrency: bool = False
    country: str = "US"
    created: str = ""
    sequences: dict[str, int] = field(default_factory=dict)
    objects: dict[str, dict[str, dict]] = field(default_factory=dict)
    requestids: dict[str, dict] = field(default_factory=dict)
    # What CDC reports of deleted objects, by entity and Id: ``{"Id", "status": "Deleted", "MetaData"}``.
    deleted: dict[str, dict[str, dict]] = field(default_factory=dict)

    def meta(self) -> dict:
        keys = ("realm", "name", "plan", "home_currency", "multicurrency", "country", "created", "sequences")
        return {key: getattr(self, key) for key in keys}

    def table(self, entity: str) -> dict[str, dict]:
        return self.objects.setdefault(entity, {})


class State:
    """The single source of truth; callers hold ``lock`` around read-modify-write sequences."""

    def __init__(self, path: str | None) -> None:
        self.lock = threading.RLock()
        self.disk = Persistence(path)
        self.companies: dict[str, Company] = {}
        self.tokens: dict[str, dict] = {}
        self._load()

    def _load(self) -> None:
        rows = self.disk.rows()
        for kind, key, value in rows:
            if kind == "company":
                self.companies[key] = Company(**value)
        for kind, key, value in rows:
            if kind == "token":
                self.tokens[key] = value
            elif kind == "object":
                realm, entity, _ = key.split("|", 2)
                self.companies[realm].table(entity)[value["Id"]] = value
            elif kind == "deleted":
                realm, entity, _ = key.split("|", 2)
                self.companies[realm].deleted.setdefault(entity, {})[value["Id"]] = value
            elif kind == "requestid":
                realm, rid = key.split("|", 1)
                self.companies[realm].requestids[rid] = value

    @property
    def empty(self) -> bool:
        return not self.companies

    def clear(self) -> None:
        with self.lock:
            self.companies.clear()
            self.tokens.clear()
            self.disk.clear()

    def save_company(self, company: Company) -> None:
        with self.lock:
            self.companies[company.realm] = company
            self.disk.save("company", company.realm, company.meta())

    def next_id(self, company: Company, entity: str) -> str:
        """Ids count per entity type, as in QuickBooks (Vendor 5 and Item 5 can both exist)."""
        with self.lock:
            company.sequences[entity] = company.sequences.get(entity, 0) + 1
            self.disk.save("company", company.realm, company.meta())
            return str(company.sequences[entity])

    def put(self, company: Company, entity: str, record: dict) -> None:
        with self.lock:
            company.table(entity)[record["Id"]] = record
            self.disk.save("object", f"{company.realm}|{entity}|{record['Id']}", record)

    def remove(self, company: Company, entity: str, ident: str, stamp: str | None = None) -> None:
        """Drop the object; with ``stamp`` (when it was deleted) keep the tombstone CDC reports."""
        with self.lock:
            company.table(entity).pop(ident, None)
            self.disk.save("object", f"{company.realm}|{entity}|{ident}", None)
            if stamp is not None:
                tomb = {"domain": "QBO", "status": "Deleted", "Id": ident, "MetaData": {"LastUpdatedTime": stamp}}
                company.deleted.setdefault(entity, {})[ident] = tomb
                self.disk.save("deleted", f"{company.realm}|{entity}|{ident}", tomb)

    def remember_reply(self, company: Company, requestid: str, reply: dict) -> None:
        with self.lock:
            company.requestids[requestid] = reply
            self.disk.save("requestid", f"{company.realm}|{requestid}", reply)

    def put_token(self, token: str, data: dict) -> None:
        with self.lock:
            self.tokens[token] = data
            self.disk.save("token", token, data)

    def drop_token(self, token: str) -> None:
        with self.lock:
            self.tokens.pop(token, None)
            self.disk.save("token", token, None)
