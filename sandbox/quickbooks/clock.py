"""Timestamps in the shapes QuickBooks Online returns (US Pacific offsets, as Intuit's servers do)."""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")


def now() -> float:
    """Wall-clock seconds; token lifetimes are measured against this."""
    return time.time()


def timestamp(millis: bool = False) -> str:
    """Current time as ``YYYY-MM-DDTHH:MM:SS[.fff]±HH:MM`` in Pacific time."""
    moment = datetime.now(PACIFIC)
    text = moment.isoformat(timespec="milliseconds" if millis else "seconds")
    return text


def today() -> str:
    """Today's date in the company's (Pacific) time zone, the default TxnDate."""
    return datetime.now(PACIFIC).date().isoformat()


def intuit_tid() -> str:
    """A fresh transaction id for the ``intuit_tid`` response header."""
    return f"1-{secrets.token_hex(4)}-{secrets.token_hex(12)}"
