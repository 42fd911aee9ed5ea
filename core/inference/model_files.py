"""Model files without torch: paths, the JSON sidecar, the weights hash, atomic writes.

A model is ``<id>.safetensors`` + ``<id>.json`` (the sidecar: architecture,
stage, classes, preprocessing, parent, split hash, metrics, SHA-256 of the
weights) + ``<id>.onnx``. Files are written to a temporary name, fsynced and
renamed, so a crash never leaves half a model in place. The trainer writes
them; the onnxruntime predictor only reads them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from core.atomic_file import atomic_write as _atomic_write
from core.errors import ModelFileError

FORMAT = "radinet-model/1"


def atomic_write(path: Path, data: bytes, what: str | None = None) -> None:
    """core.atomic_file.atomic_write, naming a model file by default ("writing the model file NAME")."""
    _atomic_write(path, data, what or f"writing the model file {Path(path).name}")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def weights_path(models_dir: Path, model_id: str) -> Path:
    return Path(models_dir) / f"{model_id}.safetensors"


def sidecar_path(models_dir: Path, model_id: str) -> Path:
    return Path(models_dir) / f"{model_id}.json"


def onnx_path(models_dir: Path, model_id: str) -> Path:
    return Path(models_dir) / f"{model_id}.onnx"


def write_sidecar(models_dir: Path, sidecar: dict) -> None:
    atomic_write(sidecar_path(models_dir, sidecar["model_id"]), json.dumps(sidecar, indent=2, sort_keys=True).encode())


def read_sidecar(path: Path) -> dict:
    """The sidecar of a model file (``.json``, or the ``.safetensors``/``.onnx`` next to it)."""
    path = Path(path)
    if path.suffix != ".json":
        path = path.with_suffix(".json")
    try:
        sidecar = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ModelFileError(f"The model description {path.name} is missing.") from err
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise ModelFileError(f"{path.name} is not a RadiNet model description (unreadable or damaged).") from err
    if not isinstance(sidecar, dict) or sidecar.get("format") != FORMAT:
        raise ModelFileError(f"{path.name} is not a RadiNet model description.")
    return sidecar


def read_verified_weights(path: Path, sidecar: dict) -> bytes:
    """The weights file's bytes after checking its SHA-256 against the sidecar."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise ModelFileError(f"The model weights file {path.name} is missing.") from err
    except OSError as err:
        raise ModelFileError(f"The model weights file {path.name} cannot be read.") from err
    if sha256_bytes(data) != sidecar.get("weights_sha256"):
        raise ModelFileError(
            f"The model weights file {path.name} does not match its recorded checksum (truncated, damaged or replaced).")
    return data


def confined_path(models_dir: Path, name: str, what: str = "model file") -> Path:
    """``models_dir / name``, refused unless it stays inside the models folder.

    Sidecars and ``--model`` arguments are data a user (or a hostile copy of a
    workspace) can edit; a name like ``../../elsewhere/x.onnx`` or an absolute
    path must never make RadiNet Studio read a file outside the workspace.
    """
    root = Path(models_dir).resolve()
    text = str(name)
    if not text or "\x00" in text or Path(text).is_absolute():
        raise ModelFileError(f"The {what} name {text!r} is not a file in this workspace's models folder.")
    candidate = (root / text).resolve()
    if candidate.parent != root:
        raise ModelFileError(f"The {what} name {text!r} is not a file in this workspace's models folder.")
    return candidate
