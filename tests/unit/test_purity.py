"""portal.sync must import only the standard library (and itself): no Flask, HTTP client or ORM."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import portal.sync

FORBIDDEN = (
    "flask",
    "requests",
    "sqlalchemy",
    "werkzeug",
    "urllib3",
    "redis",
    "rq",
    "portal.models",
    "portal.extensions",
)


def test_sync_modules_import_nothing_impure():
    modules = [f"portal.sync.{m.name}" for m in pkgutil.iter_modules(portal.sync.__path__)]
    assert len(modules) >= 8
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
