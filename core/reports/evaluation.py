"""Out-of-fold evaluation of the report labeller against the paper's baseline.

Both systems are trained and scored on the SAME stratified folds in the same
run. The labeller's decision threshold in each outer fold is chosen by an
inner cross-validation on that fold's training reports for a target
precision, never on the fold it is scored on; the baseline is the paper's
system as published (plain logistic regression, threshold 0.5).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import bootstrap, rankdata
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from core.errors import InputError
from core.reports.inner_cv import INNER_FOLDS
from core.reports.labeller import PreparedReport, ReportLabeller, fold_matrix
from core.reports.language import AUTO
from core.reports.models import MODEL_NAMES
from core.reports.thresholds import threshold_for_precision

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


def out_of_fold(labeller: ReportLabeller, X, y: np.ndarray, splits, progress: Progress | None = None,
                label: str = "") -> np.ndarray:
    """Probability of each report from the model trained on the other folds. ``labeller`` has its
    vectorizer fitted on all the reports, ``X`` is their matrix, and every fold keeps its choice of
    the stated back-off feature (None: each fold chooses)."""
    y = np.asarray(y, dtype=int)
    probs = np.zeros(len(y), dtype=float)
    for k, (train, test) in enumerate(splits):
        fold, columns = labeller.for_rows(X, train)
        fold.back_off = labeller.back_off
        probs[test] = fold.fit_matrix(fold_matrix(X, train, columns), y[train]).predict_matrix(
            fold_matrix(X, test, columns))
        if progress:
            progress(k + 1, len(splits), f"{label} fold {k + 1}")
    return probs


@dataclass
class CrossValidation:
    probabilities: np.ndarray      # out of fold
    predictions: np.ndarray        # 0/1 at each fold's own threshold
    thresholds: list[float]        # one per fold, chosen by inner CV on that fold's training reports
    fold_of: np.ndarray            # which fold scored each report
    models: list[ReportLabeller]   # each fold's model (for the deciding sentence of its errors)
    # The same at each fold's best-F1 threshold, from the same inner cross-validation
    # (None where the thresholds are fixed at 0.5).
    best_f1_predictions: np.ndarray | None = None
    best_f1_thresholds: list[float] | None = None

    @property
    def back_off(self) -> bool:
        """The folds' choice of the stated back-off feature, for a model refitted on all their
        reports: what most folds chose (with it on a tie)."""
        return 2 * sum(bool(m.back_off) for m in self.models) >= len(self.models)


def cross_validate(labeller: ReportLabeller, docs: Sequence, y, splits, target_precision: float | None = 0.9,
                   inner_folds: int = INNER_FOLDS, progress: Progress | None = None, label: str = "") -> CrossValidation:
    """Out-of-fold probabilities and predictions; each fold's threshold comes from inner
    cross-validation on its training reports only (``target_precision`` None: 0.5). The
    same inner probabilities also give each fold's best-F1 threshold, reported beside it."""
    y = np.asarray(y, dtype=int)
    whole = labeller.clone()
    X_all = whole.fit_vectorizer(list(docs))       # counted once; each fold keeps its training reports' terms
    probs, preds, fold_of = np.zeros(len(y)), np.zeros(len(y), dtype=int), np.zeros(len(y), dtype=int)
    best_preds = np.zeros(len(y), dtype=int)
    thresholds, best_thresholds, models = [], [], []
    for k, (train, test) in enumerate(splits):
        fold, columns = whole.for_rows(X_all, train)
        X = fold_matrix(X_all, train, columns)
        # The same inner cross-validation chooses whether the stated back-off feature is used and,
        # on the probabilities of that choice, the threshold.
        inner = None if target_precision is None else fold.choose_back_off(X, y[train], inner_folds,
                                                                            labeller.seed + k)
        t = 0.5 if inner is None else threshold_for_precision(y[train], inner, target_precision)
        t_f1 = 0.5 if inner is None else threshold_for_precision(y[train], inner, 0.0)
        fold.fit_matrix(X, y[train])
        probs[test] = fold.predict_matrix(fold_matrix(X_all, test, columns))
        preds[test] = probs[test] >= t
        best_preds[test] = probs[test] >= t_f1
        fold_of[test] = k
        thresholds.append(round(float(t), 6))
        best_thresholds.append(round(float(t_f1), 6))
        models.append(fold)
        if progress:
            progress(k + 1, len(splits), f"{label} fold {k + 1}")
    if target_precision is None:
        return CrossValidation(probs, preds, thresholds, fold_of, models)
    return CrossValidation(probs, preds, thresholds, fold_of, models, best_preds, best_thresholds)


