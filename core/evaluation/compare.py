"""Two models on the same studies: each one's figure with its 95 % CI and the paired difference A − B.

Fracture models are judged by AUC on the labelled studies of the locked split
(core.evaluation.selection), views averaged into a study probability.
Body-part models are judged by accuracy on every image of the locked split
whose body part is known, with the truth the body-part stage trains on; the
images of a study are resampled together. Either way every image is decoded
once for both models and the difference comes from the paired bootstrap the
promotion rule uses (core.evaluation.bootstrap): both models are scored on the
same resampled studies, so the studies' shared difficulty cancels. Used by the
workstation's models panel (off the GUI thread) and ``radinet models compare``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.errors import InputError, RadinetError
from core.evaluation.selection import SPLIT_CHOICES, body_part_of, labelled_views
from core.evaluation.splits import split_of

Progress = Callable[[int, int, str], None]
# The tasks a comparison can score, as a reader names them.
TASK_NAMES = {"fracture": "fracture", "body_part": "body-part"}
WHERE = {"val": "of the validation split", "test": "of the test split", "all": "of the whole workspace"}


@dataclass(frozen=True)
class PartView:
    study_id: int
    image_id: int
    source_path: str
    part: str           # the true body part, lower-case


def _sidecar(store, model_id: str) -> dict:
    from core.store import registry

    return registry.sidecar_of(registry.get(store, model_id))


def comparison_scope(a: dict, b: dict) -> tuple[str, str, int]:
    """(task, body part, split seed) both models can be judged on, or InputError saying why not."""
    for s in (a, b):
        if s.get("task") not in TASK_NAMES:
            what = "pretraining" if s.get("task") == "pretrain" else s.get("task")
            raise InputError(f"Model {s.get('model_id')} is a {what} model and predicts nothing this comparison "
                             "can score; compare two fracture models or two body-part models.")
    if a["task"] != b["task"]:
        raise InputError(f"Model {a.get('model_id')} is a {TASK_NAMES[a['task']]} model and {b.get('model_id')} a "
                         f"{TASK_NAMES[b['task']]} model; compare two fracture models or two body-part models.")
    pa, pb = (s.get("body_part") or "all" for s in (a, b))
    if a["task"] == "fracture" and "all" not in (pa, pb) and pa != pb:
        raise InputError(f"One model reads {pa} studies and the other {pb} studies; they share no studies to "
                         "compare them on.")
    if int(a.get("split_seed") or 0) != int(b.get("split_seed") or 0):
        raise InputError("The two models were validated on different patient splits, so no studies are held "
                         "out from both; compare models trained with the same split seed.")
    if a["task"] == "body_part":
        return "body_part", "all", int(a.get("split_seed") or 0)     # a body-part model reads every part
    return "fracture", (pa if pa != "all" else pb), int(a.get("split_seed") or 0)


def body_part_views(store, split: str, split_seed: int = 0) -> list[PartView]:
    """Every image of ``split`` ("all": every split) whose body part is known, with that part.

    The truth is the one the body-part stage trains on (selection.body_part_of, which
    trainer.data uses too): (0018,0015) Body Part Examined of the image, else of its
    study, lower-case. The split is the locked patient split of ``split_seed``.
    """
    if split not in SPLIT_CHOICES:
        raise InputError(f"The split must be one of {', '.join(SPLIT_CHOICES)}, not {split!r}.")
    studies = {row["id"]: row for row in store.studies()}
    views = []
    for image in store.images():
        study = studies[image["study_id"]]
        part = body_part_of(image, study)
        if part and (split == "all" or split_of(study["patient_key"], split_seed) == split):
            views.append(PartView(image["study_id"], image["id"], image["source_path"], part))
    if not views:
        raise InputError(f"No image {WHERE[split]} has a known body part; nothing to compare.")
    return views


def _open_predictor(workspace, model_id: str, task: str):
    from core.inference.predictor import Predictor

    return Predictor(workspace, task, "onnx", model_id=model_id)


def _predict_both(views: list, predictors: list, predict, progress: Progress | None,
                  stop: threading.Event | None) -> tuple[list, list, list, int]:
    """(readable views, A's outputs, B's outputs, unreadable count): each image decoded once for both."""
    from core.imaging.image import load_image

    kept, out_a, out_b, skipped = [], [], [], 0
    for i, view in enumerate(views):
        if stop is not None and stop.is_set():
            raise InputError("The comparison was cancelled; nothing was measured.")
        try:
            image = load_image(view.source_path)
        except (RadinetError, OSError):
            skipped += 1           # the same image is left out for both models
        else:
            out_a.append(predict(predictors[0], image))
            out_b.append(predict(predictors[1], image))
            kept.append(view)
        if progress:
            progress(i + 1, len(views), "predicting the images with both models")
    if not kept:
        raise InputError("None of the selected images could be read; nothing to compare.")
    return kept, out_a, out_b, skipped


def compare_models(workspace, model_a: str, model_b: str, split: str = "val", progress: Progress | None = None,
                   stop: threading.Event | None = None, make_predictor=None, resamples: int = 1000,
                   seed: int = 0) -> dict:
    """Both models on the same studies, each figure with its 95 % CI and the paired difference A − B.

    Fracture models: study AUC ("metric": "auc"); body-part models: image
    accuracy clustered by study ("metric": "accuracy").
    """
    if model_a == model_b:
        raise InputError("Choose two different models to compare.")
    with workspace.connect() as store:
        sa, sb = _sidecar(store, model_a), _sidecar(store, model_b)
        sa.setdefault("model_id", model_a)
        sb.setdefault("model_id", model_b)
        task, body_part, split_seed = comparison_scope(sa, sb)
        views = (labelled_views(store, split, body_part, split_seed) if task == "fracture"
                 else body_part_views(store, split, split_seed))
    make_predictor = make_predictor or functools.partial(_open_predictor, task=task)
    predictors = [make_predictor(workspace, model_a), make_predictor(workspace, model_b)]
    score = _auc_of_both if task == "fracture" else _accuracy_of_both
    return {"model_a": model_a, "model_b": model_b, "task": task, "split": split,
            "body_part": body_part or "all", "resamples": resamples,
            **score(views, predictors, progress, stop, resamples, seed)}


def _auc_of_both(views, predictors, progress, stop, resamples: int, seed: int) -> dict:
    """Fracture: each model's study AUC (views averaged) with its CI, and the paired AUC difference."""
    from core.evaluation.bootstrap import binary_with_ci, paired_auc_difference
    from core.evaluation.metrics import study_level

    kept, pa, pb, skipped = _predict_both(
        views, predictors, lambda m, image: m.predict_image(image, heatmap=False).probability, progress, stop)
    study_ids, y = np.asarray([v.study_id for v in kept]), np.asarray([v.label for v in kept])
    ids, study_y, study_a = study_level(study_ids, y, np.asarray(pa, dtype=float))
    _, _, study_b = study_level(study_ids, y, np.asarray(pb, dtype=float))
    one_a, one_b = (binary_with_ci(study_y, p, resamples=resamples, seed=seed) for p in (study_a, study_b))
    paired = paired_auc_difference(study_y, study_a, study_b, resamples=resamples, seed=seed)
    return {"metric": "auc", "n_studies": int(len(ids)), "n_positive": int(np.sum(study_y == 1)),
            "n_negative": int(np.sum(study_y == 0)), "images": len(kept), "skipped_images": skipped,
            "auc_a": one_a["auc"], "auc_a_ci": one_a["auc_ci"], "auc_b": one_b["auc"], "auc_b_ci": one_b["auc_ci"],
            "diff": paired["diff"], "diff_ci": None if paired["lo"] is None else [paired["lo"], paired["hi"]]}


