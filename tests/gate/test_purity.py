"""The gate is a pure library: no web framework, no database layer, no app or connector code."""
import ast
import json
import subprocess
import sys
from pathlib import Path

GATE = Path(__file__).resolve().parents[2] / "gate"
FORBIDDEN = ("flask", "sqlalchemy", "scheduler", "platforms", "werkzeug", "rq", "redis")


def test_importing_gate_loads_no_forbidden_modules():
    code = (
        "import json, sys; import gate; gate.default_policy(); "
        "gate.evaluate(gate.Post('hello'), gate.default_policy()); "
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=GATE.parent)
    loaded = json.loads(result.stdout)
    offenders = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_no_import_statement_names_a_forbidden_package():
    offenders = []
    for source in GATE.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{source.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
