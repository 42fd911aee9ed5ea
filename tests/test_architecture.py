"""The three boundaries of DESIGN.md, checked on every test run."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QT_FREE = ("core", "trainer")


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in (tree.body if top_level_only else ast.walk(tree)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", QT_FREE)
def test_core_and_trainer_never_import_qt_or_gui(package):
    offenders = [
        str(p.relative_to(REPO)) for p in (REPO / package).rglob("*.py")
        if _imports(p) & {"PySide6", "PyQt5", "PyQt6", "shiboken6", "gui"}
    ]
    assert offenders == []


def test_import_linter_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed in this environment")
    proc = subprocess.run([lint, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_main_only_composes():
    """main.py holds argument dispatch, no domain logic: it imports no project package at top level."""
    assert not _imports(REPO / "main.py", top_level_only=True) & {"core", "trainer", "gui", "torch", "PySide6"}
