"""Bench helper: a demo workspace in a temporary folder (or the one given)."""

from __future__ import annotations

import tempfile


def bench_workspace(path: str | None, studies: int, seed: int = 0):
    from core.store.workspace import Workspace

    if path:
        return Workspace.open(path)
    from core.demo.workspace import build_demo_workspace

    ws = Workspace.open(tempfile.mkdtemp(prefix="radinet-bench-") + "/ws")
    build_demo_workspace(ws, n_studies=studies, seed=seed)
    return ws
