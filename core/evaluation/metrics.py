"""Point estimates for a model's predictions: binary (fracture) and multiclass (body part).

Every figure comes from scikit-learn; a figure that is undefined on the data
at hand (AUC with one class only, precision with no positive call, ...) is
``None``, never 0 or NaN, so a table never shows a number that was not
measured. Study-level figures are the ones the product judges a model on: a
study's probability is the mean of its views' probabilities and its label is
the study's label (the paper's aggregation; a fracture belongs to the study).

``confusion_rates`` is the one place the threshold-based figures are derived
from a confusion matrix; the bootstrap (core.evaluation.bootstrap) calls it
on whole arrays of resampled counts at once.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn import metrics as skm

# Target sensitivity / specificity for the two operating points.
HIGH_SENSITIVITY_TARGET = 0.95
HIGH_SPECIFICITY_TARGET = 0.95
# The decision threshold when a model records no operating threshold of its own.
DEFAULT_THRESHOLD = 0.5
BINARY_METRICS = ("auc", "accuracy", "precision", "recall", "specificity", "f1", "kappa")
MULTICLASS_METRICS = ("auc", "accuracy", "f1", "kappa")


def _none_if_nan(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """Area under the ROC curve; None when ``y`` holds one class only."""
    y = np.asarray(y).astype(int)
    if len(np.unique(y)) < 2:
        return None
    return _none_if_nan(skm.roc_auc_score(y, np.asarray(p, dtype=float)))


def confusion(y: np.ndarray, p: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """{tp, fp, tn, fn}: a probability at or above ``threshold`` is a positive call."""
    y = np.asarray(y).astype(int)
    pred = (np.asarray(p, dtype=float) >= threshold).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return {"tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)}


def confusion_rates(tp, fp, tn, fn) -> dict[str, np.ndarray]:
    """accuracy, precision, recall, specificity, F1 and Cohen's kappa from confusion counts.

    Works element-wise on scalars or arrays (one entry per bootstrap resample);
    an undefined figure is NaN here (callers turn it into None):
    precision without positive calls, recall without positives, specificity
    without negatives, F1 with neither, kappa when chance agreement is 1.
    """
    tp, fp, tn, fn = (np.asarray(v, dtype=np.float64) for v in (tp, fp, tn, fn))
    n = tp + fp + tn + fn
    with np.errstate(divide="ignore", invalid="ignore"):
        accuracy = (tp + tn) / n
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        specificity = tn / (tn + fp)
        f1 = 2 * tp / (2 * tp + fp + fn)
        # Cohen (1960): kappa = (p_o - p_e) / (1 - p_e), p_e from the marginals.
        p_e = ((tp + fp) * (tp + fn) + (tn + fn) * (tn + fp)) / (n * n)
        kappa = (accuracy - p_e) / (1 - p_e)
    kappa = np.where(np.isclose(p_e, 1.0), np.nan, kappa)
    return {"accuracy": accuracy, "precision": precision, "recall": recall, "specificity": specificity,
            "f1": f1, "kappa": kappa}


def _kappa(y, pred) -> float | None:
    if len(set(np.asarray(y).tolist()) | set(np.asarray(pred).tolist())) < 2:
        return None  # one label everywhere: chance agreement is 1, kappa undefined
    return _none_if_nan(skm.cohen_kappa_score(y, pred))


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """n, n_positive, n_negative, AUC and the figures at ``threshold`` with the confusion matrix.

    ``sensitivity`` is ``recall`` under its clinical name (kept for callers that
    read it).
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    if len(y) == 0:
        return {"n": 0, "n_positive": 0, "n_negative": 0, "threshold": float(threshold),
                **{m: None for m in BINARY_METRICS}, "sensitivity": None,
                "confusion": {"tp": 0, "fp": 0, "tn": 0, "fn": 0}}
    pred = (p >= threshold).astype(int)
    cm = confusion(y, p, threshold)
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero_division is handled: undefined -> None below
        precision = skm.precision_score(y, pred, zero_division=np.nan)
        recall = skm.recall_score(y, pred, zero_division=np.nan)
        f1 = skm.f1_score(y, pred, zero_division=np.nan)
    specificity = cm["tn"] / neg if neg else None
    recall_value = _none_if_nan(recall) if pos else None
    return {
        "n": int(len(y)), "n_positive": pos, "n_negative": neg,
        "auc": auc(y, p),
        "accuracy": float(skm.accuracy_score(y, pred)),
        "precision": _none_if_nan(precision) if cm["tp"] + cm["fp"] else None,
        "recall": recall_value,
        "sensitivity": recall_value,
        "specificity": specificity,
        "f1": _none_if_nan(f1) if cm["tp"] + cm["fp"] + cm["fn"] else None,
        "kappa": _kappa(y, pred),
        "threshold": float(threshold),
        "confusion": cm,
    }


def multiclass_auc(y: np.ndarray, probs: np.ndarray) -> float | None:
    """One-vs-rest AUC averaged over the classes present in ``y``.

    A small validation split rarely holds every body part, so classes absent
    from ``y`` are left out rather than making the whole figure undefined.
    """
    y = np.asarray(y).astype(int)
    probs = np.asarray(probs, dtype=float)
    per_class = [auc((y == k).astype(int), probs[:, k]) for k in range(probs.shape[1])]
    per_class = [a for a in per_class if a is not None]
    return float(np.mean(per_class)) if per_class else None


def multiclass_metrics(y: np.ndarray, probs: np.ndarray) -> dict:
    """n, one-vs-rest AUC, accuracy, macro F1 and Cohen's kappa of the arg-max class."""
    y = np.asarray(y).astype(int)
    probs = np.asarray(probs, dtype=float)
    if len(y) == 0:
        return {"n": 0, **{m: None for m in MULTICLASS_METRICS}}
    pred = probs.argmax(1)
    return {
        "n": int(len(y)), "auc": multiclass_auc(y, probs),
        "accuracy": float(skm.accuracy_score(y, pred)),
        "f1": float(skm.f1_score(y, pred, average="macro", zero_division=0)),
        "kappa": _kappa(y, pred),
    }


def majority_rate(y: np.ndarray) -> float | None:
    """Accuracy of always answering the most frequent class: the chance level for a multiclass task."""
    y = np.asarray(y).astype(int)
    if len(y) == 0:
        return None
    return float(np.bincount(y).max() / len(y))


def study_level(study_ids: np.ndarray, y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of views' probabilities per study -> (study ids, study labels, study probabilities).

    The label is the study's (every view of a study carries the same one);
    studies come out sorted by id.
    """
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
