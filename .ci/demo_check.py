"""CI: run the README's run command (`make run`) from this clone, wait for /healthz and for synced and
Sync Failed rows in /metrics, then stop it with Ctrl-C (SIGINT) and check that it exits cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

METRICS_TOKEN = "demo-metrics-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def wait_for(what: str, check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            print(f"demo-check: {what}: ok", flush=True)
            return
        time.sleep(2)
    raise SystemExit(f"demo-check: {what}: not reached within {seconds:.0f} s")


def activity_count(body: str, status: str) -> int:
    found = re.search(rf'obqb_activities{{status="{status}",tenant="demo-clinic"}} (\d+)', body)
    return int(found.group(1)) if found else 0


def main() -> int:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "INSTANCE_PATH": tempfile.mkdtemp(prefix="demo-check-")}
    env["REDIS_URL"] = os.environ.get("DEMO_REDIS_URL", "redis://127.0.0.1:6379/11")
    process = subprocess.Popen(["make", "run"], env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("/healthz answers 200", lambda: fetch(f"{base}/healthz")[0] == 200, 180)
        metrics = lambda: fetch(f"{base}/metrics", METRICS_TOKEN)[1]  # noqa: E731
        wait_for("synced rows", lambda: activity_count(metrics(), "synced") > 0, 150)
        wait_for("Sync Failed rows with reasons", lambda: activity_count(metrics(), "sync_failed") > 0, 150)
        assert "obqb_queue_depth" in metrics() and "obqb_qbo_requests_total" in metrics()
        print("demo-check: metrics endpoint: ok", flush=True)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        code = process.wait(timeout=60)
    leftovers = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, text=True).stdout.split()
    if leftovers:
        raise SystemExit(f"demo-check: processes left running after Ctrl-C: {leftovers}")
    print(f"demo-check: stopped cleanly (make exited {code})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
