"""The worker dyno: ``python -m jobs.worker [--burst] [--fork] [queues…]``.

By default jobs run in the worker process itself (RQ's ``SimpleWorker``): no fork per job, so the engine,
SQLAlchemy's compiled statements, the database pool and the decrypted tokens' process stay warm from one
record to the next. A job that crashes the process takes only its worker down; the dyno manager starts it
again, RQ's maintenance marks the job abandoned, and the activity watchdog (``portal.engine.reconcile``)
puts the row back after ``SYNC_STUCK_SECONDS`` with ``outcome_unknown`` set, so nothing is pushed twice.
``--fork`` keeps the forking ``HerokuWorker`` (one work horse per job, a fresh database pool after fork).
"""

from __future__ import annotations

import argparse
import os

from rq import Queue
from rq.executions import Execution
from rq.job import Job
from rq.worker import HerokuWorker, SimpleWorker

import jobs.sync  # noqa: F401  imported once here, so jobs (and forked work horses) never import the engine
from jobs.queues import QUEUE_NAMES, get_queue
from portal import create_app
from portal.extensions import db
from portal.redis_conn import get_redis

# Abandoned jobs are found (and their realm's slot freed) at each maintenance pass: RQ's 10 minutes
# would leave a crashed worker's realm one slot short for that long.
MAINTENANCE_SECONDS = 120


class CleanSession:
    """Ends the job's database session after every job, whatever happened in it."""

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        try:
            return super().perform_job(job, queue, execution)  # type: ignore[misc]
        finally:
            db.session.remove()


class AppWorker(CleanSession, SimpleWorker):
    """Runs each job in this process (no fork), in the app context pushed by ``main``."""


class ForkingAppWorker(CleanSession, HerokuWorker):
    """HerokuWorker (a work horse per job, graceful SIGTERM)."""


def _fresh_pool_after_fork() -> None:
    db.engine.dispose(close=False)


def run_worker(queue_names: list[str], burst: bool = False, fork: bool = False) -> bool:
    """Work the given queues in the current app context until stopped (or empty, with ``burst``)."""
    queues = [get_queue(name) for name in queue_names]
    if fork:
        os.register_at_fork(after_in_child=_fresh_pool_after_fork)
    worker_class = ForkingAppWorker if fork else AppWorker
    worker = worker_class(queues, connection=get_redis(), maintenance_interval=MAINTENANCE_SECONDS)
    return worker.work(burst=burst, with_scheduler=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run an RQ worker with the portal's app context.")
    parser.add_argument("queues", nargs="*", default=list(QUEUE_NAMES))
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--fork", action="store_true", help="fork a work horse per job (RQ's HerokuWorker)")
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        run_worker(args.queues, burst=args.burst, fork=args.fork)


if __name__ == "__main__":
    main()
