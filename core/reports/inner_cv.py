"""Inner cross-validation on ONE training set: what a labeller decides from its training reports
alone, never from the reports it will be scored on or label -- in an evaluation, each fold's threshold
for a target precision (core.reports.evaluation); for every labeller fitted, whether it uses the
stated back-off feature.

Whether ``<category>_stated`` (core.reports.features) helps depends on what the collection's labels
count. It is a prior that probable and post-operative fractures are fractures as the affirmed and
old ones are, and a collection with few reports of a rare class cannot teach the classifier to undo
it. So the labeller fits inner folds with and without those columns and keeps what predicted its own
training labels better (log-loss of the inner out-of-fold probabilities); the inner probabilities of
its choice then choose the threshold. Measured with ``reports evaluate`` (F1 at the 0.9 precision
target): on the public OpenI chest reports, whose indexers tagged 5 of the 6 probable fractures, fold
seeds 0-9, 0.865 without the feature, 0.893 with it always, 0.890 chosen (kept in every fold); on
NUBes, whose label (ours) counts a probable fracture as not affirmed, fold seeds 0-2, raw text 0.970
without, 0.961 always, 0.966 chosen (kept in 4 of 15 folds), and in PadChest's form 0.946, 0.935,
0.940 (8 of 15). NUBes is large enough to be compared on one inner fold (:func:`choose_back_off`);
compared on all five it scored 0.967 and 0.942 (kept in 0 and 2 of 15 folds).
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

# Inner folds: as many as `reports label` uses to choose its thresholds (core.reports.autolabel),
# so that the evaluation measures what the product does. Each inner model then sees 4/5 of the
# training reports, closer to the final model than 2/3: a threshold chosen on a weaker model's
# probabilities lets in more of the final model's. On OpenI (fracture, about 66 positives per
# training fold, seeds 0-9) 5 inner folds instead of 3 took the F1 at the 0.9 precision target
# from 0.846 (P 0.871) to 0.864 (P 0.881); 10 gave 0.858 (P 0.881).
INNER_FOLDS = 5
# liblinear releases the GIL: two threads fit two inner models at once, so 5 inner folds cost a
# 2-core workstation about the wall time of 3 (bench_reports en-common, 30,000 reports: the
# labeller's analyse + CV + training took 62 s on one thread, 49 s on two; 44 s with 3 inner folds).
# Logistic regression only: the forest runs threads of its own, and gradient boosting's thread
# limit (threadpoolctl) is process-wide, so two fits at once could restore it out of order and
# leave the whole process, the trainer's torch included, on one OpenMP thread.
INNER_JOBS = 2
# choose_back_off compares on every inner fold up to so many training reports, beyond on the first.
CHOICE_ALL_FOLDS_UP_TO = 10_000


def _splits(y: np.ndarray, inner_folds: int, seed: int) -> list | None:
    k = min(inner_folds, int(y.sum()), int(len(y) - y.sum()))
    if k < 2:
        return None
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def _fit_folds(jobs, X, y: np.ndarray) -> list[np.ndarray]:
    """Each job (labeller, train rows, test rows): fit on train, probabilities of test; logistic
    regression two jobs at a time (INNER_JOBS), other models one at a time."""
    def probabilities(labeller, train, test):
        return labeller.fit_matrix(X[train], y[train]).predict_matrix(X[test])

    threads = INNER_JOBS if all(labeller.model == "lr" for labeller, _, _ in jobs) else 1
    return Parallel(n_jobs=threads, prefer="threads")(delayed(probabilities)(*job) for job in jobs)


def _assembled(n: int, splits, parts) -> np.ndarray:
    p = np.full(n, np.nan)
    for (_, test), part in zip(splits, parts):
        p[test] = part
    return p


def inner_probabilities(labeller, X, y: np.ndarray, inner_folds: int, seed: int) -> np.ndarray | None:
    """Out-of-fold probabilities of inner cross-validation on ONE training set (matrix ``X`` of a
    :class:`~core.reports.labeller.ReportLabeller`'s fitted vectorizer), with the back-off feature as
    the labeller has it (with it where not chosen yet); None where a class has fewer than 2 reports."""
    y = np.asarray(y, dtype=int)
    splits = _splits(y, inner_folds, seed)
    if splits is None:
        return None
    back_off = labeller.back_off is not False
    return _assembled(len(y), splits, _fit_folds([(labeller.with_back_off(back_off), tr, te) for tr, te in splits],
                                                 X, y))


def choose_back_off(labeller, X, y: np.ndarray, inner_folds: int, seed: int) -> tuple[bool, np.ndarray | None]:
    """Whether ``labeller`` predicts its training reports (matrix ``X``) better with its stated back-off
    columns or without them, by the log-loss of inner out-of-fold probabilities, and the inner
    probabilities of the choice. With nothing stated to leave out, or too few reports of a class to
    cross-validate, it keeps them.

    A small collection, whose rare classes have few reports in any fold, compares on every inner
    fold (twice the fits). A large one compares on the first fold only, the two fits at once, so
    the choice costs one fit more than the threshold alone, in a round of its own (5 folds on 2
    threads leave a thread free in their third). bench_reports.py en-common, 30,000 reports: 1.3
    times the baseline's time in the same run (63.2 s), 1.1 without the back-off (52.1 s), 2.1 when
    it compared on all five folds and the final model chose again (89.0 s); since cross-validation
    counts the reports once for all folds (ReportLabeller.for_rows), 56.3 and 58.2 s in two runs,
    against the baseline's 37.8 and 34.1 s (it shares the counting)."""
    y = np.asarray(y, dtype=int)
    splits = _splits(y, inner_folds, seed)
    if splits is None or not len(labeller.back_off_columns):
        return True, inner_probabilities(labeller.with_back_off(True), X, y, inner_folds, seed)
    compared = splits if len(y) <= CHOICE_ALL_FOLDS_UP_TO else splits[:1]
    parts = _fit_folds([(labeller.with_back_off(b), tr, te) for tr, te in compared for b in (True, False)], X, y)
    p_with = _assembled(len(y), compared, parts[0::2])
    p_without = _assembled(len(y), compared, parts[1::2])
    scored = ~np.isnan(p_with)
    back_off = not _log_loss(y[scored], p_without[scored]) < _log_loss(y[scored], p_with[scored])
    p = p_with if back_off else p_without
    rest = splits[len(compared):]
    if rest:
        p = np.where(scored, p, _assembled(len(y), rest, _fit_folds([(labeller.with_back_off(back_off), tr, te)
                                                                     for tr, te in rest], X, y)))
    return back_off, p


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    return float(log_loss(y, np.clip(p, 1e-9, 1 - 1e-9), labels=[0, 1]))
