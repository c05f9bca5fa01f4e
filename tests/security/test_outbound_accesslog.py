"""The web process's access log does not keep the OAuth callback's code, state and realmId: gunicorn runs
with the Procfile's own web command (only the app, port and worker count swapped for the test's) and the
callback URL is requested over real HTTP."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "/admin/quickbooks/callback?code=AB11SecretCode42&state=SecretState77&realmId=9341453050000002"


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def web_command(port: int) -> list[str]:
    """The Procfile's web command, serving the stub app on ``port`` with one worker."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web: "))
    words = shlex.split(line.removeprefix("web: ").replace("${WEB_CONCURRENCY:-2}", "1"))
    assert words[:2] == ["gunicorn", "wsgi:app"]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "tests.security.outbound_stub_app:app",
        *words[2:],
        "--bind",
        f"127.0.0.1:{port}",
    ]


def wait_until_serving(url: str, process: subprocess.Popen) -> None:
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up and process.poll() is None:
        try:
            requests.get(url, timeout=1, allow_redirects=False)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not start")


def test_the_access_log_does_not_keep_the_callbacks_code_state_or_realm():
    port = free_port()
    process = subprocess.Popen(web_command(port), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/healthz", process)
        answer = requests.get(
            f"http://127.0.0.1:{port}{CALLBACK}",
            headers={"Referer": f"http://127.0.0.1:{port}{CALLBACK}"},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 302
    finally:
        process.terminate()
        log = process.communicate(timeout=30)[0]
    callback_lines = [line for line in log.splitlines() if "/admin/quickbooks/callback" in line]
    assert callback_lines, log
    for secret in ("AB11SecretCode42", "SecretState77", "9341453050000002"):
        assert secret not in log
    assert "code=[redacted]&state=[redacted]&realmId=[redacted]" in callback_lines[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code=abc&state=x", "code=[redacted]&state=[redacted]"),
        ("/cb?realmId=1&other=2&STATE=3", "/cb?realmId=[redacted]&other=2&STATE=[redacted]"),
        ("/cb?barcode=1&codes=2", "/cb?barcode=1&codes=2"),
        ('"GET /cb?code=a%20b HTTP/1.1" 302', '"GET /cb?code=[redacted] HTTP/1.1" 302'),
    ],
)
def test_redact_blanks_only_the_secret_parameters(text, expected):
    from portal.accesslog import redact  # here, so the gunicorn test above runs even where it is missing

    assert redact(text) == expected
