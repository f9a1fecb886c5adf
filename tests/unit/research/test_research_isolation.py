"""The engine is plain Python: importing it must not import Django."""

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[3] / "research"


def test_engine_imports_without_django():
    code = (
        "import sys, research, research.review, research.deepdive;"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'));"
        "sys.exit(f'Django was imported: {bad[:3]}' if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ENGINE.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr or result.stdout


def test_engine_source_names_no_django_module():
    for path in ENGINE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "django" for n in names), path
