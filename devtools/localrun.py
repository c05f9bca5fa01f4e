"""``python -m devtools.localrun``: the product on one laptop — migrations, web, worker and clock.

Uses SQLite under ``instance/`` and the Redis at REDIS_URL, or starts a private ``redis-server`` on a
free port when none answers. Ctrl-C stops everything it started.

The banner (URL, logins, the ports the sandboxes took) is printed last, once the console answers, and
again on demand: press Enter, or send SIGUSR1 (``make banner`` does, using ``instance/localrun.pid``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import flask_migrate
import requests
from sqlalchemy import func, select

from devtools import demo
from devtools.local_redis import RedisUnavailable, ensure_redis
from devtools.ports import pick_port
from jobs.queues import enqueue_poll
from portal import create_app
from portal.app import MIGRATIONS_DIR
from portal.config import redis_url
from portal.extensions import db
from portal.models import Tenant, User

PID_FILE = "localrun.pid"  # under instance/: where ``make banner`` finds the process to signal
AGAIN = "Press Enter (or run `make banner` in another terminal) to show this again."
GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
FIRST_USERS_HINT = """No console users yet. Create a support user and a tenant admin:
  .venv/bin/flask tenants create --name "Acme Medical"
  .venv/bin/flask users create --email you@example.com --role support
  .venv/bin/flask users create --email admin@acme.example --role tenant_admin --tenant acme-medical
"""


def prepare_database(sandboxes: demo.Sandboxes | None = None) -> bool:
    """Apply migrations (and seed the demo); return whether any console user exists."""
    app = create_app()
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        if sandboxes is not None:
            demo.seed_demo(sandboxes)
            tenant = db.session.scalar(select(Tenant).filter_by(slug="demo-clinic"))
            enqueue_poll(tenant.id, "manual", slot=f"demo-start-{time.time_ns()}")
        has_users = db.session.scalar(select(func.count(User.id))) > 0
        db.engine.dispose()
    return has_users


def instance_path() -> Path:
    return Path(create_app().instance_path)


def start_processes(port: int, env: dict) -> list[subprocess.Popen]:
    python = sys.executable
    commands = [
        [
            python,
            "-m",
            "gunicorn",
            "wsgi:app",
            "--config",
            str(GUNICORN_CONF),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        [python, "-m", "jobs.worker"],
        [python, "-m", "jobs.clock"],
    ]
    return [subprocess.Popen(command, env=env) for command in commands]


def wait_until_serving(url: str, seconds: float = 60) -> bool:
    """Whether the console at ``url`` answered (any HTTP status) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}healthz", timeout=2)
            return True
        except requests.RequestException:
            time.sleep(0.5)
    return False


def banner(url: str, sandboxes: demo.Sandboxes | None, has_users: bool) -> str:
    """What a person needs from the terminal: the URL, the logins, the sandboxes' ports, how to see it again."""
    if sandboxes is not None:
        text = demo.demo_banner(url) + (
            f"  OpenBoxes sandbox:  {sandboxes.openboxes}/openboxes\n  QuickBooks sandbox: {sandboxes.quickbooks}\n"
        )
    else:
        text = f"\nConsole: {url}  (worker and clock running; Ctrl-C stops everything)\n"
    if not has_users:
        text += "\n" + FIRST_USERS_HINT
    return f"{text}{AGAIN}\n"


class BannerOnDemand:
    """Prints the banner again on Enter (when the terminal is ours) or SIGUSR1."""

    def __init__(self, text: str, pid_file: Path) -> None:
        self.text, self.pid_file, self.wanted = text, pid_file, threading.Event()

    def start(self) -> None:
        self.pid_file.write_text(str(os.getpid()))
        signal.signal(signal.SIGUSR1, lambda *_: self.wanted.set())
        if sys.stdin is not None and sys.stdin.isatty():
            threading.Thread(target=self._read_enter, name="banner-on-enter", daemon=True).start()

    def _read_enter(self) -> None:
        for _line in sys.stdin:
            self.wanted.set()

    def show_if_wanted(self) -> None:
        if self.wanted.is_set():
            self.wanted.clear()
            print(self.text, flush=True)

    def stop(self) -> None:
        self.pid_file.unlink(missing_ok=True)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the console, a worker and the clock locally.")
    parser.add_argument("--demo", action="store_true", help="also run both sandboxes with a demo tenant")
    args = parser.parse_args(argv)
    try:
        url, redis_process = ensure_redis(redis_url(os.environ))
    except RedisUnavailable as error:
        print(error, file=sys.stderr)
        return 1
    os.environ["REDIS_URL"] = url
    sandboxes = demo.start_sandboxes(instance_path()) if args.demo else None
    if sandboxes is not None:
        os.environ.update(demo.quickbooks_env(sandboxes.quickbooks))
        os.environ.setdefault("JOB_LOG_LEVEL", "DEBUG")  # hundreds of jobs a minute would scroll the banner away
    has_users = prepare_database(sandboxes)
    port = pick_port(int(os.environ.get("PORT", "5000")))
    processes = start_processes(port, dict(os.environ))
    if sandboxes is not None:
        processes += sandboxes.processes
    console = f"http://127.0.0.1:{port}/"
    on_demand = BannerOnDemand(banner(console, sandboxes, has_users), instance_path() / PID_FILE)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if not wait_until_serving(console):
            print(f"the console at {console} did not answer within a minute", file=sys.stderr)
        on_demand.start()
        on_demand.wanted.set()  # the first showing: last, after the start-up lines
        while all(process.poll() is None for process in processes):
            on_demand.show_if_wanted()
            time.sleep(0.5)
        print("a process stopped; shutting down", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, SystemExit):
        return 0
    finally:
        on_demand.stop()
        stop(processes)
        if redis_process is not None:  # last, so the worker can finish its shutdown cleanly
            stop([redis_process])


if __name__ == "__main__":
    sys.exit(main())
