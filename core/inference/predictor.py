"""Predictor: published model -> probability per view, study probability, heatmap, tier.

Two backends with one interface (``run(x) -> (logits, cam)``):
onnxruntime (default; imports no torch, so the GUI and ``radinet predict``
start in about a second) and torch (``core.inference.torch_backend``).
Both compute the class activation map inside the forward pass, so a heatmap
costs no backward pass.

Heatmaps are on an absolute scale shared by all images: sigmoid of the CAM
logit at each location (the sidecar's ``heatmap.scale``), never min-max per
image, so a confident negative shows no bright spot.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import ModelFileError
from core.inference.preprocessing import heatmap_to_image, model_ready, preprocessing_options


@dataclass
class ViewPrediction:
    image_id: int | None
    probability: float
    heatmap: np.ndarray | None  # float32 [0, 1], absolute scale, same H x W as image.values


@dataclass
class StudyPrediction:
    study_id: int | None
    probability: float          # mean of the views' probabilities
    views: list[ViewPrediction]
    model_id: str
    tier: str                   # negative | doubt | positive


def tier(probability: float, operating_points: dict) -> str:
    """negative below the high-sensitivity threshold, positive at or above the
    high-specificity threshold, doubt in between."""
    low = float(operating_points.get("high_sensitivity", 0.5))
    high = float(operating_points.get("high_specificity", 0.5))
    low, high = min(low, high), max(low, high)
    if probability >= high:
        return "positive"
    if probability < low:
        return "negative"
    return "doubt"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def probabilities(logits: np.ndarray) -> np.ndarray:
    if logits.shape[1] == 1:
        return _sigmoid(logits)
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


class OnnxBackend:
    """onnxruntime session over the exported (logits, cam) graph; no torch."""

    def __init__(self, onnx_file: Path, expected_sha256: str | None = None):
        import hashlib

        from core.inference.onnx_session import new_session

        try:
            data = Path(onnx_file).read_bytes()
        except FileNotFoundError as err:
            raise ModelFileError(f"The ONNX model {Path(onnx_file).name} is missing; export it with "
                                 f"'radinet export onnx'.") from err
        if expected_sha256 and hashlib.sha256(data).hexdigest() != expected_sha256:
            raise ModelFileError(f"The ONNX model {Path(onnx_file).name} does not match its recorded checksum.")
        self.session = new_session(data, name=Path(onnx_file).name)

    def run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, cam = self.session.run(["logits", "cam"], {"image": np.ascontiguousarray(x, dtype=np.float32)})
        return logits, cam


class Predictor:
    """The published model of a task, ready to predict; reloads when a new one is published."""

    def __init__(self, workspace, task: str = "fracture", backend: str = "onnx", model_id: str | None = None,
                 body_part: str | None = None):
        """``body_part``: use that body part's own published model (RadiNet_wrist) when there is one,
        else the all-parts model; ``self.scope`` says which was used."""
        if backend not in ("onnx", "torch"):
            raise ValueError(f"unknown backend {backend!r}")
        self.workspace, self.task, self.backend_name = workspace, task, backend
        self.body_part = (body_part or "all").strip().lower() or "all"
        self.scope = task
        self._pinned = model_id
        if model_id is not None:
            self._check_registered(model_id)
        self._lock = threading.Lock()
        self.model_id: str = ""
        self.operating_points: dict = {}
        self.sidecar: dict = {}
        self._load(self._published_id() if model_id is None else model_id)

    @classmethod
    def for_workspace(cls, workspace, task: str = "fracture", backend: str = "onnx",
                      body_part: str | None = None) -> "Predictor | None":
        """The predictor of the published model, or None when no model is published yet."""
        from core.store.registry import champion_for

        with workspace.connect() as store:
            if champion_for(store, task, body_part)[0] is None:
                return None
        return cls(workspace, task, backend, body_part=body_part)

    # --------------------------------------------------------------- loading
    def _published_id(self) -> str:
        from core.store.registry import champion_for

        with self.workspace.connect() as store:
            row, self.scope = champion_for(store, self.task, self.body_part)
        if row is None:
            raise ModelFileError(f"No {self.task} model is published in this workspace yet; train one first.")
        return row["id"]

    def _check_registered(self, model_id: str) -> None:
        """Only models registered in this workspace are used (never a path in disguise, e.g. ``../x``)."""
        from core.store.registry import get

        with self.workspace.connect() as store:
            get(store, model_id)

    def _load(self, model_id: str) -> None:
        from core.inference.model_files import confined_path, read_sidecar

        models_dir = Path(self.workspace.models_dir)
        sidecar_file = confined_path(models_dir, f"{model_id}.json", "model description")
        sidecar = read_sidecar(sidecar_file)
        if self.backend_name == "onnx":
            onnx_name = sidecar.get("onnx_file")
            if not onnx_name:
                raise ModelFileError(f"Model {model_id} has no ONNX export; run 'radinet export onnx --model {model_id}'.")
            backend = OnnxBackend(confined_path(models_dir, onnx_name, "ONNX model"),
                                  (sidecar.get("onnx_parity") or {}).get("sha256"))
        else:
            from core.inference.torch_backend import TorchBackend

            backend = TorchBackend(confined_path(models_dir, f"{model_id}.safetensors", "model weights"))
        with self._lock:
            self.backend, self.sidecar, self.model_id = backend, sidecar, model_id
            self.operating_points = dict(sidecar.get("operating_points") or {})
            self.preprocessing = preprocessing_options(sidecar["preprocessing"])
            self.size, self.clahe = self.preprocessing["size"], self.preprocessing["clahe"]
            self._stamp = os.stat(sidecar_file).st_mtime_ns

    def reload_if_changed(self) -> bool:
        """Pick up a newly published (or rolled-back-to) model without a restart."""
        if self._pinned is not None:
            return False
        try:
            current = self._published_id()
        except ModelFileError:
            return False
        from core.inference.model_files import confined_path

        stamp = os.stat(confined_path(self.workspace.models_dir, f"{current}.json", "model description")).st_mtime_ns
        if current == self.model_id and stamp == self._stamp:
            return False
        self._load(current)
        return True

    # ------------------------------------------------------------ predicting
    def predict_arrays(self, arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities (N,), heatmaps (N, h, w) on the absolute scale) for model-ready inputs."""
        with self._lock:
            backend = self.backend
        logits, cam = backend.run(np.asarray(arrays, np.float32)[:, None])
        probs = probabilities(logits)
        k = 0 if logits.shape[1] == 1 else probs.argmax(1)
        p = probs[:, 0] if logits.shape[1] == 1 else probs.max(1)
        maps = cam[:, 0] if logits.shape[1] == 1 else cam[np.arange(len(cam)), k]
        return p, _sigmoid(maps).astype(np.float32)

    def predict_image(self, image, image_id: int | None = None, heatmap: bool = True) -> ViewPrediction:
        x, geometry = model_ready(image, **self.preprocessing)
        p, maps = self.predict_arrays(x[None])
        hm = heatmap_to_image(maps[0], geometry, image.values.shape) if heatmap else None
        return ViewPrediction(image_id=image_id, probability=float(p[0]), heatmap=hm)

    def class_probabilities(self, image) -> tuple[np.ndarray, list[str]]:
        """(probability of every class, the model's class names in the same order) for one image.

        ``predict_image`` keeps only the top probability; judging which class a
        multiclass model (body part) called needs the whole vector and the names
        it was trained with (the sidecar's ``classes``). A single-output model
        (sigmoid) gives [1 - p, p]. Either backend: both return the same logits.
        """
        x, _ = model_ready(image, **self.preprocessing)
        with self._lock:      # the backend and its class names change together on a reload
            backend, classes = self.backend, [str(c) for c in self.sidecar.get("classes") or []]
        logits, _ = backend.run(np.asarray(x[None], np.float32)[:, None])
        probs = probabilities(logits)[0].astype(np.float64)
        if probs.shape[0] == 1:
            probs = np.array([1.0 - probs[0], probs[0]])
        if len(classes) != len(probs):
            raise ModelFileError(f"Model {self.model_id} gives {len(probs)} outputs but its description names "
                                 f"{len(classes)} classes; export it again.")
        return probs, classes

    def predict_study(self, images: list, study_id=None, image_ids=None) -> StudyPrediction:
        ids = list(image_ids) if image_ids is not None else [None] * len(images)
        views = [self.predict_image(img, iid) for img, iid in zip(images, ids)]
        probability = float(np.mean([v.probability for v in views])) if views else float("nan")
        return StudyPrediction(study_id=study_id, probability=probability, views=views, model_id=self.model_id,
                               tier=tier(probability, self.operating_points) if views else "doubt")
