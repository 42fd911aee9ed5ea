"""A bare exported ONNX file as a model: its embedded description, and a predictor over it.

``radinet export onnx`` embeds what a model needs to be used on its own (on
another workstation, on studies it never saw) as ONNX ``metadata_props``: one
entry, ``radinet_model``, holding JSON with the model id, task, body part,
classes, architecture, preprocessing (size, CLAHE, crop, denoising),
operating points and decision threshold, parent and split seed. The model's
sidecar in its own workspace stays the record; this is a copy for travel.

A file that is not such an export (not ONNX, no description, other inputs or
outputs) raises ModelFileError with one sentence.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from core.errors import ModelFileError
from core.inference.predictor import Predictor
from core.inference.preprocessing import preprocessing_options

METADATA_KEY = "radinet_model"
FORMAT = "radinet-onnx/1"
# Sidecar entries that travel with the ONNX file (the rest, e.g. training history, stays home).
CARRIED = ("model_id", "task", "stage", "architecture", "head", "pooling", "num_outputs", "classes", "body_part", "scope",
           "preprocessing", "operating_points", "threshold", "parent_id", "init", "split_seed", "split_hash",
           "heatmap", "created_at")


def onnx_metadata(sidecar: dict) -> dict[str, str]:
    """The ONNX ``metadata_props`` (string -> string) describing a model, from its sidecar."""
    description = {"format": FORMAT, **{k: sidecar[k] for k in CARRIED if k in sidecar}}
    val = ((sidecar.get("metrics") or {}).get("val") or {})
    description["validation"] = {k: val.get(k) for k in ("n", "auc") if k in val}
    return {METADATA_KEY: json.dumps(description, sort_keys=True)}


def _description(session, name: str) -> dict:
    """The embedded description, after checking the graph has the inputs and outputs we export."""
    raw = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
    if raw is None:
        raise ModelFileError(f"{name} is an ONNX model but not one exported by RadiNet Studio "
                             f"(it carries no RadiNet model description).")
    try:
        description = json.loads(raw)
    except ValueError as err:
        raise ModelFileError(f"{name}: its RadiNet model description is damaged.") from err
    if not isinstance(description, dict) or description.get("format") != FORMAT:
        raise ModelFileError(f"{name} was exported by a RadiNet Studio version this one cannot read.")
    missing = [k for k in ("model_id", "task", "classes", "preprocessing") if k not in description]
    if missing or "size" not in (description.get("preprocessing") or {}):
        raise ModelFileError(f"{name}: its RadiNet model description lacks {', '.join(missing) or 'the input size'}.")
    inputs = session.get_inputs()
    outputs = {o.name for o in session.get_outputs()}
    size = int(description["preprocessing"]["size"])
    shape = list(inputs[0].shape) if len(inputs) == 1 else []
    if (len(inputs) != 1 or inputs[0].name != "image" or len(shape) != 4 or shape[1] != 1
            or not {"logits", "cam"} <= outputs
            or any(isinstance(d, int) and d != size for d in shape[2:])):
        raise ModelFileError(f"{name} does not have the inputs and outputs of a RadiNet Studio model "
                             f"(one {size} x {size} greyscale image in; logits and heatmap out).")
    return description


class SessionBackend:
    """The (logits, cam) interface of the predictor's backends over an open session."""

    def __init__(self, session):
        self.session = session

    def run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, cam = self.session.run(["logits", "cam"], {"image": np.ascontiguousarray(x, dtype=np.float32)})
        return logits, cam


def open_onnx_file(path: str | Path) -> tuple[SessionBackend, dict]:
    """(backend, description) of an exported RadiNet ONNX file; ModelFileError if it is not one."""
    from core.inference.onnx_session import new_session

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise ModelFileError(f"The model file {path.name} does not exist.") from err
    except OSError as err:
        raise ModelFileError(f"The model file {path.name} cannot be read.") from err
    session = new_session(data, name=path.name)
    return SessionBackend(session), _description(session, path.name)


class OnnxFilePredictor(Predictor):
    """A Predictor over one exported ONNX file, outside any workspace's registry.

    Predictor.__init__ resolves a model through a workspace (published model,
    registered id, sidecar); a bare file has none of these, so this sets the
    same state from the file's embedded description instead. Everything that
    predicts (predict_arrays / predict_image / predict_study, tiers) is the
    Predictor's own. It never reloads: the file is the model.
    """

    def __init__(self, path: str | Path):
        backend, description = open_onnx_file(path)
        self.path = Path(path)
        self.workspace, self.task, self.backend_name = None, str(description["task"]), "onnx"
        self.body_part = str(description.get("body_part") or "all")
        self.scope = str(description.get("scope") or self.task)
        self._pinned = str(description["model_id"])
        self._lock = threading.Lock()
        self.backend, self.sidecar, self.model_id = backend, description, self._pinned
        self.operating_points = dict(description.get("operating_points") or {})
        self.preprocessing = preprocessing_options(description["preprocessing"])
        self.size, self.clahe = self.preprocessing["size"], self.preprocessing["clahe"]
        self._stamp = None

    def reload_if_changed(self) -> bool:
        return False


def predictor_from_onnx_file(path: str | Path) -> Predictor:
    """The predictor of an exported ONNX file (e.g. from another workspace)."""
    return OnnxFilePredictor(path)
