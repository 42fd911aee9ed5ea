"""The promotion rule (issue 11 section 4) as a pure function of validation predictions.

A new model replaces the published one (the champion) only when

1. the locked validation split is large enough to judge it: at least
   ``min_pos`` positive and ``min_neg`` negative studies of its task and body
   part (multiclass tasks: at least ``min_pos + min_neg`` studies in all), and
2. a paired bootstrap over the same validation studies shows it is not
   worse: the lower bound of the 95 % CI of AUC(candidate) - AUC(champion)
   is above ``margin`` (-0.02). Multiclass tasks (body part) use accuracy.

With no champion yet, a model is published when it is shown to beat chance:
the lower bound of its AUC's 95 % CI is above 0.5 (multiclass: the lower
bound of its accuracy's CI is above the majority-class rate). Otherwise it
stays a candidate, and ``Decision.reason`` says why in numbers a user can
check, e.g. "validation AUC 0.71 (95 % CI 0.62–0.80, 45 studies: 20
positive, 25 negative); kept as a candidate because ...".

Why a paired bootstrap and a floor on the split: AUCs measured on 7-30
validation studies moved by more than the models differed, so a point
comparison promoted noise. Pairing removes the studies' shared difficulty
from the comparison; the floor keeps the interval meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.evaluation.bootstrap import (DEFAULT_RESAMPLES, binary_with_ci, multiclass_with_ci,
                                       paired_accuracy_difference, paired_auc_difference)
from core.evaluation.metrics import majority_rate

MIN_POSITIVE = 20
MIN_NEGATIVE = 20
MARGIN = -0.02
CHANCE_AUC = 0.5


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str
    details: dict = field(default_factory=dict)


def _range(ci) -> str:
    return "CI not available" if ci is None else f"{ci[0]:.2f}–{ci[1]:.2f}"


def decide(y: np.ndarray, p_candidate: np.ndarray, p_champion: np.ndarray | None = None, *,
           min_pos: int = MIN_POSITIVE, min_neg: int = MIN_NEGATIVE, margin: float = MARGIN,
           resamples: int = DEFAULT_RESAMPLES, seed: int = 0, groups: np.ndarray | None = None,
           unit: str = "studies") -> Decision:
    """Publish the candidate or keep it as a candidate, on the locked validation split.

    ``y``: labels (binary 0/1, or class indices); ``p_candidate`` / ``p_champion``:
    the two models' probabilities on the SAME items in the same order, shape (n,)
    for a binary task (probability of the positive class) or (n, classes) for a
    multiclass one; ``p_champion`` None when nothing is published yet.
    ``groups``: each item's study when the items are images (studies are then
    resampled whole and counted once); ``unit`` names what is counted in the reason.
    """
    y = np.asarray(y).astype(int)
    p_candidate = np.asarray(p_candidate, dtype=float)
    if p_champion is not None:
        p_champion = np.asarray(p_champion, dtype=float)
        if p_champion.shape != p_candidate.shape:
            raise ValueError("the candidate and the champion must be scored on the same validation items")
    if p_candidate.ndim == 2:
        return _decide_multiclass(y, p_candidate, p_champion, min_total=min_pos + min_neg, margin=margin,
                                  resamples=resamples, seed=seed, groups=groups, unit=unit)
    return _decide_binary(y, p_candidate, p_champion, min_pos=min_pos, min_neg=min_neg, margin=margin,
                          resamples=resamples, seed=seed, groups=groups, unit=unit)


def _decide_binary(y, p, p_champion, *, min_pos, min_neg, margin, resamples, seed, groups, unit) -> Decision:
    measured = binary_with_ci(y, p, groups=groups, resamples=resamples, seed=seed)
    n_pos, n_neg, n = _counts(y, groups)
    auc, ci = measured["auc"], measured["auc_ci"]
    counted = f"{n} {unit}: {n_pos} positive, {n_neg} negative"
    summary = (f"validation AUC {auc:.2f} (95 % CI {_range(ci)}, {counted})" if auc is not None
               else f"validation AUC not computable ({counted})")
    details = {"metric": "auc", "value": auc, "ci": ci, "n": n, "n_pos": n_pos, "n_neg": n_neg,
               "min_pos": min_pos, "min_neg": min_neg, "margin": margin, "resamples": resamples, "seed": seed,
               "champion": p_champion is not None}
    if n_pos < min_pos or n_neg < min_neg:
        return Decision(False, f"{summary}; kept as a candidate because the validation split has {n_pos} positive "
                               f"and {n_neg} negative {unit}, and judging a model needs at least {min_pos} "
                               f"positive and {min_neg} negative ones.", {**details, "rule": "too few"})
    if auc is None or ci is None:
        return Decision(False, f"{summary}; kept as a candidate because its AUC has no confidence interval "
                               f"on this validation split.", {**details, "rule": "undefined"})
    if p_champion is None:
        ok = ci[0] > CHANCE_AUC
        why = (f"published as the first model of this task because the lower bound of its 95 % CI, "
               f"{ci[0]:.3f}, is above {CHANCE_AUC:.2f} (chance)") if ok else \
              (f"kept as a candidate because it is not shown to be better than chance: the lower bound of "
               f"its 95 % CI, {ci[0]:.3f}, is not above {CHANCE_AUC:.2f}")
        return Decision(ok, f"{summary}; {why}.", {**details, "rule": "first model"})
    paired = paired_auc_difference(y, p, p_champion, resamples=resamples, seed=seed, groups=groups)
    return _paired_decision(summary, "AUC", paired["auc_champion"], paired, n, unit, margin,
                            {**details, "champion_value": paired["auc_champion"]})


def _decide_multiclass(y, probs, probs_champion, *, min_total, margin, resamples, seed, groups, unit) -> Decision:
    measured = multiclass_with_ci(y, probs, groups=groups, resamples=resamples, seed=seed)
    _, _, n = _counts(y, groups)
    accuracy, ci = measured["accuracy"], measured["accuracy_ci"]
    chance = majority_rate(y)
    summary = (f"validation accuracy {accuracy:.2f} (95 % CI {_range(ci)}, {n} {unit}; always answering the "
               f"most frequent class scores {chance:.2f})" if accuracy is not None
               else f"validation accuracy not computable ({n} {unit})")
    details = {"metric": "accuracy", "value": accuracy, "ci": ci, "n": n, "chance": chance,
               "min_total": min_total, "margin": margin, "resamples": resamples, "seed": seed,
               "champion": probs_champion is not None}
    if n < min_total:
        return Decision(False, f"{summary}; kept as a candidate because the validation split has {n} {unit}, "
                               f"and judging a model needs at least {min_total}.", {**details, "rule": "too few"})
    if accuracy is None or ci is None:
        return Decision(False, f"{summary}; kept as a candidate because its accuracy has no confidence interval "
                               f"on this validation split.", {**details, "rule": "undefined"})
    if probs_champion is None:
        ok = ci[0] > chance
        why = (f"published as the first model of this task because the lower bound of its 95 % CI, "
               f"{ci[0]:.3f}, is above the most-frequent-class rate {chance:.3f}") if ok else \
              (f"kept as a candidate because it is not shown to beat always answering the most frequent "
               f"class: the lower bound of its 95 % CI, {ci[0]:.3f}, is not above {chance:.3f}")
        return Decision(ok, f"{summary}; {why}.", {**details, "rule": "first model"})
    paired = paired_accuracy_difference(y, probs, probs_champion, resamples=resamples, seed=seed, groups=groups)
    return _paired_decision(summary, "accuracy", paired["accuracy_champion"], paired, n, unit, margin,
                            {**details, "champion_value": paired["accuracy_champion"]})


def _paired_decision(summary: str, metric: str, champion_value, paired: dict, n: int, unit: str, margin: float,
                     details: dict) -> Decision:
    details = {**details, "rule": "paired", "diff": paired["diff"],
               "diff_ci": None if paired["lo"] is None else [paired["lo"], paired["hi"]]}
    if paired["diff"] is None or paired["lo"] is None:
        return Decision(False, f"{summary}; kept as a candidate because the difference from the published "
                               f"model has no confidence interval on this validation split.", details)
    comparison = (f"published model {champion_value:.2f}; difference {paired['diff']:+.3f} (95 % CI "
                  f"{paired['lo']:+.3f} to {paired['hi']:+.3f}, paired over the same {n} {unit})")
    if paired["lo"] > margin:
        why = (f"published because it is not worse than the published model by more than {abs(margin):.2f} "
               f"{metric} (the difference's lower bound {paired['lo']:+.3f} is above {margin:+.3f})")
        return Decision(True, f"{summary}; {comparison}; {why}.", details)
    why = (f"kept as a candidate because it may be worse than the published model by more than {abs(margin):.2f} "
           f"{metric} (the difference's lower bound {paired['lo']:+.3f} is not above {margin:+.3f})")
    return Decision(False, f"{summary}; {comparison}; {why}.", details)


def _counts(y: np.ndarray, groups) -> tuple[int, int, int]:
    """(positive units, negative units, units): a unit is an item, or its study when ``groups`` is given."""
    if groups is None:
        return int((y == 1).sum()), int((y == 0).sum()), int(len(y))
    _, first = np.unique(np.asarray(groups), return_index=True)
    unit_labels = y[first]
    return int((unit_labels == 1).sum()), int((unit_labels == 0).sum()), int(len(first))
