"""Records kept as dicts in memory, written through to a SQLite file when one is given."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict

SCHEMA = "CREATE TABLE IF NOT EXISTS records (kind TEXT, id TEXT, body TEXT, PRIMARY KEY (kind, id))"
UPSERT = (
    "INSERT INTO records (kind, id, body) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body"
)


class Store:
    """Dict-of-dicts storage by kind and id; ``flush()`` persists the changes since the last flush.

    Not thread-safe on its own: the app serialises requests with one lock.
    """

    def __init__(self, path: str | None = None) -> None:
        self._tables: dict[str, dict[str, dict]] = defaultdict(dict)
        self._dirty: dict[tuple[str, str], dict | None] = {}
        self._db = sqlite3.connect(path, check_same_thread=False) if path else None
        if self._db is not None:
            self._db.execute(SCHEMA)
            self._load()

    def _load(self) -> None:
        for kind, record_id, body in self._db.execute("SELECT kind, id, body FROM records ORDER BY rowid"):
            self._tables[kind][record_id] = json.loads(body)

    def is_empty(self) -> bool:
        """True when nothing has been stored (a fresh state file)."""
        return not any(self._tables.values())

    def get(self, kind: str, record_id: str | None) -> dict | None:
        """One record, or None."""
        return self._tables[kind].get(record_id) if record_id is not None else None

    def all(self, kind: str) -> list[dict]:
        """Every record of a kind, in insertion order."""
        return list(self._tables[kind].values())

    def put(self, kind: str, record: dict) -> dict:
        """Insert or replace ``record`` (keyed by its ``id``) and mark it for the next flush."""
        self._tables[kind][record["id"]] = record
        self._dirty[(kind, record["id"])] = record
        return record

    def delete(self, kind: str, record_id: str) -> None:
        """Remove one record if present."""
        if self._tables[kind].pop(record_id, None) is not None:
            self._dirty[(kind, record_id)] = None

    def clear(self) -> None:
        """Forget everything, in memory and in the file."""
        self._tables.clear()
        self._dirty.clear()
        if self._db is not None:
            self._db.execute("DELETE FROM records")
            self._db.commit()

    def flush(self) -> None:
        """Write pending changes to the SQLite file in one transaction (no-op in memory)."""
        if self._db is None or not self._dirty:
            self._dirty.clear()
            return
        upserts = [(k, i, json.dumps(r)) for (k, i), r in self._dirty.items() if r is not None]
        deletes = [(k, i) for (k, i), r in self._dirty.items() if r is None]
        with self._db:
            self._db.executemany(UPSERT, upserts)
            self._db.executemany("DELETE FROM records WHERE kind = ? AND id = ?", deletes)
        self._dirty.clear()

    def close(self) -> None:
        """Flush and close the file."""
        self.flush()
        if self._db is not None:
            self._db.close()
