"""Find a reachable Redis, or start a private ``redis-server`` for local runs and tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time

from redis import Redis
from redis.exceptions import RedisError

from devtools.ports import free_port

INSTALL_HINT = (
    "redis-server is not installed. Install it with `sudo apt-get install redis-server` (Debian/Ubuntu) "
    "or `brew install redis` (macOS), or point REDIS_URL at a running Redis."
)


class RedisUnavailable(RuntimeError):
    """No Redis is reachable and none could be started."""


def is_reachable(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except (RedisError, OSError):
        return False


def start_redis_server() -> tuple[str, subprocess.Popen]:
    """Start an in-memory ``redis-server`` on a free loopback port; return its URL and process."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable(INSTALL_HINT)
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="portal-redis-")
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    # Own session: a Ctrl-C meant for our processes must not kill Redis before they have shut down.
    process = subprocess.Popen([*args, "--dir", workdir], stdout=subprocess.DEVNULL, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not is_reachable(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RedisUnavailable(f"redis-server did not start on port {port}")
        time.sleep(0.05)
    return url, process


def ensure_redis(url: str) -> tuple[str, subprocess.Popen | None]:
    """Return ``url`` if it answers, else a freshly started private server (and its process)."""
    if is_reachable(url):
        return url, None
    return start_redis_server()
