"""Out-of-fold evaluation of the report labeller against the paper's baseline.

Both systems are trained and scored on the SAME stratified folds in the same
run, so the difference between the two rows is the features alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from core.errors import InputError
from core.reports.labeller import ReportLabeller
from core.reports.models import MODEL_NAMES

_WORD = re.compile(r"(?u)\b\w\w+\b")   # CountVectorizer's token pattern: what the baseline can use
Progress = Callable[[int, int, str], None]


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict:
    """Accuracy, positive-class precision/recall/F1, ROC AUC and [[tn, fp], [fn, tp]]."""
    y = np.asarray(y, dtype=int)
    pred = (np.asarray(p) >= threshold).astype(int)
    (tn, fp), (fn, tp) = confusion_matrix(y, pred, labels=[0, 1])
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, pred, average="binary", pos_label=1, zero_division=0)
    auc = roc_auc_score(y, p) if len(np.unique(y)) == 2 else float("nan")
    return {
        "n": int(len(y)), "positives": int(y.sum()),
        "accuracy": round(float((tp + tn) / len(y)), 4),
        "precision": round(float(precision), 4), "recall": round(float(recall), 4), "f1": round(float(f1), 4),
        "auc": round(float(auc), 4),
        "confusion": [[int(tn), int(fp)], [int(fn), int(tp)]],
    }


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Mean |observed rate - mean probability| over equal-width bins, weighted by bin size."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    err = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            err += mask.mean() * abs(y[mask].mean() - p[mask].mean())
    return float(err)


def check_classes(y: np.ndarray, folds: int, where: str = "The reports") -> None:
    """Refuse data that cannot be cross-validated, with a sentence naming why."""
    y = np.asarray(y, dtype=int)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        only = "negative" if positives == 0 else "positive"
        raise InputError(f"{where} have only {only} labels ({len(y)} reports); "
                         "at least one positive and one negative report are needed to learn anything.")
    if folds < 2:
        raise InputError(f"The number of folds must be at least 2, not {folds}.")
    if min(positives, negatives) < folds:
        fewer = "positive" if positives < negatives else "negative"
        raise InputError(f"{where} have only {min(positives, negatives)} {fewer} labels, "
                         f"fewer than the {folds} cross-validation folds; use fewer folds or add reports.")


def fold_splits(y: np.ndarray, folds: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def out_of_fold(labeller: ReportLabeller, docs: Sequence, y: np.ndarray, splits, progress: Progress | None = None,
                label: str = "") -> np.ndarray:
    """Probability of each report from the model trained on the other folds."""
    y = np.asarray(y, dtype=int)
    docs = list(docs)
    probs = np.zeros(len(y), dtype=float)
    for k, (train, test) in enumerate(splits):
        fold = ReportLabeller(labeller.model, labeller.features, labeller.languages, labeller.seed)
        fold.fit_prepared([docs[i] for i in train], y[train])
        probs[test] = fold.predict_prepared([docs[i] for i in test])
        if progress:
            progress(k + 1, len(splits), f"{label} fold {k + 1}")
    return probs


def evaluate_reports(texts: Sequence[str], y, model: str = "lr", folds: int = 5, seed: int = 0,
                     compare: bool = False, languages: Sequence[str] = ("en",),
                     progress: Progress | None = None) -> dict:
    """Out-of-fold metrics of the labeller (``model``) with ``baseline`` (paper's features + LR).

    With ``compare`` the result also holds ``compare: {model: metrics}`` for every
    classifier on the scoped features, all on the same folds.
    """
    y = np.asarray(y, dtype=int)
    check_classes(y, folds)
    if not any(_WORD.search(t) for t in texts):
        raise InputError("The reports contain no words to learn from; is the text column the right one?")
    splits = fold_splits(y, folds, seed)
    scoped = ReportLabeller(model, "scoped", languages, seed)
    scoped_docs = scoped.prepare(texts)
    result = binary_metrics(y, out_of_fold(scoped, scoped_docs, y, splits, progress, model))
    baseline = ReportLabeller("lr", "baseline", languages, seed)
    result["baseline"] = binary_metrics(y, out_of_fold(baseline, baseline.prepare(texts), y, splits, progress,
                                                       "baseline"))
    if compare:
        result["compare"] = {}
        for name in MODEL_NAMES:
            if name == model:
                result["compare"][name] = {k: v for k, v in result.items() if k not in ("baseline", "compare")}
                continue
            other = ReportLabeller(name, "scoped", languages, seed)
            result["compare"][name] = binary_metrics(y, out_of_fold(other, scoped_docs, y, splits, progress, name))
    return result


def format_confusion(metrics: dict, title: str) -> str:
    """The confusion matrix laid out like the paper's Table 3, with the summary figures."""
    (tn, fp), (fn, tp) = metrics["confusion"]
    lines = [
        title,
        f"{'':<17}{'Predicted normal':>18}{'Predicted abnormal':>20}",
        f"{'Actual normal':<17}{tn:>18}{fp:>20}",
        f"{'Actual abnormal':<17}{fn:>18}{tp:>20}",
        f"accuracy {metrics['accuracy']:.4f}  precision {metrics['precision']:.4f}  recall {metrics['recall']:.4f}  "
        f"F1 {metrics['f1']:.4f}  AUC {metrics['auc']:.4f}  (n={metrics['n']}, positives={metrics['positives']})",
    ]
    return "\n".join(lines)
