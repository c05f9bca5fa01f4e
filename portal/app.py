"""The Flask app factory: one ``init_*`` call per subsystem, so it reads like a table of contents."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from jobs import queues
from portal import admin, auth, cli, errors, health, request_checks, security_headers
from portal.config import load_config
from portal.crypto import init_crypto
from portal.extensions import csrf, db, login_manager, migrate
from portal.logs import configure_logging, quiet_token_loggers
from portal.redis_conn import init_redis

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def allow_loopback_oauth(token_url: str) -> None:
    """oauthlib refuses plain http; allow it only when the token endpoint is on this machine (sandbox)."""
    host = urlsplit(token_url).hostname or ""
    if token_url.startswith("http://") and host in ("127.0.0.1", "localhost", "::1"):
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def build_app(overrides: dict | None = None) -> Flask:
    """Create and wire the app; ``overrides`` win over the environment."""
    app = Flask(__name__, instance_relative_config=False)
    app.instance_path = os.environ.get("INSTANCE_PATH", app.instance_path)
    app.config.update(load_config(dict(os.environ), Path(app.instance_path)))
    app.config.update(overrides or {})
    # Heroku's router terminates TLS; trust one proxy hop for scheme and host (OAuth callback URLs).
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    if not app.config.get("TESTING"):
        configure_logging(app.config.get("LOG_LEVEL", "INFO"), app.config.get("JOB_LOG_LEVEL", "INFO"))
    else:
        quiet_token_loggers()
    allow_loopback_oauth(app.config["QBO_TOKEN_URL"])
    init_crypto(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    login_manager.init_app(app)
    init_redis(app)
    queues.init_app(app)
    security_headers.init_app(app)
    request_checks.init_app(app)
    auth.init_app(app)
    admin.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    cli.init_app(app)
    return app
