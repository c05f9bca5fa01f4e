"""The import contracts in pyproject.toml hold, and each one fails when its forbidden import is added.

Each case copies the packages to a temporary folder, adds one module with a forbidden import and runs
``lint-imports`` there: a contract that cannot fail (a typo in a module name, a wrong source) shows up here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "jobs", "bench", "sandbox", "devtools", "tests")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

INJECTIONS = [
    ("sync-pure", "portal/sync/injected.py", "import sqlalchemy\n"),
    ("sync-pure", "portal/sync/injected.py", "import portal.audit\n"),  # impure one step away
    ("clients-no-models", "portal/clients/injected.py", "from portal.models import Tenant\n"),
    ("engine-no-jobs-admin", "portal/engine/injected.py", "from jobs.queues import enqueue_push\n"),
    ("engine-no-jobs-admin", "portal/engine/injected.py", "import portal.admin.activity\n"),
    ("admin-no-clients", "portal/admin/injected.py", "from portal.clients.quickbooks import QuickBooksClient\n"),
    ("outbound-in-clients", "portal/services/injected.py", "import smtplib\n"),
    ("outbound-in-clients", "jobs/injected.py", "import requests\n"),
    ("outbound-in-clients", "portal/engine/injected.py", "from requests_oauthlib import OAuth2Session\n"),
    ("outbound-in-clients", "portal/injected_top.py", "import requests\n"),
    ("engine-no-services", "portal/engine/injected.py", "from portal.services.digest import send_all_digests\n"),
    ("admin-via-services", "portal/admin/injected.py", "import portal.engine.push\n"),
    ("product-no-dev-tools", "jobs/injected.py", "import tests.factories\n"),
    ("product-no-dev-tools", "portal/injected.py", "import bench.sync_bench\n"),
    ("product-no-dev-tools", "portal/engine/injected.py", "from devtools.seed import seed_connected_tenant\n"),
]


def lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    selected = [arg for contract in contracts for arg in ("--contract", contract)]
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    command = [str(LINT_IMPORTS), "--no-cache", "--no-logo", *selected]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The packages (Python files only) and pyproject.toml, in a folder of their own."""
    target = tmp_path_factory.mktemp("layers")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=_not_python)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def _not_python(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if not name.endswith(".py") and not (Path(folder) / name).is_dir()]


def test_the_contracts_hold(copy):
    result = lint_imports(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("contract", "path", "line"), INJECTIONS)
def test_a_forbidden_import_breaks_its_contract(copy, contract, path, line):
    module = copy / path
    module.write_text(line)
    try:
        result = lint_imports(copy, contract)
    finally:
        module.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and "injected" in result.stdout
