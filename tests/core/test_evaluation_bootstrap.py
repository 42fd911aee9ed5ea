"""Bootstrap CIs and paired differences (core.evaluation.bootstrap), checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from core.evaluation.bootstrap import (binary_with_ci, multiclass_with_ci, paired_accuracy_difference,
                                       paired_auc_difference, paired_correctness_difference, resample_counts,
                                       weighted_binary_figures, weighted_multiclass_figures)
from core.evaluation.metrics import BINARY_METRICS, MULTICLASS_METRICS, binary_metrics, multiclass_metrics


def _data(n: int, seed: int = 0, signal: float = 0.35):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    y[:2] = [0, 1]  # both classes, whatever the draw
    p = np.clip(signal * y + (1 - signal) * rng.random(n), 0, 1).round(2)  # rounding makes ties
    return y, p


def test_vectorised_figures_equal_sklearn_on_the_same_resamples():
    y, p = _data(150, seed=3)
    counts = resample_counts(y, 20, np.random.default_rng(0))
    figures = weighted_binary_figures(y, p, counts, threshold=0.5)
    for row in range(len(counts)):
        idx = np.repeat(np.arange(len(y)), counts[row])  # the resample written out
        expected = binary_metrics(y[idx], p[idx], 0.5)
        assert figures["auc"][row] == pytest.approx(skm.roc_auc_score(y[idx], p[idx]), abs=1e-12)
        for name in BINARY_METRICS:
            got, want = figures[name][row], expected[name]
            assert (want is None and np.isnan(got)) or got == pytest.approx(want, abs=1e-12), name


def test_vectorised_multiclass_figures_equal_sklearn():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 4, 120)
    probs = rng.random((120, 4))
    probs[np.arange(120), y] += 0.4
    counts = resample_counts(y, 12, np.random.default_rng(1))
    figures = weighted_multiclass_figures(y, probs, counts)
    for row in range(len(counts)):
        idx = np.repeat(np.arange(len(y)), counts[row])
        expected = multiclass_metrics(y[idx], probs[idx])
        for name in MULTICLASS_METRICS:
            assert figures[name][row] == pytest.approx(expected[name], abs=1e-12), name


def test_stratified_resamples_keep_class_counts():
    y = np.array([1] * 7 + [0] * 13)
    counts = resample_counts(y, 100, np.random.default_rng(0))
    assert (counts.sum(1) == 20).all() and (counts[:, y == 1].sum(1) == 7).all()
    assert len({tuple(r) for r in counts}) > 90  # the rows really differ


def test_ci_contains_point_estimate_and_is_ordered():
    y, p = _data(300, seed=1)
    r = binary_with_ci(y, p, threshold=0.5, resamples=1000, seed=0)
    assert r["resamples"] == 1000
    for name in BINARY_METRICS:
        lo, hi = r[f"{name}_ci"]
        assert lo <= r[name] <= hi, name
        assert hi - lo > 0, name


def test_ci_shrinks_with_more_studies():
    widths = []
    for n in (60, 240, 960):
        y, p = _data(n, seed=n)
        r = binary_with_ci(y, p, resamples=1000, seed=0)
        widths.append(r["auc_ci"][1] - r["auc_ci"][0])
    # Roughly 1/sqrt(n): each fourfold increase about halves the width.
    assert widths[0] > 1.5 * widths[1] > 1.5 * 1.5 * widths[2]


def test_perfect_separation_has_a_degenerate_ci():
    y = np.array([0] * 25 + [1] * 25)
    p = np.r_[np.linspace(0, 0.4, 25), np.linspace(0.6, 1, 25)]
    r = binary_with_ci(y, p)
    assert r["auc"] == 1.0 and r["auc_ci"] == [1.0, 1.0] and r["accuracy_ci"] == [1.0, 1.0]


def test_seeded_and_reproducible():
    y, p = _data(100, seed=2)
    assert binary_with_ci(y, p, seed=4) == binary_with_ci(y, p, seed=4)
    assert binary_with_ci(y, p, seed=4)["auc_ci"] != binary_with_ci(y, p, seed=5)["auc_ci"]


def test_undefined_metric_gives_none_instead_of_crashing():
    y = np.array([0] * 30 + [1] * 3)
    p = np.full(33, 0.1)  # never a positive call: precision undefined everywhere
    r = binary_with_ci(y, p)
    assert r["precision"] is None and r["precision_ci"] is None
    assert r["specificity_ci"] == [1.0, 1.0]
    one_class = binary_with_ci(np.zeros(10, int), np.linspace(0, 1, 10))
    assert one_class["auc"] is None and one_class["auc_ci"] is None


def test_views_of_a_study_are_resampled_together():
    """Two identical views per study: resampling studies whole gives exactly the
    study-level interval (every weight doubles); resampling views apart would not."""
    y, p = _data(80, seed=9)
    studies = np.repeat(np.arange(80), 2)
    views = binary_with_ci(np.repeat(y, 2), np.repeat(p, 2), groups=studies, seed=3)
    whole = binary_with_ci(y, p, seed=3)
    assert views["n"] == 160 and views["n_groups"] == 80
    for name in BINARY_METRICS:
        assert views[f"{name}_ci"] == pytest.approx(whole[f"{name}_ci"]), name
    apart = binary_with_ci(np.repeat(y, 2), np.repeat(p, 2), seed=3)
    assert apart["auc_ci"][1] - apart["auc_ci"][0] < views["auc_ci"][1] - views["auc_ci"][0]


def test_paired_difference_of_a_model_with_itself_is_exactly_zero():
    y, p = _data(200, seed=4)
    d = paired_auc_difference(y, p, p, resamples=1000, seed=0)
    assert (d["diff"], d["lo"], d["hi"]) == (0.0, 0.0, 0.0)
    assert (d["n"], d["n_pos"], d["n_neg"]) == (200, int(y.sum()), int((y == 0).sum()))


def test_paired_difference_detects_a_better_model():
    y, good = _data(200, seed=4, signal=0.6)
    noise = np.random.default_rng(0).random(200)
    d = paired_auc_difference(y, good, noise)
    assert d["diff"] == pytest.approx(skm.roc_auc_score(y, good) - skm.roc_auc_score(y, noise))
    assert d["lo"] > 0.2 and d["lo"] <= d["diff"] <= d["hi"]


def test_paired_is_tighter_than_unpaired_for_correlated_models():
    """Two models that share most of their errors: pairing removes the shared part."""
    y, p = _data(150, seed=6)
    q = np.clip(p + np.random.default_rng(1).normal(0, 0.03, len(p)), 0, 1)
    d = paired_auc_difference(y, p, q)
    a, b = binary_with_ci(y, p)["auc_ci"], binary_with_ci(y, q)["auc_ci"]
    assert d["hi"] - d["lo"] < 0.5 * min(a[1] - a[0], b[1] - b[0])


def test_multiclass_ci_and_paired_accuracy():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 150)
    probs = rng.random((150, 3))
    probs[np.arange(150), y] += 0.5
    r = multiclass_with_ci(y, probs)
    assert r["accuracy_ci"][0] <= r["accuracy"] <= r["accuracy_ci"][1]
    same = paired_accuracy_difference(y, probs, probs)
    assert (same["diff"], same["lo"], same["hi"]) == (0.0, 0.0, 0.0)
    worse = paired_accuracy_difference(y, rng.random((150, 3)), probs)
    assert worse["hi"] < 0


def test_paired_accuracy_from_correctness_clustered_by_study():
    """Correctness (models whose class lists differ) gives what the probabilities give, and each model's
    interval is multiclass_with_ci's on the same studies."""
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(40), 3)                 # 40 studies of 3 images
    y = np.repeat(rng.integers(0, 3, 40), 3)
    pa, pb = rng.random((120, 3)), rng.random((120, 3))
    pa[np.arange(120), y] += 0.6
    by_probs = paired_accuracy_difference(y, pa, pb, groups=groups, resamples=300, seed=4)
    by_correct = paired_correctness_difference(y, pa.argmax(1) == y, pb.argmax(1) == y, groups=groups,
                                               resamples=300, seed=4)
    assert by_probs == by_correct
    assert by_correct["n"] == 40
    assert by_correct["diff"] == pytest.approx(np.mean(pa.argmax(1) == y) - np.mean(pb.argmax(1) == y))
    for probs, key in ((pa, "accuracy_candidate"), (pb, "accuracy_champion")):
        own = multiclass_with_ci(y, probs, groups=groups, resamples=300, seed=4)
        assert by_correct[key] == pytest.approx(own["accuracy"])
        assert by_correct[f"{key}_ci"] == pytest.approx(own["accuracy_ci"])
    assert paired_correctness_difference(y, np.ones(120), np.ones(120), resamples=0)["accuracy_candidate_ci"] is None


