"""A model on one split: logits, the validation loss (the training loss's definition) and metrics.

Fracture metrics are study-level (study probability = mean of its views'
probabilities, the paper's aggregation) with image-level ones beside them;
body-part metrics are image-level. Metric functions come from core.evaluation
(torch-free), so ``radinet evaluate`` and the trainer compute the same numbers.
"""

from __future__ import annotations

import numpy as np
import torch

from core.inference.predictor import probabilities  # noqa: F401 - one sigmoid/softmax for trainer and predictor
from trainer.losses import LossSpec, pooled_logits, weighted_loss
from trainer.run_data import SplitData


@torch.no_grad()
def predict_logits(model, arrays: np.ndarray, device, batch: int = 64, from_maps=None) -> np.ndarray:
    """(N, outputs) logits; ``from_maps``: cached early-layer outputs (fast refresh) instead of images."""
    model.eval()
    out = []
    n = len(from_maps) if from_maps is not None else len(arrays)
    for start in range(0, n, batch):
        if from_maps is not None:
            maps = model.tail()(from_maps[start:start + batch].float().to(device))
            out.append(model.forward_from_maps(maps).float().cpu())
        else:
            x = torch.from_numpy(arrays[start:start + batch].astype(np.float32))[:, None].to(device)
            out.append(model(x).float().cpu())
    return torch.cat(out).numpy() if out else np.zeros((0, model.num_outputs), np.float32)


def study_probabilities(split: SplitData, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(study labels, study probabilities = mean of the views' probabilities) in study_ids order.

    The mean, although half the difficult demo fractures are hidden on one of the study's views: the
    maximum, the mean logit and noisy-OR pooled the same wrist models' views no better (issue 11, three
    models, 300 fresh wrist studies: mean 0.646 / 0.722 / 0.622, max 0.659 / 0.702 / 0.629)."""
    sums = np.bincount(split.study_of, weights=p, minlength=len(split.study_ids))
    counts = np.bincount(split.study_of, minlength=len(split.study_ids))
    return split.study_targets(), sums / np.maximum(counts, 1)


def loss_on(spec: LossSpec, split: SplitData, logits: np.ndarray, study_level: bool) -> float:
    t = torch.from_numpy(logits.astype(np.float32))
    target, weight = torch.from_numpy(split.targets), torch.from_numpy(split.weights)
    if study_level and spec.task == "fracture":
        group = torch.from_numpy(split.study_of)
        pooled = pooled_logits(t, group, len(split.study_ids))
        return float(weighted_loss(spec, pooled, torch.from_numpy(split.study_targets()),
                                   torch.from_numpy(split.study_weights())))
    return float(weighted_loss(spec, t, target, weight))


def metrics_of(task: str, split: SplitData, logits: np.ndarray, spec: LossSpec, study_level: bool) -> dict:
    """Loss and metrics; private keys (``_``) carry what promotion and operating points need."""
    from core.evaluation.metrics import binary_metrics, multiclass_metrics

    if len(split) == 0:
        return {"n": 0, "auc": None, "loss": None}
    probs = probabilities(logits)
    loss = loss_on(spec, split, logits, study_level)
    if task == "fracture":
        image = binary_metrics(split.targets, probs[:, 0])
        sy, sp = study_probabilities(split, probs[:, 0])
        return {**binary_metrics(sy, sp), "loss": loss, "level": "study", "image": image,
                "_study_y": sy.tolist(), "_study_p": sp.tolist()}
    return {**multiclass_metrics(split.targets, probs), "loss": loss, "level": "image",
            "_y": split.targets.tolist(), "_p": probs.tolist(), "_groups": split.study_of.tolist()}


def with_confidence_intervals(task: str, metrics: dict, resamples: int, seed: int = 0) -> dict:
    """The same metrics plus bootstrap 95 % CIs (``auc_ci``, ``accuracy_ci``, ...): for the final
    validation and test figures a user reads, not for every epoch."""
    from core.evaluation.bootstrap import binary_with_ci, multiclass_with_ci

    if not metrics or not metrics.get("n"):
        return metrics
    if task == "fracture":
        ci = binary_with_ci(np.asarray(metrics["_study_y"]), np.asarray(metrics["_study_p"]), resamples=resamples,
                            seed=seed)
    else:
        ci = multiclass_with_ci(np.asarray(metrics["_y"]), np.asarray(metrics["_p"]),
                                groups=np.asarray(metrics["_groups"]), resamples=resamples, seed=seed)
    return {**metrics, **{k: v for k, v in ci.items() if k.endswith("_ci")}}


def public(metrics: dict | None) -> dict | None:
    if metrics is None:
        return None
    return {k: v for k, v in metrics.items() if not k.startswith("_")}
