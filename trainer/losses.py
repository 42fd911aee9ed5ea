"""The training loss, defined once, and used unchanged for the validation loss.

Class imbalance is handled exactly once:
- fracture: ``pos_weight = negatives / positives`` of the training split in the
  BCE, unless ``weighted_sampling`` already rebalances the batches (then 1);
- body part: balanced class weights in the cross-entropy, unless weighted
  sampling is on.
Per-sample weights come only from the label's source (report-derived labels
count by their confidence) and never from the class. The validation loss that
drives early stopping and the plateau schedule is this same function with the
same weights, so "better on validation" means better on what is optimised.

Study level (multiple-instance): a fracture label belongs to the study, not to
each view; the loss is taken on the study's pooled logit, the mean of its
views' logits, the logit-space counterpart of the study probability (mean of
view probabilities) used at inference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class LossSpec:
    task: str                         # fracture | body_part
    pos_weight: float = 1.0           # fracture
    class_weights: tuple = ()         # body_part


def loss_spec(task: str, targets: np.ndarray, weights: np.ndarray, n_classes: int, *, class_weights: bool,
              weighted_sampling: bool) -> LossSpec:
    """The weights of the loss from the training split (see module docstring)."""
    rebalance = class_weights and not weighted_sampling
    if task == "fracture":
        pos = float((weights * (targets == 1)).sum())
        neg = float((weights * (targets == 0)).sum())
        return LossSpec(task, pos_weight=(neg / pos) if (rebalance and pos > 0) else 1.0)
    counts = np.bincount(targets, minlength=n_classes).astype(np.float64)
    cw = np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / n_classes, 0.0) if rebalance \
        else np.ones(n_classes)
    return LossSpec(task, class_weights=tuple(float(v) for v in cw))


def pooled_logits(logits: torch.Tensor, group: torch.Tensor, n_groups: int) -> torch.Tensor:
    """Mean logit of each group (study): (n_groups, outputs) from (N, outputs) and group index (N,)."""
    sums = torch.zeros(n_groups, logits.shape[1], dtype=logits.dtype, device=logits.device)
    sums.index_add_(0, group, logits)
    counts = torch.bincount(group, minlength=n_groups).clamp_min(1).to(logits.dtype)
    return sums / counts[:, None]


def weighted_loss(spec: LossSpec, logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean of the per-item loss weighted by the label-source weight (items: images or studies)."""
    if spec.task == "fracture":
        raw = F.binary_cross_entropy_with_logits(
            logits[:, 0].float(), target.float(), reduction="none",
            pos_weight=torch.tensor([spec.pos_weight], device=logits.device))
    else:
        raw = F.cross_entropy(logits.float(), target, reduction="none",
                              weight=torch.tensor(spec.class_weights, dtype=torch.float32, device=logits.device))
    weight = weight.float()
    return (raw * weight).sum() / weight.sum().clamp_min(1e-6)


def constant_logits(spec: LossSpec, targets: np.ndarray, weights: np.ndarray, n_outputs: int) -> np.ndarray:
    """The logits of the best prediction that ignores the image, under this loss, on (targets, weights).

    A model that has learnt nothing from the pixels converges to it first (only the bias learns): the
    weighted class frequencies, with the loss's class weights, as log-odds (fracture) or log-probabilities
    (body part). Its validation loss is the line a learning model has to go below (trainer.schedule).
    """
    weights = np.asarray(weights, dtype=np.float64)
    if spec.task == "fracture":
        pos = float((weights * (targets == 1)).sum()) * spec.pos_weight
        neg = float((weights * (targets == 0)).sum())
        if pos <= 0 or neg <= 0:
            return np.zeros(1, np.float32)
        return np.array([np.log(pos / neg)], np.float32)
    mass = np.bincount(targets, weights=weights, minlength=n_outputs)[:n_outputs]
    cw = np.asarray(spec.class_weights, dtype=np.float64) if spec.class_weights else np.ones(n_outputs)
    mass = mass * cw[:n_outputs]
    q = mass / mass.sum() if mass.sum() > 0 else np.full(n_outputs, 1.0 / n_outputs)
    return np.log(np.clip(q, 1e-12, None)).astype(np.float32)
