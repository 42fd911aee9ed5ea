"""Percentile bootstrap 95 % confidence intervals and paired model differences.

What is resampled: studies. A fracture label belongs to a study and its
views are not independent, so image-level figures resample whole studies
(``groups`` = each image's study) and a study's views always stay together.
Resampling is stratified by the study's label (positives and negatives are
drawn separately, each keeping its count), as pROC does by default for AUC
intervals: every resample then has both classes, so AUC, sensitivity and
specificity are defined in all of them and the interval is not conditioned
on the lucky resamples. Figures that can still be undefined in a resample
(precision with no positive call, kappa with one label everywhere) are
computed over the resamples where they are defined; when fewer than half
are, or the figure is undefined on the data itself, the interval is None.

Why not a loop over ``sklearn.metrics``: 1,000 resamples x 7 figures is
7,000 calls (seconds per evaluation, and the trainer runs one per epoch).
Here each resample is a row of draw counts, and every figure is computed for
all rows at once from weighted sums (one sort for AUC); the tests check the
result against scikit-learn on the same resamples and bench/bench_bootstrap.py
measures both.
"""

from __future__ import annotations

import numpy as np

from core.evaluation.metrics import BINARY_METRICS, DEFAULT_THRESHOLD, binary_metrics, confusion_rates, \
    multiclass_metrics

DEFAULT_RESAMPLES = 1000
CONFIDENCE = 0.95
# A metric's interval is reported only when it is defined in at least this share of resamples.
MIN_DEFINED_SHARE = 0.5
# Rows of draw counts materialised at once (resamples x items), to bound memory on large workspaces.
_CELLS_PER_CHUNK = 4_000_000


# ------------------------------------------------------------------ resampling
def _units(n_items: int, groups: np.ndarray | None) -> tuple[np.ndarray, int]:
    """(unit index of every item, number of units): the unit is the item itself or its group (study)."""
    if groups is None:
        return np.arange(n_items), n_items
    _, inverse = np.unique(np.asarray(groups), return_inverse=True)
    return inverse.ravel(), int(inverse.max()) + 1 if n_items else 0


def _unit_strata(unit_of_item: np.ndarray, n_units: int, y: np.ndarray) -> np.ndarray:
    """Each unit's stratum: its label (the largest of its items' labels; a study has one label)."""
    strata = np.full(n_units, -1, dtype=np.int64)
    np.maximum.at(strata, unit_of_item, np.asarray(y).astype(np.int64))
    return strata


def resample_counts(strata: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, units) draw counts: each row is one bootstrap resample, drawn with
    replacement within each stratum so that every stratum keeps its size."""
    strata = np.asarray(strata)
    n = len(strata)
    counts = np.zeros(resamples * n, dtype=np.int64)
    row_offset = (np.arange(resamples) * n)[:, None]
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        draws = members[rng.integers(0, len(members), size=(resamples, len(members)))]
        counts += np.bincount((draws + row_offset).ravel(), minlength=resamples * n)
    return counts.reshape(resamples, n).astype(np.int32)


def _count_chunks(strata: np.ndarray, resamples: int, seed: int, n_items: int):
    """Draw-count matrices, chunk by chunk, from one seeded generator (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CELLS_PER_CHUNK // max(1, n_items))
    done = 0
    while done < resamples:
        k = min(per_chunk, resamples - done)
        yield resample_counts(strata, k, rng)
        done += k


# ------------------------------------------------------------ weighted figures
def weighted_auc(y: np.ndarray, p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """AUC of each row of ``weights`` (B, N) (item i counted weights[b, i] times); NaN without both classes.

    Mann-Whitney form: the share of (positive, negative) pairs ranked correctly,
    ties counting one half, identical to sklearn's roc_auc_score on the
    resampled data. One sort serves all rows.
    """
    y = np.asarray(y).astype(bool)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    ps, ys = p[order], y[order]
    w = np.asarray(weights, dtype=np.float64)[:, order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]]) if len(ps) else np.zeros(0, dtype=int)
    if len(starts) == 0:
        return np.full(w.shape[0], np.nan)
    pos = np.add.reduceat(w * ys, starts, axis=1)   # positive weight per distinct score
    neg = np.add.reduceat(w * ~ys, starts, axis=1)  # negative weight per distinct score
    neg_below = np.cumsum(neg, axis=1) - neg
    correct = (pos * (neg_below + 0.5 * neg)).sum(1)
    pairs = pos.sum(1) * neg.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pairs > 0, correct / pairs, np.nan)


