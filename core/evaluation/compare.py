"""Two fracture models on the same labelled studies: each AUC with its 95 % CI and the paired difference.

Both models score the same labelled studies of the locked split
(core.evaluation.selection); every image is decoded once for both, views are
averaged into a study probability, and the AUCs are compared with the paired
bootstrap the promotion rule uses (core.evaluation.bootstrap). Used by the
workstation's models panel (off the GUI thread) and ``radinet models compare``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from core.errors import InputError, RadinetError

Progress = Callable[[int, int, str], None]


def _sidecar(store, model_id: str) -> dict:
    from core.store import registry

    return registry.sidecar_of(registry.get(store, model_id))


def comparison_scope(a: dict, b: dict) -> tuple[str, int]:
    """(body part, split seed) both models can be judged on, or InputError saying why not."""
    for s in (a, b):
        if s.get("task") != "fracture":
            raise InputError(f"Model {s.get('model_id')} is a {s.get('task')} model; the comparison measures "
                             "fracture models on labelled studies.")
    pa, pb = (s.get("body_part") or "all" for s in (a, b))
    if "all" not in (pa, pb) and pa != pb:
        raise InputError(f"One model reads {pa} studies and the other {pb} studies; they share no studies to "
                         "compare them on.")
    if int(a.get("split_seed") or 0) != int(b.get("split_seed") or 0):
        raise InputError("The two models were validated on different patient splits, so no studies are held "
                         "out from both; compare models trained with the same split seed.")
    return (pa if pa != "all" else pb), int(a.get("split_seed") or 0)


def _open_predictor(workspace, model_id: str):
    from core.inference.predictor import Predictor

    return Predictor(workspace, "fracture", "onnx", model_id=model_id)


def compare_models(workspace, model_a: str, model_b: str, split: str = "val", progress: Progress | None = None,
                   stop: threading.Event | None = None, make_predictor=None, resamples: int = 1000,
                   seed: int = 0) -> dict:
    """Both models on the same labelled studies: each AUC with its 95 % CI and the paired difference A - B."""
    from core.evaluation.bootstrap import binary_with_ci, paired_auc_difference
    from core.evaluation.metrics import study_level
    from core.evaluation.selection import labelled_views

    if model_a == model_b:
        raise InputError("Choose two different models to compare.")
    with workspace.connect() as store:
        sa, sb = _sidecar(store, model_a), _sidecar(store, model_b)
        sa.setdefault("model_id", model_a)
        sb.setdefault("model_id", model_b)
        body_part, split_seed = comparison_scope(sa, sb)
        views = labelled_views(store, split, body_part, split_seed)
    make_predictor = make_predictor or _open_predictor
    predictors = [make_predictor(workspace, model_a), make_predictor(workspace, model_b)]
    from core.imaging.image import load_image

    study_ids, y, pa, pb, skipped = [], [], [], [], 0
    for i, view in enumerate(views):
        if stop is not None and stop.is_set():
            raise InputError("The comparison was cancelled; nothing was measured.")
        try:
            image = load_image(view.source_path)
        except (RadinetError, OSError):
            skipped += 1           # the same view is left out for both models
            continue
        pa.append(predictors[0].predict_image(image, heatmap=False).probability)
        pb.append(predictors[1].predict_image(image, heatmap=False).probability)
        study_ids.append(view.study_id)
        y.append(view.label)
        if progress:
            progress(i + 1, len(views), "predicting the validation images with both models")
    if not study_ids:
        raise InputError("None of the selected images could be read; nothing to compare.")
    ids, study_y, study_a = study_level(np.asarray(study_ids), np.asarray(y), np.asarray(pa, dtype=float))
    _, _, study_b = study_level(np.asarray(study_ids), np.asarray(y), np.asarray(pb, dtype=float))
    one = {m: binary_with_ci(study_y, p, resamples=resamples, seed=seed) for m, p in ((model_a, study_a),
                                                                                      (model_b, study_b))}
    paired = paired_auc_difference(study_y, study_a, study_b, resamples=resamples, seed=seed)
    return {"model_a": model_a, "model_b": model_b, "split": split, "body_part": body_part or "all",
            "n_studies": int(len(ids)), "n_positive": int(np.sum(study_y == 1)),
            "n_negative": int(np.sum(study_y == 0)), "images": len(study_ids), "skipped_images": skipped,
            "auc_a": one[model_a]["auc"], "auc_a_ci": one[model_a]["auc_ci"],
            "auc_b": one[model_b]["auc"], "auc_b_ci": one[model_b]["auc_ci"],
            "diff": paired["diff"], "diff_ci": None if paired["lo"] is None else [paired["lo"], paired["hi"]],
            "resamples": resamples}


def describe_comparison(r: dict) -> str:
    """The comparison in sentences a reader can check."""
    def auc(value, ci):
        if value is None:
            return "AUC not computable"
        return f"AUC {value:.3f}" + (f" (95 % CI {ci[0]:.2f}–{ci[1]:.2f})" if ci else "")

    where = {"val": "validation split", "test": "test split", "all": "labelled studies"}.get(r["split"], r["split"])
    lines = [f"{r['n_studies']} studies of the {where} ({r['n_positive']} with a fracture, {r['n_negative']} "
             f"without; {r['images']} images"
             + (f", {r['skipped_images']} unreadable left out" if r["skipped_images"] else "") + "), body part "
             f"{r['body_part']}.",
             f"A {r['model_a']}: {auc(r['auc_a'], r['auc_a_ci'])}",
             f"B {r['model_b']}: {auc(r['auc_b'], r['auc_b_ci'])}"]
    if r["diff"] is None:
        lines.append("Difference A − B: not computable (the studies need both a fracture and a normal case).")
    else:
        ci = r["diff_ci"]
        lines.append(f"Difference A − B: {r['diff']:+.3f}"
                     + (f" (95 % CI {ci[0]:+.3f} to {ci[1]:+.3f}, paired bootstrap, {r['resamples']} resamples)"
                        if ci else " (no CI)"))
        if ci and ci[0] > 0:
            lines.append("A is better on these studies (the interval lies above 0).")
        elif ci and ci[1] < 0:
            lines.append("B is better on these studies (the interval lies below 0).")
        else:
            lines.append("No difference is shown on these studies (the interval includes 0).")
    return "\n".join(lines)