def _accuracy_of_both(views, predictors, progress, stop, resamples: int, seed: int) -> dict:
    """Body part: each model's image accuracy with its CI (studies resampled whole) and the paired difference.

    A call is right when the name of the model's most probable class is the
    image's true part. The models' class lists may differ (trained on different
    data), so correctness, not probabilities, is compared; an image whose part a
    model has no class for is necessarily wrong for it.
    """
    from core.evaluation.bootstrap import paired_correctness_difference

    kept, out_a, out_b, skipped = _predict_both(
        views, predictors, lambda m, image: m.class_probabilities(image), progress, stop)
    truth = [v.part for v in kept]
    parts = sorted(set(truth))

    def judged(outputs):
        classes = {str(c).strip().lower() for _, names in outputs for c in names}
        correct = np.array([str(names[int(np.argmax(p))]).strip().lower() == t
                            for (p, names), t in zip(outputs, truth)])
        unknown = [p for p in parts if p not in classes]
        return correct, unknown, sum(t in unknown for t in truth)

    (ca, unknown_a, n_unknown_a), (cb, unknown_b, n_unknown_b) = judged(out_a), judged(out_b)
    groups = np.asarray([v.study_id for v in kept])
    y = np.asarray([parts.index(t) for t in truth])     # stratifies the resampling only
    paired = paired_correctness_difference(y, ca, cb, resamples=resamples, seed=seed, groups=groups)
    return {"metric": "accuracy", "n_studies": int(len(np.unique(groups))), "images": len(kept),
            "skipped_images": skipped, "parts": {p: truth.count(p) for p in parts},
            "correct_a": int(ca.sum()), "correct_b": int(cb.sum()),
            "accuracy_a": paired["accuracy_candidate"], "accuracy_a_ci": paired["accuracy_candidate_ci"],
            "accuracy_b": paired["accuracy_champion"], "accuracy_b_ci": paired["accuracy_champion_ci"],
            "unknown_parts_a": unknown_a, "unknown_images_a": n_unknown_a,
            "unknown_parts_b": unknown_b, "unknown_images_b": n_unknown_b,
            "diff": paired["diff"], "diff_ci": None if paired["lo"] is None else [paired["lo"], paired["hi"]]}


