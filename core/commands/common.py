"""Helpers shared by the CLI commands: workspace/--json options, output, progress.

Contract (DESIGN.md): every command takes ``--workspace DIR`` and ``--json``;
machine-readable output goes to stdout, progress to stderr; exit 0 on
success, 2 on bad input with a one-line reason (raised as RadinetError and
printed by main.py).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def add_workspace_argument(parser, required: bool = False) -> None:
    parser.add_argument(
        "--workspace", metavar="DIR", default=None, required=required,
        help="workspace folder (default: the per-user data folder, or $RADINET_WORKSPACE)",
    )


def add_json_argument(parser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def open_workspace(args, create: bool = True):
    from core.store.workspace import Workspace

    return Workspace.open(args.workspace, create=create)


def emit(args, payload: Any, text: str | None = None) -> None:
    """Print ``payload`` as JSON with --json, else ``text`` (or a readable dump)."""
    if getattr(args, "json", False) or text is None:
        print(json.dumps(payload, indent=None if getattr(args, "json", False) else 2, default=str))
    else:
        print(text)


class ProgressPrinter:
    """A progress callback ``(done, total, message)`` that draws a bar on stderr.

    Redraws at most 10 times a second; prints nothing when stderr is not a
    terminal except one line every 10 %, so logs stay short.
    """

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._last_decile = -1

    def __call__(self, done: int, total: int | None, message: str = "") -> None:
        now = time.monotonic()
        if total:
            frac = min(1.0, done / total)
            if self.tty:
                if now - self._last < 0.1 and done < total:
                    return
                bar = "#" * int(frac * 30)
                self.stream.write(f"\r{self.label} [{bar:<30}] {done}/{total} {message[:40]:<40}")
                if done >= total:
                    self.stream.write("\n")
            else:
                decile = int(frac * 10)
                if decile == self._last_decile:
                    return
                self._last_decile = decile
                self.stream.write(f"{self.label}: {done}/{total} {message}\n")
        else:
            if now - self._last < 1.0:
                return
            self.stream.write(f"{self.label}: {done} {message}\n")
        self._last = now
        self.stream.flush()
