"""``python -m bench.counting_worker [jobs.worker options]``: the worker, counting its SQL.

SQLAlchemy events count the statements sent to the database and the commits; at exit the counts are
written as JSON to ``$BENCH_SQL_COUNTS/<pid>.json`` for the benchmark's report. Forked work horses
(``--fork``) leave with ``os._exit``, so only a non-forking worker's counts are complete.
"""

from __future__ import annotations

import atexit
import json
import os
from collections import Counter
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

COUNTS: Counter = Counter()


def _statement(*_args, **_kwargs) -> None:
    COUNTS["statements"] += 1


def _commit(*_args, **_kwargs) -> None:
    COUNTS["commits"] += 1


def _write() -> None:
    folder = Path(os.environ["BENCH_SQL_COUNTS"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{os.getpid()}.json").write_text(json.dumps(COUNTS))


def read_counts(folder: Path) -> Counter:
    """The counts of every worker that has exited."""
    total: Counter = Counter()
    for path in folder.glob("*.json") if folder.exists() else []:
        total.update(json.loads(path.read_text()))
    return total


def main() -> None:
    from jobs.worker import main as worker_main

    event.listen(Engine, "before_cursor_execute", _statement)
    event.listen(Engine, "commit", _commit)
    pid = os.getpid()
    atexit.register(lambda: os.getpid() == pid and _write())
    worker_main()


if __name__ == "__main__":
    main()
