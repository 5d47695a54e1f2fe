"""The shape of the house (STYLE.md): arrows point inwards, and the CLI starts fast."""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "casetrack"
STDLIB = set(sys.stdlib_module_names)


@cache
def _tree(path: Path) -> ast.Module:
    """The parsed source of ``path`` (read once: several tests walk every module)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> set[str]:
    tree = _tree(path)
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


@pytest.mark.parametrize(
    ("library", "home"),
    [
        ("transitions", "workflow"),
        ("sqlmodel", "store"),
        ("sqlalchemy", "store"),
        ("alembic", "store"),
        ("apscheduler", "scheduling"),
        ("click", "cli"),
        ("argon2", "services"),
        ("starlette", "web"),
        ("uvicorn", "cli"),
    ],
)
def test_library_stays_in_its_package(library: str, home: str) -> None:
    offenders = [
        p.relative_to(SRC)
        for p in _modules()
        if library in _imports(p) and p.relative_to(SRC).parts[0] != home
    ]
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


def test_nothing_imports_the_test_support() -> None:
    """Fault injection (casetrack.testing) is installed by the crash tests' entry point only: casetrack
    itself carries named crash points that do nothing (casetrack.crash_points)."""
    offenders = []
    for path in _modules():
        if path.relative_to(SRC).parts[0] == "testing":
            continue
        text = path.read_text(encoding="utf-8")
        if any(
            s in text
            for s in (
                "casetrack.testing",
                "from .testing",
                "from ..testing",
                "import testing",
                "CASETRACK_FAULT_INJECT",
                "SIGKILL",
            )
        ):
            offenders.append(path.name)
    assert offenders == []


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys; from casetrack.cli.main import run; run(['--help']); "
        "print('HEAVY:' + ','.join(m for m in ('sqlalchemy','sqlmodel','transitions','apscheduler','alembic',"
        "'starlette','uvicorn','jinja2') "
        "if m in sys.modules))"
    )
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


def test_only_the_unit_of_work_gives_repositories() -> None:
    """Scope by construction: outside the store no code builds a repository or reaches for the connection
    under one; a use case takes them, already scoped, from its unit of work (services/context.py)."""
    offenders = []
    for path in _modules():
        if path.relative_to(SRC).parts[0] == "store":
            continue
        tree = _tree(path)
        for node in ast.walk(tree):
            built = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name | ast.Attribute)
                and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr).endswith("Repo")
            )
            if built or (isinstance(node, ast.Attribute) and node.attr == "conn"):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def _reaches(path: Path, package: str) -> bool:
    """Whether ``path`` imports ``casetrack.<package>`` (at any depth, also inside functions)."""
    tree = _tree(path)
    depth = len(path.relative_to(SRC).parts) - 1  # how many dots lead back to casetrack
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(
                a.name == f"casetrack.{package}" or a.name.startswith(f"casetrack.{package}.")
                for a in node.names
            ):
                return True
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0:
                absolute = module
            elif node.level == depth + 1:  # relative to casetrack itself
                absolute = f"casetrack.{module}" if module else "casetrack"
            else:
                continue  # inside its own package
            if absolute == f"casetrack.{package}" or absolute.startswith(f"casetrack.{package}."):
                return True
            if absolute == "casetrack" and any(a.name == package for a in node.names):
                return True
    return False


def test_the_cli_goes_through_the_services() -> None:
    """Commands parse, call a use case and print: no repository, no engine, no SQL."""
    offenders = [p.name for p in _modules("cli") if _reaches(p, "store")]
    assert offenders == []


def test_the_presenters_read_nothing() -> None:
    """Presenters are pure: records in, dicts out. What a view needs is read before, in the use case's
    one transaction (store.case_reads), so a presenter cannot open another snapshot."""
    assert not _reaches(SRC / "presenters.py", "store")
    foreign = {m for m in _imports(SRC / "presenters.py") if m not in STDLIB and m != "casetrack"}
    assert not foreign, f"presenters.py imports {foreign}"


@pytest.mark.parametrize("module", sorted(p.stem for p in (SRC / "cli").glob("*.py") if p.stem != "__init__"))
def test_every_cli_module_imports_alone(module: str) -> None:
    """No import cycle: each command module can be imported first, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", f"import casetrack.cli.{module}"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _graph() -> dict[str, set[str]]:
    """casetrack's modules and the casetrack modules each imports at import time (module level)."""
    graph: dict[str, set[str]] = {}
    for path in _modules():
        rel = path.relative_to(SRC).with_suffix("")
        parts = ["casetrack", *rel.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        package = parts if path.name == "__init__.py" else parts[:-1]
        found: set[str] = set()
        for node in _tree(path).body:  # module level only
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                target = (
                    ".".join([*base, node.module] if node.module else base)
                    if node.level
                    else node.module or ""
                )
                if target.startswith("casetrack"):
                    found.add(target)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("casetrack"))
        graph[name] = found
    return graph


