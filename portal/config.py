"""Configuration from the environment (12-factor), with safe development defaults."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet

from portal.sync.backoff import parse_delays
from portal.sync.digest import check_webhook_url

INTUIT_AUTH_URL = "https://appcenter.intuit.com/connect/oauth2"
INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
INTUIT_REVOKE_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
INTUIT_API_BASES = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
    "production": "https://quickbooks.api.intuit.com",
}
REQUIRED_IN_PRODUCTION = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ENCRYPTION_KEYS",
    "QBO_CLIENT_ID",
    "QBO_CLIENT_SECRET",
)


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def database_url(env: dict, instance_path: Path) -> str:
    """Return an SQLAlchemy URL; Heroku's ``postgres://`` becomes ``postgresql+psycopg://``."""
    url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portal.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def redis_url(env: dict) -> str:
    """Prefer Heroku's ``REDIS_TLS_URL`` when present, else ``REDIS_URL``, else a local Redis."""
    return env.get("REDIS_TLS_URL") or env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def dev_encryption_key(instance_path: Path) -> str:
    """Read (or create once) the development Fernet key kept under ``instance/``."""
    key_file = instance_path / "encryption.key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(Fernet.generate_key().decode())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def dev_secret_key(instance_path: Path) -> str:
    """Read (or create once) the development session secret kept under ``instance/``."""
    key_file = instance_path / "secret.key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(os.urandom(32).hex())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def check_production(env: dict) -> None:
    """Fail at startup, naming every missing variable, instead of at the first request."""
    missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name)]
    if missing:
        raise ConfigError(
            "APP_ENV=production but these settings are missing: "
            + ", ".join(missing)
            + ". Set them in the environment (see the configuration table in README.md)."
        )


def parse_encryption_keys(value: str) -> list[str]:
    """Split ``ENCRYPTION_KEYS`` (newest first, comma-separated) into Fernet keys.

    A value that is not a Fernet key but is a random secret of 32+ characters (what Heroku's app.json
    ``generator: secret`` makes) is turned into one by hashing, so a one-click deploy needs no manual step.
    """
    keys = [fernet_key(key.strip()) for key in value.split(",") if key.strip()]
    if not keys:
        raise ConfigError("ENCRYPTION_KEYS is empty")
    return keys


def fernet_key(value: str) -> str:
    try:
        Fernet(value)
        return value
    except ValueError:
        if len(value) < 32:
            raise ConfigError(
                "ENCRYPTION_KEYS holds a value that is neither a Fernet key nor a secret of 32+ characters; generate "
                "one with `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
            ) from None
        return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).decode()


