"""One spelling per email address: checked as an address, stored in lower case."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context


def normalise_email(value: str) -> str:
    """Return ``value`` as stored (lower case), or raise ValueError saying what is wrong with it.

    Lower case throughout, local part included: login ignores case, so two spellings of one address
    must never be two accounts.
    """
    testing = has_app_context() and current_app.testing  # the reserved ``.test`` domain, for the test suite
    try:
        checked = validate_email(value.strip(), check_deliverability=False, test_environment=testing)
    except EmailNotValidError as error:
        raise ValueError(f"{value.strip()!r} is not an email address: {error}") from None
    return checked.normalized.lower()