def predicted_metrics(y: np.ndarray, p: np.ndarray, pred: np.ndarray) -> dict:
    """:func:`binary_metrics` for given 0/1 predictions (each fold's own threshold)."""
    y, pred = np.asarray(y, dtype=int), np.asarray(pred, dtype=int)
    m = binary_metrics(y, pred.astype(float), threshold=0.5)
    m["auc"] = round(float(roc_auc_score(y, p)), 4) if len(np.unique(y)) == 2 else float("nan")
    return m


def _confusion_stat(name: str):
    def stat(y, pred, axis=-1):
        tp = np.sum(y * pred, axis=axis)
        fp = np.sum((1 - y) * pred, axis=axis)
        fn = np.sum(y * (1 - pred), axis=axis)
        n = y.shape[axis]
        with np.errstate(divide="ignore", invalid="ignore"):
            if name == "accuracy":
                return (n - fp - fn) / n
            if name == "precision":
                return np.where(tp + fp > 0, tp / (tp + fp), 0.0)
            if name == "recall":
                return np.where(tp + fn > 0, tp / (tp + fn), 0.0)
            return np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    return stat


def _auc_stat(y, p, axis=-1):
    """ROC AUC as the Mann-Whitney U statistic, vectorised over resamples (ties get mid-ranks)."""
    ranks = rankdata(p, axis=axis)
    n1 = np.sum(y, axis=axis)
    n0 = y.shape[axis] - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.sum(ranks * y, axis=axis) - n1 * (n1 + 1) / 2) / (n1 * n0)


def bootstrap_intervals(y, p, pred, n_resamples: int = 1000, seed: int = 0) -> dict:
    """95 % percentile-bootstrap intervals (scipy.stats.bootstrap, reports resampled with
    replacement, the same resamples for every metric) of accuracy, precision, recall, F1 and AUC."""
    y, p, pred = np.asarray(y, dtype=float), np.asarray(p, dtype=float), np.asarray(pred, dtype=float)
    out = {}
    for name in ("accuracy", "precision", "recall", "f1", "auc"):
        data = (y, p) if name == "auc" else (y, pred)
        stat = _auc_stat if name == "auc" else _confusion_stat(name)
        res = bootstrap(data, stat, paired=True, vectorized=True, n_resamples=n_resamples, batch=100,
                        confidence_level=0.95, method="percentile", rng=np.random.default_rng(seed))
        lo, hi = res.confidence_interval
        out[name] = [round(float(lo), 4), round(float(hi), 4)]
    return out


def confident_errors(cv: CrossValidation, docs: Sequence, y: np.ndarray, k: int = 20,
                     snippet_chars: int = 200) -> list[dict]:
    """The ``k`` errors the labeller was surest of: false positives with the highest
    probability, false negatives with the lowest, each with its deciding sentence
    ("snippet") and how the context analysis read the mentions in it ("mentions":
    "fracture (fracture: negated)"); and, where a sentence argued for the label the
    report has, the one that argued furthest ("for_label": its "snippet" and "mentions")
    -- a missed "Fracture-dislocation of the right shoulder" read as affirmed points at
    the classifier's weights, one read as negated at the context rules."""
    y = np.asarray(y, dtype=int)
    wrong = np.flatnonzero(cv.predictions != y)
    confidence = np.where(cv.predictions[wrong] == 1, cv.probabilities[wrong], 1 - cv.probabilities[wrong])
    out = []
    for i in wrong[np.argsort(-confidence, kind="stable")][:k]:
        doc = docs[i]
        model = cv.models[cv.fold_of[i]]
        error = {"index": int(i), "label": int(y[i]), "probability": round(float(cv.probabilities[i]), 4),
                 "error": "false positive" if cv.predictions[i] else "false negative"}
        if not isinstance(doc, PreparedReport):
            out.append(error | {"snippet": _one_line(str(doc), snippet_chars)})
            continue
        deciding = model.deciding_sentence(doc, positive=bool(cv.predictions[i]))
        error |= _shown(doc, deciding, snippet_chars) if deciding else {
            "snippet": _one_line(doc.text, snippet_chars), "mentions": []}
        for_label = model.strongest_for(doc, positive=bool(y[i]))
        if for_label is not None and (deciding is None or for_label.start != deciding.start):
            error["for_label"] = _shown(doc, for_label, snippet_chars)
        out.append(error)
    return out


