"""Point estimates (core.evaluation.metrics): hand-computed values and scikit-learn agreement."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from core.evaluation.metrics import (binary_metrics, confusion, confusion_rates, majority_rate, multiclass_metrics,
                                     operating_points, study_level)


def test_hand_computed_confusion_and_rates():
    # 4 negatives, 4 positives; at 0.5: calls 0,0,0,1 | 0,1,1,1
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.7, 0.8, 0.9])
    m = binary_metrics(y, p)
    assert m["confusion"] == {"tp": 3, "fp": 1, "tn": 3, "fn": 1}
    assert (m["n"], m["n_positive"], m["n_negative"]) == (8, 4, 4)
    assert m["auc"] == pytest.approx(15 / 16)  # one misordered (0.6 vs 0.4) pair of 16
    assert m["accuracy"] == pytest.approx(6 / 8)
    assert m["precision"] == pytest.approx(3 / 4) and m["recall"] == pytest.approx(3 / 4)
    assert m["sensitivity"] == m["recall"] and m["specificity"] == pytest.approx(3 / 4)
    assert m["f1"] == pytest.approx(3 / 4)
    assert m["kappa"] == pytest.approx(0.5)  # p_o 0.75, p_e 0.5
    # A different threshold moves every call: at 0.35 the 0.4 positive is caught.
    assert binary_metrics(y, p, threshold=0.35)["confusion"] == {"tp": 4, "fp": 1, "tn": 3, "fn": 0}


def test_perfect_separation_and_reversal():
    y = np.array([0, 0, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    assert binary_metrics(y, p)["auc"] == 1.0 and binary_metrics(y, p)["kappa"] == 1.0
    assert binary_metrics(y, 1 - p)["auc"] == 0.0


def test_undefined_figures_are_none_not_zero():
    m = binary_metrics(np.zeros(5, int), np.full(5, 0.2))  # no positives, no positive call
    assert m["auc"] is None and m["recall"] is None and m["precision"] is None and m["f1"] is None
    assert m["kappa"] is None and m["specificity"] == 1.0 and m["accuracy"] == 1.0
    empty = binary_metrics(np.array([], int), np.array([]))
    assert empty["n"] == 0 and empty["auc"] is None and empty["accuracy"] is None


def test_agrees_with_sklearn_on_random_data():
    rng = np.random.default_rng(7)
    y = (rng.random(200) < 0.3).astype(int)
    p = np.clip(0.3 * y + 0.7 * rng.random(200), 0, 1)
    m = binary_metrics(y, p, threshold=0.45)
    pred = (p >= 0.45).astype(int)
    assert m["auc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert m["f1"] == pytest.approx(skm.f1_score(y, pred))
    assert m["kappa"] == pytest.approx(skm.cohen_kappa_score(y, pred))
    assert m["precision"] == pytest.approx(skm.precision_score(y, pred))
    rates = confusion_rates(**confusion(y, p, 0.45))
    for name in ("accuracy", "precision", "recall", "specificity", "f1", "kappa"):
        assert float(rates[name]) == pytest.approx(m[name])


def test_multiclass_and_majority_rate():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    probs = np.eye(3)[[0, 0, 1, 2, 2, 2, 2]] * 0.8 + 0.1
    m = multiclass_metrics(y, probs)
    assert m["accuracy"] == pytest.approx(6 / 7)
    assert m["f1"] == pytest.approx(skm.f1_score(y, probs.argmax(1), average="macro"))
    assert majority_rate(y) == pytest.approx(3 / 7)


def test_study_probability_is_mean_of_views():
    ids, y, p = study_level(np.array([5, 5, 7]), np.array([1, 1, 0]), np.array([0.2, 0.6, 0.3]))
    assert ids.tolist() == [5, 7] and y.tolist() == [1, 0]
    assert p.tolist() == pytest.approx([0.4, 0.3])


def test_operating_points_bracket_the_classes():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.7, 0.8, 0.9])
    ops = operating_points(y, p)
    assert ops["high_sensitivity"] <= 0.4 and ops["high_specificity"] >= 0.6


def test_trainer_reexports_the_same_functions():
    import trainer.metrics
    import trainer.splits
    from core.evaluation import metrics, splits

    assert trainer.metrics.binary_metrics is metrics.binary_metrics
    assert trainer.splits.split_of is splits.split_of
