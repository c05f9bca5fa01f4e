"""Run real worker processes (``python -m jobs.worker``) against the test database and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSED_THROUGH = (
    "QBO_CLIENT_ID",
    "QBO_CLIENT_SECRET",
    "QBO_AUTH_URL",
    "QBO_TOKEN_URL",
    "QBO_REVOKE_URL",
    "QBO_API_BASE",
)


def worker_env(config: dict) -> dict:
    """The environment a worker process needs to see what the test's app sees."""
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": config["REDIS_URL"],
        "ENCRYPTION_KEYS": config["ENCRYPTION_KEYS"][0],
        "SECRET_KEY": config["SECRET_KEY"],
        "SYNC_RETRY_DELAYS": ",".join(str(d) for d in config.get("SYNC_RETRY_DELAYS", (60, 120, 240))),
    }
    env.update({name: str(config[name]) for name in PASSED_THROUGH if config.get(name)})
    return env


def start_burst_worker(config: dict, *queues: str) -> subprocess.Popen:
    """Start ``python -m jobs.worker --burst``; it exits when the queues are empty."""
    return subprocess.Popen(
        [sys.executable, "-m", "jobs.worker", "--burst", *queues],
        cwd=ROOT,
        env=worker_env(config),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def start_worker(config: dict, log: Path, env: dict | None = None) -> subprocess.Popen:
    """Start ``python -m jobs.worker`` (until stopped, scheduler on), its output to ``log``; ``env`` adds settings."""
    with log.open("w") as output:  # a file, not a pipe nobody reads: a full pipe would block the worker
        return subprocess.Popen(
            [sys.executable, "-m", "jobs.worker"],
            cwd=ROOT,
            env={**worker_env(config), **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def run_burst_worker(config: dict, *queues: str) -> subprocess.CompletedProcess:
    process = start_burst_worker(config, *queues)
    output, _ = process.communicate(timeout=180)
    return subprocess.CompletedProcess(process.args, process.returncode, output, "")
