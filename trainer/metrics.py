"""Validation metrics at image and study level, and operating points (scikit-learn).

Study-level probability = mean of its views' probabilities (the paper's
aggregation); study-level metrics are the ones promotion is decided on.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn import metrics as skm

# Target sensitivity / specificity for the two operating points.
HIGH_SENSITIVITY_TARGET = 0.95
HIGH_SPECIFICITY_TARGET = 0.95


def _safe_auc(y: np.ndarray, p: np.ndarray, **kw) -> float | None:
    if len(set(np.asarray(y).tolist())) < 2:
        return None  # AUC is undefined with one class only
    try:
        value = skm.roc_auc_score(y, p, **kw)
    except ValueError:
        return None
    return None if math.isnan(value) else float(value)


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict:
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    if len(y) == 0:
        return {"n": 0, "auc": None, "accuracy": None, "f1": None, "kappa": None}
    pred = (p >= threshold).astype(int)
    tp = int(((pred == 1) & (y == 1)).sum()); tn = int(((pred == 0) & (y == 0)).sum())
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    return {
        "n": int(len(y)),
        "auc": _safe_auc(y, p),
        "accuracy": float(skm.accuracy_score(y, pred)),
        "f1": float(skm.f1_score(y, pred, zero_division=0)),
        "kappa": _kappa(y, pred),
        "sensitivity": tp / pos if pos else None,
        "specificity": tn / neg if neg else None,
    }


def multiclass_metrics(y: np.ndarray, probs: np.ndarray) -> dict:
    y = np.asarray(y).astype(int)
    probs = np.asarray(probs, dtype=float)
    if len(y) == 0:
        return {"n": 0, "auc": None, "accuracy": None, "f1": None, "kappa": None}
    pred = probs.argmax(1)
    labels = list(range(probs.shape[1]))
    # One-vs-rest AUC averaged over the classes present (a small validation
    # split rarely holds every body part).
    per_class = [_safe_auc((y == k).astype(int), probs[:, k]) for k in labels]
    per_class = [a for a in per_class if a is not None]
    auc = float(np.mean(per_class)) if per_class else None
    return {
        "n": int(len(y)), "auc": auc,
        "accuracy": float(skm.accuracy_score(y, pred)),
        "f1": float(skm.f1_score(y, pred, average="macro", zero_division=0)),
        "kappa": _kappa(y, pred),
    }


def _kappa(y, pred) -> float | None:
    if len(set(np.asarray(y).tolist()) | set(np.asarray(pred).tolist())) < 2:
        return None
    value = skm.cohen_kappa_score(y, pred)
    return None if math.isnan(value) else float(value)


def study_level(study_ids: np.ndarray, y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of views' probabilities per study -> (study ids, study labels, study probabilities)."""
    study_ids = np.asarray(study_ids)
    uniq, inverse = np.unique(study_ids, return_inverse=True)
    sums = np.bincount(inverse, weights=np.asarray(p, dtype=float), minlength=len(uniq))
    counts = np.bincount(inverse, minlength=len(uniq))
    labels = np.zeros(len(uniq), dtype=int)
    labels[inverse] = np.asarray(y).astype(int)
    return uniq, labels, sums / np.maximum(counts, 1)


def operating_points(y: np.ndarray, p: np.ndarray) -> dict:
    """Two thresholds chosen on the validation split (study level).

    high_sensitivity: the highest threshold whose sensitivity is at least 95 %
    (below it a study is called negative); high_specificity: the lowest
    threshold whose specificity is at least 95 % (at or above it, positive).
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    if len(set(y.tolist())) < 2:
        return {"high_sensitivity": 0.5, "high_specificity": 0.5}
    fpr, tpr, thr = skm.roc_curve(y, p)
    thr = np.clip(thr, 0.0, 1.0)
    sens_ok = np.where(tpr >= HIGH_SENSITIVITY_TARGET)[0]
    spec_ok = np.where(1 - fpr >= HIGH_SPECIFICITY_TARGET)[0]
    high_sens = float(thr[sens_ok[0]]) if len(sens_ok) else 0.0
    high_spec = float(thr[spec_ok[-1]]) if len(spec_ok) else 1.0
    if high_sens > high_spec:  # a very good model: one threshold serves both
        high_sens = high_spec = (high_sens + high_spec) / 2
    return {"high_sensitivity": high_sens, "high_specificity": high_spec}
