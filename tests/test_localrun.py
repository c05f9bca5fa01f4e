"""`make run`: the banner comes last (after start-up), names the ports the sandboxes really took, shows again on
demand, and per-job log lines stay at DEBUG so it does not scroll away."""

from __future__ import annotations

import io
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from devtools import demo, localrun
from devtools.ports import free_port
from portal.logs import JobLines, KeyValueFormatter
from tests.workers import ROOT


def _log_through(job_lines: str, *records: tuple[str, int, str, tuple]) -> str:
    """What a handler configured like ``configure_logging`` writes for ``records`` (logger, level, msg, args)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(JobLines(logging.getLevelNamesMapping()[job_lines]))
    for name, level, msg, args in records:
        handler.handle(logging.LogRecord(name, level, __file__, 1, msg, args, None))
    return stream.getvalue()


RQ_LINES = (
    ("rq.worker", logging.INFO, "Worker %s: %s: %s (%s)", ("w1", "default", "jobs.sync.push_activity(7)", "push-7-0")),
    ("rq.worker", logging.INFO, "Worker %s: job %s result is kept for %s seconds", ("w1", "push-7-0", 500)),
    ("rq.worker", logging.INFO, "Worker %s: started with PID %d, version %s", ("w1", 42, "2.4")),
    ("rq.worker", logging.WARNING, "Worker %s: job %s failed", ("w1", "push-7-0")),
)


def test_per_job_lines_go_to_debug_and_the_rest_stays():
    out = _log_through("DEBUG", *RQ_LINES)
    assert "push_activity" not in out and "result is kept" not in out
    assert "started with PID 42" in out and "level=warning" in out and "failed" in out
    everything = _log_through("INFO", *RQ_LINES)  # the default: every line as RQ wrote it
    assert "push_activity" in everything and "result is kept" in everything


def test_banner_names_the_logins_the_sandbox_ports_and_how_to_see_it_again():
    sandboxes = demo.Sandboxes("http://127.0.0.1:40001", "http://127.0.0.1:40002", [])
    text = localrun.banner("http://127.0.0.1:5000/", sandboxes, has_users=True)
    assert demo.SUPPORT_LOGIN[0] in text and demo.ADMIN_LOGIN[1] in text
    assert "OpenBoxes sandbox:  http://127.0.0.1:40001/openboxes" in text
    assert "QuickBooks sandbox: http://127.0.0.1:40002" in text
    assert text.rstrip().endswith("Press Enter (or run `make banner` in another terminal) to show this again.")


class Output:
    """A child's stdout+stderr, collected line by line in a thread."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, count: int = 1, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while sum(text in line for line in self.lines) < count:
            assert time.monotonic() < deadline, f"{text!r} ×{count} not printed:\n" + "\n".join(self.lines[-60:])
            time.sleep(0.5)


@pytest.mark.slow
def test_make_run_prints_the_banner_last_with_the_real_ports_and_again_on_sigusr1(tmp_path, redis_url):
    busy = socket.socket()
    try:
        busy.bind(("127.0.0.1", 8801))  # the OpenBoxes sandbox's usual port, taken (unless it already was)
    except OSError:
        pass
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "JOB_LOG_LEVEL")}
    env |= {"INSTANCE_PATH": str(tmp_path), "PORT": str(free_port()), "REDIS_URL": redis_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.localrun", "--demo"], cwd=ROOT, env=env, start_new_session=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output = Output(process)
    try:
        output.wait_for("Press Enter")
        ports = [line for line in output.lines if "OpenBoxes sandbox:" in line]
        assert ports and ":8801/" not in ports[0], ports
        first = next(i for i, line in enumerate(output.lines) if "Demo console:" in line)
        assert any("Listening at" in line for line in output.lines[:first]), "the banner came before gunicorn"
        pid = int((tmp_path / "localrun.pid").read_text())
        assert pid == process.pid
        time.sleep(5)  # the demo works its first jobs meanwhile
        os.kill(pid, signal.SIGUSR1)
        output.wait_for("Demo console:", count=2, seconds=30)
        assert not [line for line in output.lines if "Job OK" in line or "qbo call" in line]
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        output.thread.join(timeout=10)
        process.stdout.close()
        busy.close()
    assert not (tmp_path / "localrun.pid").exists()