def load_config(env: dict, instance_path: Path) -> dict:
    """Build the Flask config mapping from environment variables."""
    app_env = env.get("APP_ENV", "development")
    if app_env == "production":
        check_production(env)
    qbo_environment = env.get("QBO_ENVIRONMENT", "sandbox")
    if qbo_environment not in INTUIT_API_BASES:
        raise ConfigError("QBO_ENVIRONMENT must be 'sandbox' or 'production'")
    dev = app_env != "production"
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": env.get("SECRET_KEY") or dev_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(env, instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url(env),
        "ENCRYPTION_KEYS": parse_encryption_keys(env.get("ENCRYPTION_KEYS") or dev_encryption_key(instance_path)),
        "QBO_CLIENT_ID": env.get("QBO_CLIENT_ID", ""),
        "QBO_CLIENT_SECRET": env.get("QBO_CLIENT_SECRET", ""),
        "QBO_ENVIRONMENT": qbo_environment,
        "QBO_AUTH_URL": env.get("QBO_AUTH_URL", INTUIT_AUTH_URL),
        "QBO_TOKEN_URL": env.get("QBO_TOKEN_URL", INTUIT_TOKEN_URL),
        "QBO_REVOKE_URL": env.get("QBO_REVOKE_URL", INTUIT_REVOKE_URL),
        "QBO_API_BASE": env.get("QBO_API_BASE", INTUIT_API_BASES[qbo_environment]),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": not dev,
        # Lax, not Strict: Intuit's OAuth redirect back to us is a cross-site navigation.
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": not dev,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "QBO_RATE_BUDGET": int(env.get("QBO_RATE_BUDGET", "480")),
        "QBO_RATE_WINDOW_SECONDS": float(env.get("QBO_RATE_WINDOW_SECONDS", "60")),
        "QBO_MAX_CONCURRENCY": int(env.get("QBO_MAX_CONCURRENCY", "10")),
        "QBO_RATE_PER_SECOND": float(env.get("QBO_RATE_PER_SECOND", "8")),
        "QBO_BATCH_BUDGET": int(env.get("QBO_BATCH_BUDGET", "36")),
        # Each batch item takes one request of QBO_RATE_BUDGET (0: the batch call takes one); unconfirmed.
        "QBO_BATCH_ITEMS_COUNT": env.get("QBO_BATCH_ITEMS_COUNT", "1") == "1",
        "OPENBOXES_CLOCK_SKEW_SECONDS": int(env.get("OPENBOXES_CLOCK_SKEW_SECONDS", "300")),
        "SYNC_STUCK_SECONDS": int(env.get("SYNC_STUCK_SECONDS", "600")),
        "SYNC_ORPHAN_GRACE_SECONDS": int(env.get("SYNC_ORPHAN_GRACE_SECONDS", "120")),
        # Push jobs of one QuickBooks company queued or running at once: the fairness between companies.
        "SYNC_REALM_CONCURRENCY": int(env.get("SYNC_REALM_CONCURRENCY", "2")),
        # Document creates of one company queued by one poll at or above this count go through POST /batch.
        "SYNC_BATCH_MIN_ROWS": int(env.get("SYNC_BATCH_MIN_ROWS", "10")),
        "BULK_RETRY_INLINE_MAX_ROWS": int(env.get("BULK_RETRY_INLINE_MAX_ROWS", "20000")),
        "SYNC_RETRY_DELAYS": parse_delays(env.get("SYNC_RETRY_DELAYS", "60,120,240")),
        "OPENBOXES_TEST_TIMEOUT_SECONDS": float(env.get("OPENBOXES_TEST_TIMEOUT_SECONDS", "10")),
        "OPENBOXES_ALLOW_PRIVATE_NETWORKS": env.get("OPENBOXES_ALLOW_PRIVATE_NETWORKS", "1" if dev else "0") == "1",
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "JOB_LOG_LEVEL": env.get("JOB_LOG_LEVEL", "INFO"),  # per-job info lines (DEBUG in `make run`)
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCKOUT_SECONDS": int(env.get("LOGIN_LOCKOUT_SECONDS", "300")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(env.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        "LOGIN_ADDRESS_WINDOW_SECONDS": int(env.get("LOGIN_ADDRESS_WINDOW_SECONDS", "300")),
        **digest_settings(env),
    }


def digest_settings(env: dict) -> dict:
    """Failure digest delivery: no ``SMTP_HOST`` means email is off (webhooks still work)."""
    settings = {
        "SMTP_HOST": env.get("SMTP_HOST", ""),
        "SMTP_PORT": int(env.get("SMTP_PORT", "587")),
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_FROM": env.get("SMTP_FROM", "bridge@localhost"),
        "SMTP_STARTTLS": _flag(env, "SMTP_STARTTLS", "1"),
        "SMTP_CA_FILE": env.get("SMTP_CA_FILE", ""),  # a private relay's CA, trusted besides the system's
        "SUPPORT_DIGEST_EMAIL": env.get("SUPPORT_DIGEST_EMAIL", ""),
        "SUPPORT_DIGEST_WEBHOOK": env.get("SUPPORT_DIGEST_WEBHOOK", ""),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
    }
    check_smtp(settings)
    return settings


def _flag(env: dict, name: str, default: str) -> bool:
    value = env.get(name, default).strip()
    if value not in ("0", "1"):
        raise ConfigError(f"{name} must be 1 (on) or 0 (off), not '{value}'")
    return value == "1"


def check_smtp(settings: dict) -> None:
    """Refuse at start-up what would otherwise fail every hourly digest run."""
    if settings["SUPPORT_DIGEST_WEBHOOK"]:
        try:
            check_webhook_url(settings["SUPPORT_DIGEST_WEBHOOK"])
        except ValueError as error:
            raise ConfigError(f"SUPPORT_DIGEST_WEBHOOK: {error}") from None
    if settings["SMTP_USERNAME"] and not settings["SMTP_STARTTLS"]:
        raise ConfigError("SMTP_USERNAME is set but SMTP_STARTTLS=0: the password would cross unencrypted; set 1")
    if settings["SMTP_CA_FILE"] and not Path(settings["SMTP_CA_FILE"]).is_file():
        path = settings["SMTP_CA_FILE"]
        raise ConfigError(f"SMTP_CA_FILE {path} is not a file: give the path of the relay's CA certificate (PEM)")