def _shown(doc: PreparedReport, sentence, snippet_chars: int) -> dict:
    """A sentence of an error as shown: its text and the mentions in it as the context analysis read them."""
    read = [f"{doc.text[m.start:m.end]} ({m.category}: {', '.join(sorted(m.classes)) or 'affirmed'})"
            for m in doc.analysis.mentions if sentence.start <= m.start and m.end <= sentence.end]
    return {"snippet": _one_line(sentence.text, snippet_chars), "mentions": read}


def _one_line(text: str, chars: int) -> str:
    """Text on one line, its runs of whitespace one space, cut at ``chars``."""
    return " ".join(text.split())[:chars]


def evaluate_reports(texts: Sequence[str], y, model: str = "lr", folds: int = 5, seed: int = 0,
                     compare: bool = False, languages: str = AUTO, report_languages=None,
                     target_precision: float = 0.9, inner_folds: int = INNER_FOLDS, bootstrap_resamples: int = 1000,
                     errors: int = 20, progress: Progress | None = None) -> dict:
    """Out-of-fold metrics of the labeller, with 95 % bootstrap intervals, its most confident
    errors and ``baseline`` (the paper's features + plain LR at 0.5) on the same folds.

    The labeller's threshold in each fold is chosen by inner cross-validation on that
    fold's training reports for ``target_precision``. With ``compare`` the result also
    holds ``compare: {model: metrics}`` for every classifier on the context features.
    """
    y = np.asarray(y, dtype=int)
    check_classes(y, folds)
    if not any(_WORD.search(t) for t in texts):
        raise InputError("The reports contain no words to learn from; is the text column the right one?")
    splits = fold_splits(y, folds, seed)
    labeller = ReportLabeller(model, "context", languages, seed)
    docs = labeller.prepare(texts, report_languages)
    cv = cross_validate(labeller, docs, y, splits, target_precision, inner_folds, progress, model)
    result = predicted_metrics(y, cv.probabilities, cv.predictions)
    result["ci"] = bootstrap_intervals(y, cv.probabilities, cv.predictions, bootstrap_resamples, seed)
    result["thresholds"] = cv.thresholds
    result["stated_back_off"] = [bool(m.back_off) for m in cv.models]
    result["target_precision"] = target_precision
    result["languages"] = dict(sorted(Counter(d.analysis.language for d in docs).items()))
    result["confident_errors"] = confident_errors(cv, docs, y, errors)
    if cv.best_f1_predictions is not None:      # None: no target precision, the thresholds are 0.5
        result["best_f1_point"] = predicted_metrics(y, cv.probabilities, cv.best_f1_predictions)
        result["best_f1_point"]["thresholds"] = cv.best_f1_thresholds
    baseline = ReportLabeller("lr", "baseline", languages, seed)
    base = cross_validate(baseline, baseline.prepare(texts), y, splits, None, progress=progress, label="baseline")
    result["baseline"] = predicted_metrics(y, base.probabilities, base.predictions)
    if compare:
        result["compare"] = {}
        for name in MODEL_NAMES:
            if name == model:
                result["compare"][name] = {k: result[k] for k in ("n", "positives", "accuracy", "precision",
                                                                   "recall", "f1", "auc", "confusion")}
                continue
            other = cross_validate(ReportLabeller(name, "context", languages, seed), docs, y, splits,
                                   target_precision, inner_folds, progress, name)
            result["compare"][name] = predicted_metrics(y, other.probabilities, other.predictions)
    return result


