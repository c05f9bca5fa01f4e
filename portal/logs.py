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


def quiet_token_loggers() -> None:
    """oauthlib and requests-oauthlib log request and token bodies at DEBUG: never let them."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str = "INFO") -> None:
    """Send key=value lines to stdout (Heroku collects stdout); quiet the token-logging libraries."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(JobContext())
    root = logging.getLogger()
    if not any(isinstance(h.formatter, KeyValueFormatter) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(level)
    quiet_token_loggers()
