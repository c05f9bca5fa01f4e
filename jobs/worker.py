"""The worker dyno: ``python -m jobs.worker [--burst] [queues…]``.

An app context is pushed once here; every forked work horse inherits it and starts with a fresh
database pool, because pooled connections must not be shared across fork().
"""

from __future__ import annotations

import argparse
import os

from rq import Queue
from rq.executions import Execution
from rq.job import Job
from rq.worker import HerokuWorker

import jobs.sync  # noqa: F401  imported once here, so forked work horses do not re-import the engine per job
from jobs.queues import QUEUE_NAMES, get_queue
from portal import create_app
from portal.extensions import db
from portal.redis_conn import get_redis


class AppWorker(HerokuWorker):
    """HerokuWorker (graceful SIGTERM) that cleans the DB session after every job."""

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        try:
            return super().perform_job(job, queue, execution)
        finally:
            db.session.remove()


def _fresh_pool_after_fork() -> None:
    db.engine.dispose(close=False)


def run_worker(queue_names: list[str], burst: bool = False) -> bool:
    """Work the given queues in the current app context until stopped (or empty, with ``burst``)."""
    os.register_at_fork(after_in_child=_fresh_pool_after_fork)
    queues = [get_queue(name) for name in queue_names]
    worker = AppWorker(queues, connection=get_redis())
    return worker.work(burst=burst, with_scheduler=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run an RQ worker with the portal's app context.")
    parser.add_argument("queues", nargs="*", default=list(QUEUE_NAMES))
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        run_worker(args.queues, burst=args.burst)


if __name__ == "__main__":
    main()
