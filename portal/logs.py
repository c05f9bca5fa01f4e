"""Structured logs: one ``key=value`` line per event, carrying the job and request context.

Secrets never reach a log line: libraries that log token bodies at DEBUG are held at WARNING, and the
clients log ids, paths, statuses and Intuit's ``intuit_tid`` only.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from rq import get_current_job

QUIET_LOGGERS = ("oauthlib", "requests_oauthlib", "urllib3", "werkzeug")
CONTEXT_FIELDS = ("tenant", "activity", "entity")
_context: ContextVar[dict | None] = ContextVar("log_context", default=None)


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Add ``tenant=…``, ``realm=…``, ``activity=…`` to every log line written inside the block."""
    token = _context.set({**(_context.get() or {}), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class JobContext(logging.Filter):
    """Stamp each record with the RQ job id (``-`` outside a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = get_current_job()
        record.job_id = job.id if job is not None else "-"
        record.context = _context.get()
        return True


class KeyValueFormatter(logging.Formatter):
    """``ts=… level=… logger=… job=… msg="…"`` — greppable, and parsed by any log drain."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().replace('"', "'")
        line = (
            f"ts={self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} level={record.levelname.lower()} "
            f"logger={record.name} job={getattr(record, 'job_id', '-')}"
        )
        context = getattr(record, "context", None) or _context.get() or {}
        line += "".join(f" {key}={context[key]}" for key in CONTEXT_FIELDS if key in context)
        line += f' msg="{message}"'
        if record.exc_info:
            line += " exc=" + self.formatException(record.exc_info).splitlines()[-1].replace(" ", "_")
        return line


RQ_LOGGERS = ("rq.worker", "rq.job")


class JobLines(logging.Filter):
    """Per-job info lines (each dequeue, "Job OK", each QuickBooks call inside a job) at ``level`` instead.

    A demo works hundreds of jobs a minute: at DEBUG their lines leave the start-up banner on screen, while
    warnings and errors still show. Start-up and shutdown lines of the worker stay at INFO.
    """

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and self.level != logging.INFO and is_job_line(record):
            record.levelno, record.levelname = self.level, logging.getLevelName(self.level)
            return logging.getLogger().isEnabledFor(self.level)
        return True


def is_job_line(record: logging.LogRecord) -> bool:
    """Whether ``record`` is about one job: written while a job runs, or RQ's own line about a job."""
    if getattr(record, "job_id", "-") != "-":
        return True
    template = str(record.msg)
    return record.name in RQ_LOGGERS and ("job" in template.lower() or template.startswith("Worker %s: %s: %s"))


def quiet_token_loggers() -> None:
    """oauthlib and requests-oauthlib log request and token bodies at DEBUG: never let them."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str = "INFO", job_lines: str = "INFO") -> None:
    """Send key=value lines to stdout (Heroku collects stdout); quiet the token-logging libraries.

    ``job_lines``: the level per-job info lines are written at (``JOB_LOG_LEVEL``; DEBUG in ``make run``).
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(JobContext())
    handler.addFilter(JobLines(logging.getLevelNamesMapping().get(job_lines.upper(), logging.INFO)))
    root = logging.getLogger()
    if not any(isinstance(h.formatter, KeyValueFormatter) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(level)
    quiet_token_loggers()