def format_confusion(metrics: dict, title: str, label: str = "positive") -> str:
    """The confusion matrix laid out like the paper's Table 3, with the summary figures; its rows
    and columns are named after the label ("Actual fracture", "Predicted not fracture"), not the
    paper's "normal" / "abnormal", which misname a fracture column's negatives."""
    (tn, fp), (fn, tp) = metrics["confusion"]
    no, yes = f"not {label}", label
    head = 7 + max(len(no), len(yes))                 # "Actual " + the longer name
    col_no, col_yes = len(f"Predicted {no}") + 2, len(f"Predicted {yes}") + 2
    lines = [
        title,
        f"{'':<{head}}{'Predicted ' + no:>{col_no}}{'Predicted ' + yes:>{col_yes}}",
        f"{'Actual ' + no:<{head}}{tn:>{col_no}}{fp:>{col_yes}}",
        f"{'Actual ' + yes:<{head}}{fn:>{col_no}}{tp:>{col_yes}}",
        f"accuracy {metrics['accuracy']:.4f}  precision {metrics['precision']:.4f}  recall {metrics['recall']:.4f}  "
        f"F1 {metrics['f1']:.4f}  AUC {metrics['auc']:.4f}  (n={metrics['n']}, positives={metrics['positives']})",
    ]
    return "\n".join(lines)


def format_intervals(metrics: dict) -> str:
    """One line per metric: the figure and its 95 % bootstrap interval."""
    ci = metrics["ci"]
    rows = [f"{'':<10}{'value':>8}   95 % CI (bootstrap over reports)"]
    rows += [f"{name:<10}{metrics[name]:>8.4f}   [{ci[name][0]:.4f}, {ci[name][1]:.4f}]"
             for name in ("accuracy", "precision", "recall", "f1", "auc")]
    rows.append(f"languages: {', '.join(f'{k} {v}' for k, v in metrics['languages'].items())}; "
                f"thresholds per fold: {', '.join(f'{t:.3f}' for t in metrics['thresholds'])}")
    back_off = metrics.get("stated_back_off")
    if back_off:
        rows.append(f"probable and post-operative fractures counted with the stated ones (the back-off feature) "
                    f"in {sum(back_off)} of {len(back_off)} folds, as each fold's inner cross-validation chose")
    return "\n".join(rows)


def format_best_f1_point(metrics: dict) -> str:
    """The labeller at each fold's best-F1 threshold, beside the target-precision one."""
    b = metrics.get("best_f1_point")
    if b is None:
        return "The thresholds are fixed at 0.5: no best-F1 threshold was chosen."
    if b["thresholds"] == metrics["thresholds"]:
        return "The best-F1 threshold of each fold's inner cross-validation is the same as above."
    return (f"At each fold's best-F1 threshold instead (same inner cross-validation, never the test fold): "
            f"precision {b['precision']:.4f}  recall {b['recall']:.4f}  F1 {b['f1']:.4f}; thresholds per fold: "
            f"{', '.join(f'{t:.3f}' for t in b['thresholds'])}. A lower --target-precision moves towards it.")


def format_errors(errors: list[dict]) -> str:
    """The most confident errors with the sentence that decided each."""
    if not errors:
        return "No errors."
    rows = [f"The {len(errors)} most confident errors (deciding sentence):"]
    for e in errors:
        where = f"line {e['line']}" if "line" in e else f"report {e['index']}"
        rows.append(f"  {where:<11} {e['error']:<15} p={e['probability']:.3f}  {e['snippet']}")
        indent = " " * 39      # under the snippet
        if e.get("mentions"):
            rows.append(f"{indent}read: {'; '.join(e['mentions'])}")
        if "for_label" in e:
            side = "a positive" if e["label"] else "a negative"
            rows.append(f"{indent}strongest for {side}: {e['for_label']['snippet']}")
            if e["for_label"]["mentions"]:
                rows.append(f"{indent}  read: {'; '.join(e['for_label']['mentions'])}")
    return "\n".join(rows)
