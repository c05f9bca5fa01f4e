"""The trivial job that proves the pipeline end to end."""

from portal.audit import record_event
from portal.extensions import db


def ping_worker(token: str) -> str:
    """Write a 'worker.ping' audit row carrying ``token`` and return the token."""
    record_event("worker.ping", details={"token": token})
    db.session.commit()
    return token
