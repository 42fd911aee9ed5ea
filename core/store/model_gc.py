"""Orphan model files: weights, sidecars, ONNX exports and temp files no registered model owns.

Publishing writes ``<id>.safetensors`` and ``<id>.json`` (each to a temp name,
then renamed) before the registry row exists, so a process killed in between
leaves a model-sized file that no command lists. ``radinet models gc`` (and the
start-up check) removes files in the models folder that no registry row
claims and that are older than the job running the collection minus a grace
period: a training running right now in another process may be between
writing its weights and registering them, and its files are young.
Only the models folder's own file kinds are touched; nothing registered, and
no other file, is ever removed.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

# Files written within this many seconds before the collection started are left
# alone (a concurrent publish takes seconds to minutes between write and register).
DEFAULT_GRACE_S = 600.0
MODEL_SUFFIXES = (".safetensors", ".json", ".onnx", ".tmp")


@dataclass
class Collection:
    removed: list[str] = field(default_factory=list)      # file names
    kept_young: list[str] = field(default_factory=list)   # orphans too recent to remove
    bytes_freed: int = 0

    def as_dict(self) -> dict:
        return {"removed": self.removed, "kept_young": self.kept_young, "bytes_freed": self.bytes_freed}


def registered_files(store) -> set[str]:
    """Names (in the models folder) of every file a registered model owns."""
    names: set[str] = set()
    for row in store.execute("SELECT id, weights_path, sidecar_json FROM models").fetchall():
        model_id = row["id"]
        names.update({f"{model_id}.safetensors", f"{model_id}.json", f"{model_id}.onnx"})
        if row["weights_path"]:
            names.add(Path(row["weights_path"]).name)
        try:
            onnx_file = (json.loads(row["sidecar_json"] or "{}") or {}).get("onnx_file")
        except ValueError:
            onnx_file = None
        if onnx_file:
            names.add(Path(str(onnx_file)).name)
    return names


def orphan_files(workspace, store) -> list[Path]:
    """Model-kind files in the models folder that no registered model owns (any age)."""
    folder = Path(workspace.models_dir)
    owned = registered_files(store)
    out = []
    for entry in os.scandir(folder):
        if not entry.is_file(follow_symlinks=False):
            continue
        if entry.name.endswith(MODEL_SUFFIXES) and entry.name not in owned:
            out.append(Path(entry.path))
    return sorted(out)


def collect(workspace, started_at: float | None = None, grace_s: float = DEFAULT_GRACE_S,
            dry_run: bool = False) -> Collection:
    """Remove orphan model files last modified before ``started_at - grace_s``.

    ``started_at``: when the job running the collection started (default: now).
    """
    cutoff = (time.time() if started_at is None else started_at) - grace_s
    result = Collection()
    with workspace.connect() as store:
        orphans = orphan_files(workspace, store)
    for path in orphans:
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if st.st_mtime > cutoff:
            result.kept_young.append(path.name)
            continue
        if not dry_run:
            try:
                path.unlink()
            except FileNotFoundError:
                continue
        result.removed.append(path.name)
        result.bytes_freed += st.st_size
    return result


def startup_check(workspace, process_started_at: float | None = None) -> Collection:
    """At start-up: remove orphans older than this process minus the grace period (never raises for I/O)."""
    try:
        return collect(workspace, started_at=process_started_at)
    except OSError:
        return Collection()
