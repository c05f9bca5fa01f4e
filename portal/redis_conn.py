"""One Redis client per process, built from REDIS_URL (``rediss://`` with Heroku's self-signed cert)."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from redis import Redis


@lru_cache(maxsize=8)
def redis_for_url(url: str) -> Redis:
    """Return the process-wide pooled client for ``url``."""
    # ssl_cert_reqs only for TLS URLs: on a redis:// URL it raises TypeError at the first command.
    extra = {"ssl_cert_reqs": None} if url.startswith("rediss://") else {}
    return Redis.from_url(url, **extra)


def init_redis(app) -> None:
    app.extensions["portal.redis"] = redis_for_url(app.config["REDIS_URL"])


def get_redis() -> Redis:
    """The current app's Redis client."""
    return current_app.extensions["portal.redis"]
