"""Which long-running writer is busy in a workspace right now (a training run), across processes.

A training run leaves a small marker file in the workspace for as long as it
runs: its process id, stage, where it was started (command line or
workstation) and when. Another program -- the workstation opened while the
command line trains -- reads it to say "a training run is in progress"
instead of starting a second run that would compete for the same processor
and checkpoints. A marker whose process is gone (a crash, a kill) is ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

MARKER = "training.running.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)           # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:       # exists, belongs to someone else
        return True
    except OSError:
        return False
    return True


@contextlib.contextmanager
def training_marker(workspace_path: str | os.PathLike, stage: str, origin: str) -> Iterator[Path]:
    """Mark a training run as running for the duration of the ``with`` block (origin: 'command line' | 'workstation')."""
    path = Path(workspace_path) / MARKER
    info = {"pid": os.getpid(), "stage": stage, "origin": origin, "started": time.time()}
    tmp = path.with_name(MARKER + ".tmp")
    tmp.write_text(json.dumps(info), encoding="utf-8")
    tmp.replace(path)
    try:
        yield path
    finally:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                path.unlink()


def running_training(workspace_path: str | os.PathLike, exclude_pid: int | None = None) -> dict | None:
    """The marker of a training run whose process is still alive, else None."""
    path = Path(workspace_path) / MARKER
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid == exclude_pid or not _alive(pid):
        return None
    return info
