"""The product (portal/, jobs/) never imports the development tools, the sandboxes, the bench or the tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("portal", "jobs")
DEV_ONLY = {"devtools", "sandbox", "bench", "tests"}


def imported_packages(source: str) -> set[str]:
    """Top-level package of every absolute import in ``source`` (lazy imports inside functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_check_sees_module_and_function_level_imports():
    source = "import devtools.seed\ndef f():\n    from sandbox.quickbooks import make_app\n"
    assert imported_packages(source) == {"devtools", "sandbox"}


def test_product_code_imports_no_development_tool():
    files = [path for package in PRODUCT for path in (ROOT / package).rglob("*.py")]
    assert len(files) > 50
    offenders = {
        f"{path.relative_to(ROOT)} imports {', '.join(sorted(bad))}"
        for path in files
        if (bad := imported_packages(path.read_text(encoding="utf-8")) & DEV_ONLY)
    }
    assert offenders == set()