# ------------------------------------------------------------------ sentences
def _figure(name: str, value, ci) -> str:
    if value is None:
        return f"{name} not computable"
    return f"{name} {value:.3f}" + (f" (95 % CI {ci[0]:.2f}–{ci[1]:.2f})" if ci else "")


def _difference(r: dict, undefined: str) -> list[str]:
    """The difference A − B with its CI and what it shows (the interval, not the point, decides)."""
    if r["diff"] is None:
        return [f"Difference A − B: not computable ({undefined})."]
    ci = r["diff_ci"]
    lines = [f"Difference A − B: {r['diff']:+.3f}"
             + (f" (95 % CI {ci[0]:+.3f} to {ci[1]:+.3f}, paired bootstrap, {r['resamples']} resamples)"
                if ci else " (no CI)")]
    if ci and ci[0] > 0:
        lines.append("A is better on these studies (the interval lies above 0).")
    elif ci and ci[1] < 0:
        lines.append("B is better on these studies (the interval lies below 0).")
    else:
        lines.append("No difference is shown on these studies (the interval includes 0).")
    return lines


def _describe_auc(r: dict) -> list[str]:
    where = {"val": "validation split", "test": "test split", "all": "labelled studies"}.get(r["split"], r["split"])
    return [f"{r['n_studies']} studies of the {where} ({r['n_positive']} with a fracture, {r['n_negative']} "
            f"without; {r['images']} images"
            + (f", {r['skipped_images']} unreadable left out" if r["skipped_images"] else "") + "), body part "
            f"{r['body_part']}.",
            f"A {r['model_a']}: {_figure('AUC', r['auc_a'], r['auc_a_ci'])}",
            f"B {r['model_b']}: {_figure('AUC', r['auc_b'], r['auc_b_ci'])}",
            *_difference(r, "the studies need both a fracture and a normal case")]


def _describe_accuracy(r: dict) -> list[str]:
    parts = ", ".join(f"{p} {n}" for p, n in r["parts"].items())
    lines = [f"{r['n_studies']} studies {WHERE.get(r['split'], r['split'])} with a known body part "
             f"({r['images']} images: {parts}"
             + (f"; {r['skipped_images']} unreadable left out" if r["skipped_images"] else "") + ")."]
    for k in ("a", "b"):
        lines.append(f"{k.upper()} {r[f'model_{k}']}: {_figure('accuracy', r[f'accuracy_{k}'], r[f'accuracy_{k}_ci'])}"
                     f", body part right on {r[f'correct_{k}']} of {r['images']} images")
    for k in ("a", "b"):
        if r[f"unknown_parts_{k}"]:
            lines.append(f"{k.upper()} has no class for {', '.join(r[f'unknown_parts_{k}'])}: those "
                         f"{r[f'unknown_images_{k}']} image(s) count as wrong for {k.upper()}.")
    lines.append("Studies are resampled whole (their images are not independent).")
    return lines + _difference(r, "no image to score")


def describe_comparison(r: dict) -> str:
    """The comparison in sentences a reader can check."""
    lines = _describe_accuracy(r) if r.get("metric") == "accuracy" else _describe_auc(r)
    return "\n".join(lines)
