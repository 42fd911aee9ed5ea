"""Evaluate a fracture model on a workspace's labelled studies: predictions, then figures with CIs.

Predictions go through the Predictor (onnxruntime, the same preprocessing as
training); an image that cannot be read is skipped and listed with its
reason (image id only, no patient data), and the rest are scored.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import numpy as np

from core.errors import InputError, ModelFileError, RadinetError
from core.evaluation.bootstrap import DEFAULT_RESAMPLES
from core.evaluation.levels import study_and_image_figures
from core.evaluation.metrics import DEFAULT_THRESHOLD
from core.evaluation.selection import View, labelled_views

Progress = Callable[[int, int, str], None]


def model_threshold(description: dict, override: float | None = None) -> tuple[float, str]:
    """(decision threshold, where it comes from): --threshold, else the model's own, else 0.5."""
    if override is not None:
        if not 0.0 <= override <= 1.0:
            raise InputError(f"The threshold must be a probability between 0 and 1, not {override}.")
        return float(override), "given on the command line"
    if description.get("threshold") is not None:
        return float(description["threshold"]), "the model's recorded operating threshold"
    return DEFAULT_THRESHOLD, "0.5 (the model records no single operating threshold)"


def model_summary(predictor, source: str) -> dict:
    d = predictor.sidecar
    return {"id": predictor.model_id, "task": d.get("task", predictor.task), "body_part": d.get("body_part", "all"),
            "parent": d.get("parent_id"), "stage": d.get("stage"), "architecture": d.get("architecture"),
            "classes": d.get("classes"), "preprocessing": d.get("preprocessing"),
            "operating_points": d.get("operating_points") or {}, "split_seed": d.get("split_seed", 0),
            "source": source}


def predict_views(predictor, views: list[View], progress: Progress | None = None,
                  stop: threading.Event | None = None) -> tuple[list[View], np.ndarray, list[dict]]:
    """(views scored, their probabilities, skipped [{image_id, reason}])."""
    from core.imaging.image import load_image

    scored, probabilities, skipped = [], [], []
    for i, view in enumerate(views):
        if stop is not None and stop.is_set():
            raise InputError("The evaluation was stopped before it finished; nothing was reported.")
        try:
            image = load_image(view.source_path)
        except (RadinetError, OSError) as err:
            # The reason without the file's path or name: those can carry patient names.
            reason = getattr(err, "reason", None) or (str(err) if isinstance(err, RadinetError)
                                                       else "the file cannot be read")
            skipped.append({"image_id": view.image_id, "reason": reason})
            continue
        probabilities.append(predictor.predict_image(image, heatmap=False).probability)
        scored.append(view)
        if progress:
            progress(i + 1, len(views), "predicting")
    return scored, np.asarray(probabilities, dtype=float), skipped


def evaluate_on_workspace(workspace, predictor, *, source: str, split: str = "test", body_part: str | None = None,
                          threshold: float | None = None, resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                          progress: Progress | None = None, stop: threading.Event | None = None) -> dict:
    """The `radinet evaluate` result: study- and image-level figures with 95 % CIs, the model, the data."""
    if predictor.sidecar.get("task", predictor.task) != "fracture":
        raise ModelFileError(f"Model {predictor.model_id} is a {predictor.sidecar.get('task')} model; "
                             f"evaluation measures fracture models.")
    if resamples < 1000:
        raise InputError(f"Use at least 1,000 bootstrap resamples for a 95 % interval (got {resamples}).")
    model = model_summary(predictor, source)
    with workspace.connect() as store:
        views = labelled_views(store, split, body_part, int(model["split_seed"] or 0))
    scored, p, skipped = predict_views(predictor, views, progress, stop)
    if not scored:
        raise InputError("None of the selected images could be read; nothing to evaluate.")
    value, threshold_source = model_threshold(predictor.sidecar, threshold)
    figures = study_and_image_figures(np.array([v.study_id for v in scored]), np.array([v.label for v in scored]),
                                      p, value, resamples, seed)
    study_sources = Counter({v.study_id: v.label_source for v in scored}.values())
    return {**figures, "model": model, "split": split, "split_seed": model["split_seed"],
            "body_part": (body_part or "all").strip().lower(), "threshold_source": threshold_source,
            "resamples": resamples, "seed": seed, "label_sources": dict(sorted(study_sources.items())),
            "skipped": skipped,
            "_curves": {"study_ids": [v.study_id for v in scored], "y": [v.label for v in scored], "p": p.tolist()}}
