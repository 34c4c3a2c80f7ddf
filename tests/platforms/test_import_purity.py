"""Connectors stay pure: no Flask, SQLAlchemy, scheduler or gate, and no work at import time."""
import ast
import pathlib
import subprocess
import sys

import platforms

CONNECTOR_DIR = pathlib.Path(platforms.__file__).parent
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "scheduler", "gate", "werkzeug")


def connector_modules():
    return sorted(p for p in CONNECTOR_DIR.glob("*.py"))


def imported_roots(path: pathlib.Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_connector_sources_import_nothing_forbidden():
    offenders = {p.name: imported_roots(p) & set(FORBIDDEN) for p in connector_modules()}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_connector_sources_do_not_read_the_environment():
    for path in connector_modules():
        assert "os.environ" not in path.read_text(), f"{path.name} reads the environment"


def test_importing_platforms_loads_no_forbidden_package():
    code = (
        "import sys, platforms, platforms.x, platforms.facebook, platforms.linkedin, platforms.registry;"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r});"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=CONNECTOR_DIR.parent, check=True
    )
    assert result.stdout.strip() == ""
