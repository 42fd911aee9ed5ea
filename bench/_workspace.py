"""Bench helper: a demo workspace in a temporary folder (or the one given)."""

from __future__ import annotations

import tempfile


def bench_workspace(path: str | None, studies: int, seed: int = 0, body_parts=None):
    """``body_parts``: demo studies of these parts only (None: every part)."""
    from core.store.workspace import Workspace

    from core.demo.workspace import build_demo_workspace

    ws = Workspace.open(path or tempfile.mkdtemp(prefix="radinet-bench-") + "/ws")
    if ws.is_empty():  # a folder given but not yet a workspace gets the demo too
        build_demo_workspace(ws, n_studies=studies, seed=seed, **({"body_parts": body_parts} if body_parts else {}))
    return ws