def weighted_binary_figures(y: np.ndarray, p: np.ndarray, weights: np.ndarray, threshold: float) -> dict:
    """Every figure of BINARY_METRICS for each row of ``weights`` (NaN where undefined)."""
    y = np.asarray(y).astype(bool)
    called = np.asarray(p, dtype=float) >= threshold
    w = np.asarray(weights, dtype=np.float64)
    tp, fp = w @ (y & called), w @ (~y & called)
    fn, tn = w @ (y & ~called), w @ (~y & ~called)
    return {"auc": weighted_auc(y, p, w), **confusion_rates(tp, fp, tn, fn)}


def weighted_multiclass_figures(y: np.ndarray, probs: np.ndarray, weights: np.ndarray) -> dict:
    """accuracy, macro F1, kappa and one-vs-rest AUC for each row of ``weights`` (NaN where undefined).

    The same definitions as ``metrics.multiclass_metrics``: macro F1 over the
    classes present in the labels or the calls; AUC averaged over the classes
    present in the labels.
    """
    y = np.asarray(y).astype(int)
    probs = np.asarray(probs, dtype=float)
    pred = probs.argmax(1)
    w = np.asarray(weights, dtype=np.float64)
    n = w.sum(1)
    k_classes = probs.shape[1]
    true_k = np.stack([w @ (y == k) for k in range(k_classes)], 1)     # (B, K)
    called_k = np.stack([w @ (pred == k) for k in range(k_classes)], 1)
    hit_k = np.stack([w @ ((y == k) & (pred == k)) for k in range(k_classes)], 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        accuracy = hit_k.sum(1) / n
        p_e = (true_k * called_k).sum(1) / (n * n)
        kappa = np.where(np.isclose(p_e, 1.0), np.nan, (accuracy - p_e) / (1 - p_e))
        denom = true_k + called_k
        in_play = denom > 0  # a class neither present nor called does not count (sklearn's macro average)
        f1 = np.where(in_play, 2 * hit_k / denom, 0.0).sum(1) / in_play.sum(1)
        aucs = np.stack([weighted_auc(y == k, probs[:, k], w) for k in range(k_classes)], 1)
        present = ~np.isnan(aucs)
        auc = np.where(present.any(1), np.nansum(np.where(present, aucs, 0.0), 1) / present.sum(1), np.nan)
    return {"auc": auc, "accuracy": accuracy, "f1": f1, "kappa": kappa}


# ------------------------------------------------------------------- intervals
def percentile_interval(values: np.ndarray, point: float | None = 0.0) -> list[float] | None:
    """[lo, hi], the central 95 % of the defined resample values; None if too few are defined."""
    values = np.asarray(values, dtype=float)
    defined = values[~np.isnan(values)]
    if point is None or len(values) == 0 or len(defined) < MIN_DEFINED_SHARE * len(values):
        return None
    tail = (1 - CONFIDENCE) / 2 * 100
    lo, hi = np.percentile(defined, [tail, 100 - tail])
    return [float(lo), float(hi)]


def _resampled(figures_of, n_items: int, unit_of_item: np.ndarray, strata: np.ndarray,
               resamples: int, seed: int) -> dict[str, np.ndarray]:
    """Every figure over ``resamples`` resamples of the units, concatenated over chunks."""
    parts: dict[str, list[np.ndarray]] = {}
    for counts in _count_chunks(strata, resamples, seed, n_items):
        for name, values in figures_of(counts[:, unit_of_item]).items():
            parts.setdefault(name, []).append(values)
    return {name: np.concatenate(chunks) for name, chunks in parts.items()}


def _check_lengths(*arrays) -> None:
    lengths = {len(a) for a in arrays if a is not None}
    if len(lengths) > 1:
        raise ValueError(f"labels, probabilities and groups differ in length: {sorted(lengths)}")


def binary_with_ci(y: np.ndarray, p: np.ndarray, threshold: float = DEFAULT_THRESHOLD,
                   groups: np.ndarray | None = None, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> dict:
    """``metrics.binary_metrics`` plus ``<metric>_ci`` = [lo, hi] (or None) for every figure.

    ``groups``: each item's study, for image-level figures (studies are resampled
    whole). Also records ``resamples`` and ``n_groups``.
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    _check_lengths(y, p, groups)
    point = binary_metrics(y, p, threshold)
    unit_of_item, n_units = _units(len(y), groups)
    out = {**point, "resamples": int(resamples), "n_groups": n_units}
    if len(y) == 0 or resamples <= 0:
        return {**out, **{f"{m}_ci": None for m in BINARY_METRICS}}
    strata = _unit_strata(unit_of_item, n_units, y)
    values = _resampled(lambda w: weighted_binary_figures(y, p, w, threshold), len(y), unit_of_item, strata,
                        resamples, seed)
    return {**out, **{f"{m}_ci": percentile_interval(values[m], point[m]) for m in BINARY_METRICS}}


def multiclass_with_ci(y: np.ndarray, probs: np.ndarray, groups: np.ndarray | None = None,
                       resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> dict:
    """``metrics.multiclass_metrics`` plus ``<metric>_ci`` for accuracy, macro F1, kappa and AUC."""
    y = np.asarray(y).astype(int)
    probs = np.asarray(probs, dtype=float)
    _check_lengths(y, probs, groups)
    point = multiclass_metrics(y, probs)
    unit_of_item, n_units = _units(len(y), groups)
    out = {**point, "resamples": int(resamples), "n_groups": n_units}
    names = ("auc", "accuracy", "f1", "kappa")
    if len(y) == 0 or resamples <= 0:
        return {**out, **{f"{m}_ci": None for m in names}}
    strata = _unit_strata(unit_of_item, n_units, y)
    values = _resampled(lambda w: weighted_multiclass_figures(y, probs, w), len(y), unit_of_item, strata,
                        resamples, seed)
    return {**out, **{f"{m}_ci": percentile_interval(values[m], point[m]) for m in names}}


# ------------------------------------------------------------ paired differences
def _paired(figure_of, y: np.ndarray, a, b, groups, resamples: int, seed: int) -> dict:
    """Difference figure(a) - figure(b) on the same data and on the same resamples."""
    unit_of_item, n_units = _units(len(y), groups)
    full = np.ones((1, n_units), dtype=np.int32)[:, unit_of_item]
    fa, fb = float(figure_of(a, full)[0]), float(figure_of(b, full)[0])
    diff = None if np.isnan(fa) or np.isnan(fb) else fa - fb
    strata = _unit_strata(unit_of_item, n_units, y)
    chunks_a, chunks_b = [], []
    for counts in _count_chunks(strata, resamples, seed, len(y)):
        w = counts[:, unit_of_item]
        chunks_a.append(figure_of(a, w))
        chunks_b.append(figure_of(b, w))
    values_a, values_b = (np.concatenate(c) if c else np.zeros(0) for c in (chunks_a, chunks_b))
    interval = percentile_interval(values_a - values_b, diff)
    # Each model's own interval comes from the same resamples (the same draws multiclass_with_ci makes
    # for these labels, groups and seed), so no second bootstrap is needed to report them.
    return {"a": None if np.isnan(fa) else fa, "b": None if np.isnan(fb) else fb, "diff": diff,
            "lo": interval[0] if interval else None, "hi": interval[1] if interval else None,
            "a_ci": percentile_interval(values_a, None if np.isnan(fa) else fa),
            "b_ci": percentile_interval(values_b, None if np.isnan(fb) else fb),
            "n": n_units, "n_pos": int((strata == 1).sum()), "n_neg": int((strata == 0).sum()),
            "resamples": int(resamples)}


def paired_auc_difference(y: np.ndarray, p_candidate: np.ndarray, p_champion: np.ndarray,
                          resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                          groups: np.ndarray | None = None) -> dict:
    """AUC(candidate) - AUC(champion) with a paired percentile bootstrap 95 % CI.

    Both models are scored on the SAME resampled studies in every resample,
    so what the interval measures is the difference between the models, not
    the luck of the draw. Returns {diff, lo, hi, n, n_pos, n_neg, auc_candidate,
    auc_champion, resamples}; diff/lo/hi are None when AUC is undefined (one class).
    """
    y = np.asarray(y).astype(int)
    p_candidate = np.asarray(p_candidate, dtype=float)
    p_champion = np.asarray(p_champion, dtype=float)
    _check_lengths(y, p_candidate, p_champion, groups)
    result = _paired(lambda p, w: weighted_auc(y, p, w), y, p_candidate, p_champion, groups, resamples, seed)
    return {"diff": result["diff"], "lo": result["lo"], "hi": result["hi"], "n": result["n"],
            "n_pos": result["n_pos"], "n_neg": result["n_neg"],
            "auc_candidate": result["a"], "auc_champion": result["b"], "resamples": result["resamples"]}


def paired_accuracy_difference(y: np.ndarray, probs_candidate: np.ndarray, probs_champion: np.ndarray,
                               resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                               groups: np.ndarray | None = None) -> dict:
    """Accuracy(candidate) - accuracy(champion) of the arg-max class, paired bootstrap 95 % CI.

    For multiclass tasks (body part) whose two models share one class list.
    Returns {diff, lo, hi, n, accuracy_candidate, accuracy_champion, resamples}
    (and each accuracy's interval, see ``paired_correctness_difference``).
    """
    y = np.asarray(y).astype(int)
    ca = np.asarray(probs_candidate, dtype=float).argmax(1) == y
    cb = np.asarray(probs_champion, dtype=float).argmax(1) == y
    return paired_correctness_difference(y, ca, cb, resamples=resamples, seed=seed, groups=groups)


def paired_correctness_difference(y: np.ndarray, correct_candidate: np.ndarray, correct_champion: np.ndarray,
                                  resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                                  groups: np.ndarray | None = None) -> dict:
    """Accuracy(candidate) - accuracy(champion) from each item's correctness (1 right, 0 wrong), paired CI.

    For two models whose class lists differ, so that their probabilities share
    no columns: each model's call is judged against the truth by the caller.
    ``y`` (class index of the truth) only stratifies the resampling, as in
    ``multiclass_with_ci``. Returns {diff, lo, hi, n, accuracy_candidate,
    accuracy_candidate_ci, accuracy_champion, accuracy_champion_ci, resamples}.
    """
    y = np.asarray(y).astype(int)
    ca = np.asarray(correct_candidate).astype(np.float64)
    cb = np.asarray(correct_champion).astype(np.float64)
    _check_lengths(y, ca, cb, groups)

    def accuracy(correct, w):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (w @ correct) / w.sum(1)

    result = _paired(accuracy, y, ca, cb, groups, resamples, seed)
    return {"diff": result["diff"], "lo": result["lo"], "hi": result["hi"], "n": result["n"],
            "accuracy_candidate": result["a"], "accuracy_candidate_ci": result["a_ci"],
            "accuracy_champion": result["b"], "accuracy_champion_ci": result["b_ci"],
            "resamples": result["resamples"]}
