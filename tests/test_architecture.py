"""The shape of the house (STYLE.md): arrows point inwards, and the CLI starts fast."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "casetrack"
STDLIB = set(sys.stdlib_module_names)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _modules(under: str = "") -> list[Path]:
    return sorted((SRC / under).rglob("*.py"))


def test_domain_is_pure() -> None:
    for path in _modules("domain"):
        foreign = {m for m in _imports(path) if m not in STDLIB}
        assert not foreign, f"{path.name} imports {foreign}"


@pytest.mark.parametrize(("library", "home"), [
    ("transitions", "workflow"), ("sqlmodel", "store"), ("sqlalchemy", "store"), ("alembic", "store"),
    ("apscheduler", "scheduling"), ("click", "cli"), ("argon2", "services"), ("starlette", "web"),
    ("uvicorn", "cli"),
])
def test_library_stays_in_its_package(library: str, home: str) -> None:
    offenders = [p.relative_to(SRC) for p in _modules() if library in _imports(p)
                 and p.relative_to(SRC).parts[0] != home]
    assert offenders == []


def test_nothing_imports_the_cli() -> None:
    offenders = []
    for path in _modules():
        if path.relative_to(SRC).parts[0] == "cli" or path.name == "__main__.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "from .cli" in text or "casetrack.cli" in text or "from ..cli" in text:
            offenders.append(path.name)
    assert offenders == []


def test_help_imports_no_heavy_library() -> None:
    code = ("import sys; from casetrack.cli.main import run; run(['--help']); "
            "print('HEAVY:' + ','.join(m for m in ('sqlalchemy','sqlmodel','transitions','apscheduler','alembic',"
            "'starlette','uvicorn','jinja2') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "HEAVY:", done.stdout


def test_the_web_app_goes_through_the_services() -> None:
    """Routes parse, call a use case and render: no repository, no engine, no workflow internals."""
    offenders = []
    for path in _modules("web"):
        text = path.read_text(encoding="utf-8")
        if "from ..store" in text or "casetrack.store" in text or "from ..workflow" in text:
            offenders.append(path.name)
    assert offenders == []
