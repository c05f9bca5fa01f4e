"""Secrets at rest: Fernet encryption with key rotation (newest key first in ENCRYPTION_KEYS)."""

from __future__ import annotations

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

EXTENSION_KEY = "portal.fernet"


def init_crypto(app) -> None:
    """Build the MultiFernet for this app from its ENCRYPTION_KEYS."""
    app.extensions[EXTENSION_KEY] = MultiFernet([Fernet(key) for key in app.config["ENCRYPTION_KEYS"]])


def _fernet() -> MultiFernet:
    return current_app.extensions[EXTENSION_KEY]


def encrypt(plaintext: str) -> str:
    """Encrypt with the newest key."""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt with whichever configured key made ``token``."""
    return _fernet().decrypt(token.encode()).decode()


class EncryptedText(TypeDecorator):
    """A text column stored as a Fernet token; Python code only ever sees plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
