"""Inner cross-validation on ONE training set: what a labeller decides from its training reports
alone, never from the reports it will be scored on or label -- the threshold for a target precision
(core.reports.evaluation, core.reports.autolabel) and whether it uses the stated back-off feature.

Whether ``<category>_stated`` (core.reports.features) helps depends on what the collection's labels
count. It is a prior that probable and post-operative fractures are fractures as the affirmed and
old ones are: on the public OpenI chest reports, whose indexers tagged 5 of the 6 probable ones, it
took the fracture F1 at the 0.9 precision target from 0.865 to 0.893 (fold seeds 0-9); on NUBes,
whose label (ours) counts a probable fracture as not affirmed, it cost 0.009 (raw) and 0.011
(PadChest's form; seeds 0-2). A collection with few reports of a rare class cannot teach the
classifier to undo the prior, so the labeller fits its inner folds with and without those columns
and keeps what predicted its own training labels better (log-loss of the inner out-of-fold
probabilities). The same inner probabilities then choose the threshold: no extra fits for it.
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


def inner_probabilities(labeller, X, y: np.ndarray, inner_folds: int, seed: int) -> np.ndarray | None:
    """Out-of-fold probabilities of inner cross-validation on ONE training set (matrix ``X`` of a
    :class:`~core.reports.labeller.ReportLabeller`'s fitted vectorizer), with the back-off feature as
    the labeller has it (with it where not chosen yet); None where a class has fewer than 2 reports."""
    y = np.asarray(y, dtype=int)
    k = min(inner_folds, int(y.sum()), int(len(y) - y.sum()))
    if k < 2:
        return None
    splits = list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))

    def fold_probabilities(train, test):
        model = labeller.with_back_off(labeller.back_off is not False).fit_matrix(X[train], y[train])
        return model.predict_matrix(X[test])

    jobs = INNER_JOBS if labeller.model == "lr" else 1
    parts = Parallel(n_jobs=jobs, prefer="threads")(delayed(fold_probabilities)(train, test)
                                                     for train, test in splits)
    p = np.zeros(len(y))
    for (_, test), part in zip(splits, parts):
        p[test] = part
    return p


def choose_back_off(labeller, X, y: np.ndarray, inner_folds: int, seed: int) -> tuple[bool, np.ndarray | None]:
    """Whether ``labeller`` predicts its training reports (matrix ``X``) better with its stated back-off
    columns or without them, by the log-loss of inner out-of-fold probabilities, and those
    probabilities. With nothing stated to leave out, or too few reports of a class to cross-validate,
    it keeps them."""
    y = np.asarray(y, dtype=int)
    with_it = inner_probabilities(labeller.with_back_off(True), X, y, inner_folds, seed)
    if with_it is None or not len(labeller.back_off_columns):
        return True, with_it
    without = inner_probabilities(labeller.with_back_off(False), X, y, inner_folds, seed)
    if _log_loss(y, without) < _log_loss(y, with_it):
        return False, without
    return True, with_it


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    return float(log_loss(y, np.clip(p, 1e-9, 1 - 1e-9), labels=[0, 1]))