def test_length_mismatch_is_refused():
    with pytest.raises(ValueError):
        paired_auc_difference(np.array([0, 1, 0]), np.array([0.1, 0.9, 0.2]), np.array([0.1, 0.9]))


labelled = st.integers(min_value=4, max_value=60).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda v: 0 < sum(v) < len(v)),
                        st.lists(st.floats(0, 1, allow_nan=False), min_size=n, max_size=n),
                        st.lists(st.floats(0, 1, allow_nan=False), min_size=n, max_size=n)))


@settings(max_examples=25, deadline=None)
@given(labelled)
def test_property_paired_difference_is_antisymmetric(data):
    y, a, b = (np.array(v) for v in data)
    ab = paired_auc_difference(y, a, b, resamples=200, seed=1)
    ba = paired_auc_difference(y, b, a, resamples=200, seed=1)
    assert ab["diff"] == pytest.approx(-ba["diff"], abs=1e-12)
    assert ab["lo"] == pytest.approx(-ba["hi"], abs=1e-9) and ab["hi"] == pytest.approx(-ba["lo"], abs=1e-9)
    assert ab["lo"] <= ab["hi"]


@settings(max_examples=20, deadline=None)
@given(labelled)
def test_property_auc_and_its_ci_depend_only_on_the_ranking(data):
    y, p, _ = (np.array(v) for v in data)
    r = binary_with_ci(y, p, resamples=200, seed=2)
    ranks = np.unique(p, return_inverse=True)[1].ravel()  # same order and ties, other values
    ranked = binary_with_ci(y, (ranks + 1) / (ranks.max() + 2), resamples=200, seed=2)
    assert r["auc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert ranked["auc"] == pytest.approx(r["auc"]) and ranked["auc_ci"] == pytest.approx(r["auc_ci"])
