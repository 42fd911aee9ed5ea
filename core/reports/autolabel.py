"""Label unlabelled studies of a workspace from their reports, only where sure.

1. Train on studies that have a report AND a trusted current fracture label
   (radiologist or import; positive/negative, 'uncertain' is not a class).
2. Cross-validate to get an out-of-fold probability for each of them, and
   choose two thresholds: the lowest probability at which calling "positive"
   keeps precision >= the target, and the highest at which calling "negative"
   keeps the negative predictive value >= the target.
3. Retrain on all of them; label only studies with no current label (or an
   nlp label of an older labeller version) whose probability passes a
   threshold; every other such study goes to the review queue. So does a
   report with a fracture mention in a context (e.g. post-operative, a
   question) that fewer than 5 labelled reports contain: the labelled data has
   not shown what it means here (core.reports.coverage). Nor is a report labelled
   negative automatically where it states a fracture (a mention neither negated
   nor hypothetical, in a context the labelled reports mostly call positive,
   coverage.stated_fracture): a reader decides. Each decision records
   the sentence of the report that decided it (core.reports.queue.deciding_sentence).

A radiologist's or imported label is never touched: those studies are the
training data, not candidates, and each candidate is re-checked inside the
write transaction. The labeller version hashes the training data and the
settings, so a second run on unchanged data finds every candidate already
decided by that version and adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

import numpy as np

from core.errors import InputError
from core.reports.evaluation import binary_metrics, check_classes, fold_splits, out_of_fold
from core.reports.coverage import context_counts, positive_shares, stated_fracture, unfamiliar_mention
from core.reports.labeller import DecidingSentence, ReportLabeller
from core.reports.language import AUTO
from core.reports.queue import add_suggestion, count_applied, latest_report_rows, latest_reports, review_queue, \
    studies_decided_by
from core.store.store import TRUSTED_SOURCES

TASK = "fracture"
DEFAULT_AUTHOR = "radinet-nlp"


def _largest_confident_set(correct_sorted: np.ndarray, scores_sorted: np.ndarray, target: float,
                           allowed: np.ndarray) -> int:
    """Size k of the largest top-k set with precision >= target, cutting only between
    different scores and only where ``allowed`` (e.g. not below even odds)."""
    n = len(correct_sorted)
    if n == 0:
        return 0
    cum = np.cumsum(correct_sorted)
    k = np.arange(1, n + 1)
    cut_ok = np.append(scores_sorted[:-1] != scores_sorted[1:], True)  # do not split tied scores
    valid = (cum / k >= target) & cut_ok & allowed
    return int(k[valid].max()) if valid.any() else 0


def choose_thresholds(y: Sequence[int], p: Sequence[float], target: float) -> dict:
    """Thresholds reaching ``target`` precision on out-of-fold probabilities ``p``.

    Returns ``positive`` (label positive at p >= it; None: never), ``negative``
    (label negative at p <= it; None: never), ``expected_precision`` (share of
    correct labels among those the thresholds would have applied) and
    ``cv_coverage`` (the share they would have applied).
    """
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    order = np.argsort(-p, kind="stable")
    # Never call a report positive below even odds, nor negative at or above them.
    k_pos = _largest_confident_set(y[order] == 1, p[order], target, p[order] >= 0.5)
    t_pos = float(p[order][k_pos - 1]) if k_pos else None
    order = np.argsort(p, kind="stable")
    k_neg = _largest_confident_set(y[order] == 0, -p[order], target, p[order] < 0.5)
    t_neg = float(p[order][k_neg - 1]) if k_neg else None
    pos = p >= t_pos if t_pos is not None else np.zeros(len(p), bool)
    neg = p <= t_neg if t_neg is not None else np.zeros(len(p), bool)
    applied = int(pos.sum() + neg.sum())
    correct = int((y[pos] == 1).sum() + (y[neg] == 0).sum())
    return {"positive": t_pos, "negative": t_neg,
            "expected_precision": round(correct / applied, 4) if applied else None,
            "cv_coverage": round(applied / len(p), 4) if len(p) else 0.0}


def training_fingerprint(items: Sequence[tuple[int, str, str]]) -> str:
    """Hash of (study id, report text, label) of every training study."""
    h = hashlib.sha256()
    for study_id, text, value in sorted(items):
        h.update(f"{study_id}\x1f{hashlib.sha256(text.encode()).hexdigest()}\x1f{value}\x1e".encode())
    return h.hexdigest()


def _training_set(reports: dict[int, str], current: dict) -> tuple[list[int], np.ndarray]:
    """Studies with a report and a trusted positive/negative current label, and their 0/1 labels."""
    train_ids = [s for s in reports if s in current and current[s].source in TRUSTED_SOURCES
                 and current[s].value in ("positive", "negative")]
    if not train_ids:
        raise InputError("No study in the workspace has both a report and a fracture label from a radiologist "
                         "or an import; label some studies first so the report labeller can learn.")
    return train_ids, np.array([1 if current[s].value == "positive" else 0 for s in train_ids])


def fit_workspace_labeller(store, model: str = "lr", languages: str = AUTO, seed: int = 0) -> ReportLabeller:
    """A labeller trained on the workspace's trusted labels (for showing a report's
    probability and cues in the viewer; labels nothing)."""
    reports = latest_reports(store)
    train_ids, y = _training_set(reports, store.current_labels(TASK))
    check_classes(y, 2, where="The labelled reports in the workspace")
    return ReportLabeller(model, "context", languages, seed).fit([reports[s] for s in train_ids], y)


def label_workspace(store, target_precision: float = 0.98, folds: int = 5, model: str = "lr", seed: int = 0,
                    languages: str = AUTO, author: str = DEFAULT_AUTHOR,
                    progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Train, choose thresholds, label the sure studies and queue the rest; return a summary."""
    if not 0.5 < target_precision <= 1.0:
        raise InputError(f"The target precision must be above 0.5 and at most 1, not {target_precision}.")
    report_rows = latest_report_rows(store)
    reports = {study: text for study, (_, text) in report_rows.items()}
    current = store.current_labels(TASK)
    train_ids, y = _training_set(reports, current)
    candidates = [s for s in reports if s not in current or current[s].source == "nlp"]
    check_classes(y, folds, where="The labelled reports in the workspace")

    labeller = ReportLabeller(model, "context", languages, seed)
    fingerprint = training_fingerprint([(s, reports[s], current[s].value) for s in train_ids])
    version = labeller.version(f"{fingerprint}|folds={folds}|precision={target_precision}")

    texts = [reports[s] for s in train_ids]
    docs = labeller.prepare(texts)
    # Whether the stated back-off feature is used is chosen once, on all the trusted labels (inner
    # cross-validation), as a setting of the labeller: the folds below and the final model keep it.
    X = labeller.fit_vectorizer(docs)
    labeller.choose_back_off(X, y, folds)
    oof = out_of_fold(labeller, X, y, fold_splits(y, folds, seed), progress, "cross-validation")
    thresholds = choose_thresholds(y, oof, target_precision)
    cv = binary_metrics(y, oof)

    decided = studies_decided_by(store, version, TASK)
    todo = [s for s in candidates if s not in decided
            and not (s in current and current[s].labeller_version == version)]
    counts = {"positive": 0, "negative": 0, "review": 0, "retracted": 0, "protected": 0, "stated": 0}
    unfamiliar: dict[str, int] = {}
    if todo:
        familiar = context_counts(d.analysis for d in docs)
        shares = positive_shares((d.analysis for d in docs), y, familiar)
        labeller.fit_matrix(X, y)       # vocabulary and back-off choice as made above, on the same reports
        todo_docs = labeller.prepare([reports[s] for s in todo])
        probs = labeller.predict_prepared(todo_docs)
        t_pos, t_neg = thresholds["positive"], thresholds["negative"]
        with store.transaction():
            for study_id, doc, p in zip(todo, todo_docs, probs):
                p = float(p)
                sentence = labeller.deciding_sentence(doc, positive=p >= 0.5)
                report_id = report_rows[study_id][0]
                now = store.current_label(study_id, TASK)
                if now is not None and now.source != "nlp":   # a radiologist (or an import) labelled it meanwhile
                    counts["protected"] += 1
                    continue
                unseen = unfamiliar_mention(doc.analysis, familiar)
                if unseen is not None:
                    # The review shows the sentence with the unfamiliar mention: that is what a reader must judge.
                    sentence = DecidingSentence.of(doc.text, doc.analysis.sentences[unseen[0]], 0.0)
                    unfamiliar[unseen[1]] = unfamiliar.get(unseen[1], 0) + 1
                stated = stated_fracture(doc.analysis, shares) if unseen is None else None
                if unseen is None and t_pos is not None and p >= t_pos:
                    value, confidence = "positive", p
                elif unseen is None and t_neg is not None and p <= t_neg and stated is None:
                    value, confidence = "negative", 1.0 - p
                else:
                    if stated is not None and t_neg is not None and p <= t_neg:
                        # Sure enough to write "negative", but the report states a fracture: the reader
                        # judges the sentence that states it.
                        sentence = DecidingSentence.of(doc.text, doc.analysis.sentences[stated], 0.0)
                        counts["stated"] += 1
                    add_suggestion(store, study_id, "positive" if p >= 0.5 else "negative", p, version, "review",
                                   task=TASK, sentence=sentence, report_id=report_id)
                    counts["review"] += 1
                    if now is not None:   # an older labeller was sure; this one is not: withdraw its label
                        store.retract_label(now.id, author)
                        counts["retracted"] += 1
                    continue
                label_id = store.add_label(study_id, TASK, value, "nlp", author, confidence=round(confidence, 6),
                                           labeller_version=version)
                add_suggestion(store, study_id, value, p, version, "applied", label_id, task=TASK,
                               sentence=sentence, report_id=report_id)
                counts[value] += 1
            store.audit(author, "nlp-label", "labeller", version, json.dumps(
                {k: counts[k] for k in ("positive", "negative", "review", "retracted")}, sort_keys=True))

    applied_by_version = count_applied(store, version, TASK)
    return {
        "labeller_version": version,
        "model": model,
        "target_precision": target_precision,
        "trained_on": len(train_ids),
        "training_positives": int(y.sum()),
        "cv_auc": cv["auc"],
        "thresholds": {"positive": thresholds["positive"], "negative": thresholds["negative"]},
        "expected_precision": thresholds["expected_precision"],
        "cv_coverage": thresholds["cv_coverage"],
        "candidates": len(candidates),
        "already_decided": len(candidates) - len(todo),
        "labelled": counts["positive"] + counts["negative"],
        "labelled_positive": counts["positive"],
        "labelled_negative": counts["negative"],
        "sent_to_review": counts["review"],
        # of them, for a fracture-mention context too few labelled reports contain: {context: studies}
        "unfamiliar_context": dict(sorted(unfamiliar.items())),
        # of them, the classifier would have labelled negative but the report states a fracture
        "stated_fracture_to_review": counts["stated"],
        "retracted_older_nlp_labels": counts["retracted"],
        "skipped_labelled_by_radiologist": counts["protected"],
        "coverage": round(applied_by_version / len(candidates), 4) if candidates else None,
        "review_queue": len(review_queue(store, TASK)),
    }
