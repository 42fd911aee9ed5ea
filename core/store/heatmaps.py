"""Heatmap files of predictions: one format for the command line and the workstation.

A heatmap is kept as a float16 ``.npy`` array on the predictor's absolute
[0, 1] scale (never min-max per image), saved and loaded with numpy's
``allow_pickle=False``: a file can hold numbers only, never code. The path is
recorded in ``predictions.heatmap_path``. The picture a person looks at
(``radinet predict --heatmap-dir`` writes one next to the array) is derived
from this array, never read back as data.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.errors import InputError

SUFFIX = ".npy"


def heatmap_file(folder: str | os.PathLike, model_id: str, image_id: int | str) -> Path:
    """Where a model's heatmap of one image lives under ``folder``."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(model_id))
    return Path(folder) / safe / f"{image_id}{SUFFIX}"


def save_heatmap(path: str | os.PathLike, heatmap: np.ndarray) -> Path:
    """Write a 2-D heatmap as float16 .npy (temp file + rename: never half-written)."""
    path = Path(path)
    if path.suffix != SUFFIX:
        raise ValueError(f"heatmap files end in {SUFFIX}, not {path.suffix!r}")
    array = np.asarray(heatmap, dtype=np.float32)
    if array.ndim != 2:
        raise ValueError(f"a heatmap is 2-D, not {array.ndim}-D")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp" + SUFFIX)
    with open(tmp, "wb") as f:
        np.save(f, np.clip(array, 0.0, 1.0).astype(np.float16), allow_pickle=False)
    tmp.replace(path)
    return path


def load_heatmap(path: str | os.PathLike) -> np.ndarray:
    """A saved heatmap as float32 in [0, 1]; InputError with a readable reason when it cannot be used."""
    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        raise InputError(f"The heatmap {path.name} is a picture from an older version, not heatmap data; "
                         "predict the study again to see its heatmap.")
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError as err:
        raise InputError(f"The heatmap file {path.name} is missing; predict the study again to see it.") from err
    except (ValueError, OSError) as err:
        raise InputError(f"The heatmap file {path.name} is damaged or not heatmap data; "
                         "predict the study again to see it.") from err
    if array.ndim != 2 or array.dtype.kind != "f":
        raise InputError(f"The heatmap file {path.name} does not hold a heatmap; predict the study again to see it.")
    return np.asarray(array, dtype=np.float32)
