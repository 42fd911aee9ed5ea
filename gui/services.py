"""The GUI's one doorway to core/ and trainer/: imports happen here, lazily.

Every function is called from a worker thread (decode, predict, import, demo,
train), never from the GUI thread, except :func:`predictor_module_available`.
Sibling modules are imported inside the functions so that start-up never pays
for them (and never for torch), and so the GUI keeps working while a module
it can live without (the predictor, the trainer) is not installed yet.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

import numpy as np

from core.errors import RadinetError


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


# ------------------------------------------------------------------- images
@dataclass
class DisplayImage:
    """What the viewer needs of a decoded radiograph (a subset of core's RadiographImage)."""

    values: np.ndarray                        # float32, after (0028,1052)/(0028,1053) Modality LUT
    invert: bool = False                      # (0028,0004) MONOCHROME1
    windows: list = field(default_factory=list)   # [(center, width)] from (0028,1050)/(0028,1051)
    padding_value: float | None = None        # (0028,0120) Pixel Padding Value
    source: object = None                     # the core RadiographImage, handed to the predictor
    state: object = None                      # its gui.viewer.view_state.ViewState, built off the GUI thread


def load_display_image(path: str) -> DisplayImage:
    """Decode one file for display (worker thread only), through core's one decode path
    (core.imaging.image.load_image: budget checks, GDCM isolated in its own process)."""
    from core.imaging.image import load_image

    image = load_image(path)
    return DisplayImage(
        values=np.asarray(image.values, dtype=np.float32),
        invert=bool(getattr(image, "invert", False)),
        windows=[_as_window(w) for w in (getattr(image, "windows", None) or [])],
        padding_value=getattr(image, "padding_value", None),
        source=image,
    )


def _as_window(window) -> tuple[float, float]:
    if isinstance(window, (tuple, list)):
        return float(window[0]), float(window[1])
    return float(window.center), float(window.width)


# -------------------------------------------------------------- predictions
def predictor_module_available() -> bool:
    return _has_module("core.inference.predictor")


def open_predictor(workspace, task: str = "fracture", body_part: str | None = None):
    """The published model of ``task`` for ``body_part`` studies (its own, else the all-parts one)
    on the onnx path, or None ("No model yet")."""
    if not predictor_module_available():
        return None
    from core.inference.predictor import Predictor

    return Predictor.for_workspace(workspace, task=task, backend="onnx", body_part=body_part)


def tier_of(probability: float, operating_points: dict) -> str:
    """negative | doubt | positive from the model's two operating points."""
    if predictor_module_available():
        from core.inference.predictor import tier

        return tier(probability, operating_points)
    lo = operating_points.get("high_sensitivity", 0.3)
    hi = operating_points.get("high_specificity", 0.7)
    return "positive" if probability >= hi else ("doubt" if probability >= lo else "negative")


# --------------------------------------------------------- demo and import
def build_demo(workspace, n_studies: int = 30, seed: int = 0, progress=None):
    if not _has_module("core.demo.workspace"):
        raise RadinetError("The demo generator is not installed in this copy of RadiNet Studio.")
    from core.demo.workspace import build_demo_workspace

    return build_demo_workspace(workspace, n_studies=n_studies, seed=seed, progress=progress)


def import_paths(paths, workspace, progress=None, stop=None) -> dict:
    """Run the importer; returns {imported, skipped, rejected: [{path, reason}], ...}."""
    from core.importing import import_paths as run_import

    result = run_import(paths, workspace, progress=progress, stop=stop)
    return result.as_dict() if hasattr(result, "as_dict") else dict(result)


def trainer_available() -> bool:
    return _has_module("trainer.loop")