def test_no_import_cycle_at_module_level() -> None:
    graph = _graph()
    known = set(graph)

    def resolve(target: str) -> str | None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        return target or None

    edges = {m: {t for t in (resolve(x) for x in deps) if t and t != m} for m, deps in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own modules
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt] if nxt in path else [*path, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}


def _clock_reads(source: str) -> list[str]:
    """The calls in ``source`` that read the machine's clock for a date or an instant (``datetime.now()``,
    ``dt.date.today()``, ``time.time()``, also when the function was imported by name)."""
    tree = ast.parse(source)
    aliases = {
        a.asname or a.name: (node.module, a.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in ("datetime", "time")
        for a in node.names
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = (
                func.value.attr if isinstance(func.value, ast.Attribute) else getattr(func.value, "id", "")
            )
            if (aliases.get(owner, (None, owner))[1], func.attr) in CLOCK_READS:
                found.append(f"line {node.lineno}: {ast.unparse(func)}()")
        elif isinstance(func, ast.Name) and aliases.get(func.id) in CLOCK_READS:
            found.append(f"line {node.lineno}: {func.id}()")
    return found


@pytest.mark.parametrize("package", ["store", "domain"])
def test_no_clock_in_the_store_or_the_domain(package: str) -> None:
    """One clock (the services' Context: ``now()`` and ``today``): the store writes the instants its
    callers give it, and the domain's rules take the day they are judged on."""
    offenders = {
        str(p.relative_to(SRC)): found
        for p in _modules(package)
        if (found := _clock_reads(p.read_text(encoding="utf-8")))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "import datetime as dt\nx = dt.datetime.now(dt.UTC)",
        "import datetime\nx = datetime.date.today()",
        "from datetime import datetime\nx = datetime.now()",
        "from datetime import date as d\nx = d.today()",
        "import time\nx = time.time()",
        "from time import time\nx = time()",
    ],
)
def test_the_clock_scan_finds_every_spelling(source: str) -> None:
    assert len(_clock_reads(source)) == 1


def test_the_web_pages_act_through_the_toolkit_not_the_app() -> None:
    """``web/app.py`` assembles the pages into the application; the pages act through ``web/toolkit.py``
    and never import the assembly back (no cycle between the app and its pages)."""
    offenders = []
    for path in _modules("web"):
        if path.name == "app.py":
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and (
                (node.level == 1 and (node.module == "app" or any(a.name == "app" for a in node.names)))
                or node.module == "casetrack.web.app"
            ):
                offenders.append(path.name)
    assert offenders == []
    toolkit = ast.parse((SRC / "web" / "toolkit.py").read_text(encoding="utf-8"))
    pages = {
        "account",
        "auth",
        "case_forms",
        "intake",
        "pages",
        "records",
        "staff",
        "money_forms",
        "calendar_page",
    }
    imported = {
        a.name
        for node in ast.walk(toolkit)
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for a in node.names
    } | {node.module for node in ast.walk(toolkit) if isinstance(node, ast.ImportFrom) and node.level == 1}
    assert not (imported & pages), "the toolkit imports a page"
