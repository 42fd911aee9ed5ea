"""The decision threshold for a target precision, chosen on out-of-fold probabilities.

Used inside each training set (inner cross-validation), never on the reports
being scored: a threshold tuned on the test fold would report a precision the
labeller cannot reach on new reports.
"""

from __future__ import annotations

import numpy as np


def threshold_for_precision(y, p, target: float) -> float:
    """The lowest probability threshold whose positive calls keep precision >= ``target``
    (the most recall the target allows); where no threshold reaches it, the one with the
    best F1. Cuts are made only between different probabilities."""
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    if y.sum() == 0 or len(y) == 0:
        return 0.5
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    cut_ok = np.append(ps[:-1] != ps[1:], True)     # do not split tied probabilities
    precision = tp / k
    recall = tp / ys.sum()
    reach = (precision >= target) & cut_ok & (tp > 0)
    if reach.any():
        return float(ps[np.flatnonzero(reach).max()])
    f1 = np.where(cut_ok, 2 * precision * recall / np.maximum(precision + recall, 1e-12), -1)
    return float(ps[int(np.argmax(f1))])
