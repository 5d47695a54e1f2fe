"""A built wheel (not the editable checkout) still finds workflows/ and templates/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_wheel_ships_workflows_and_templates_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("casetrack-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "casetrack/_bundled/workflows/early.yaml" in names
    assert "casetrack/_bundled/workflows/405.yaml" in names
    assert any(n.startswith("casetrack/_bundled/templates/") for n in names)
    assert "casetrack/data/councils.csv" in names
    assert "casetrack/_bundled/templates/web/case.html.j2" in names  # the dashboard's pages ...
    assert "casetrack/web/static/htmx-2.0.4.min.js" in names  # ... its pinned htmx and the licence
    assert "casetrack/web/static/htmx-2.0.4.LICENSE.txt" in names
    assert any(n.startswith("casetrack/store/migrations/versions/0001") for n in names)

    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRACK_")}
    env["PYTHONPATH"] = str(target)
    env["CASETRACK_DB"] = str(tmp_path / "wheel.db")
    listing = subprocess.run(
        [sys.executable, "-m", "casetrack", "workflow", "list", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listing.returncode == 0, listing.stderr
    files = {row["program"]: row["file"] for row in json.loads(listing.stdout)}
    assert set(files) == {"early", "405"}
    for path in files.values():
        assert Path(path).is_relative_to(target / "casetrack" / "_bundled" / "workflows")
    init = subprocess.run(
        [sys.executable, "-m", "casetrack", "init"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    assert "協議会 48（新規 48）" in init.stdout  # the CLI's default language: Japanese
