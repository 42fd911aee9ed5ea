"""The promotion rule (core.evaluation.promotion.decide), issue 11 section 4."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.evaluation.promotion import decide


def _split(n_pos: int, n_neg: int, signal: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)]
    p = np.clip(signal * y + (1 - signal) * rng.random(len(y)), 0, 1)
    return y, p


def test_too_few_positive_studies_stay_a_candidate_however_good():
    y, p = _split(19, 40, signal=0.9)
    d = decide(y, p)
    assert not d.promote and d.details["rule"] == "too few"
    assert "19 positive and 40 negative studies" in d.reason and "at least 20" in d.reason
    assert decide(*_split(40, 19, signal=0.9)).promote is False


def test_first_model_is_published_when_its_ci_clears_chance():
    y, p = _split(20, 20, signal=0.6)
    d = decide(y, p)
    assert d.promote and d.details["rule"] == "first model" and d.details["ci"][0] > 0.5
    # The reason carries the numbers a user can check.
    assert re.search(r"validation AUC \d\.\d\d \(95 % CI \d\.\d\d–\d\.\d\d, 40 studies: 20 positive, 20 negative\)",
                     d.reason), d.reason


def test_first_model_at_chance_stays_a_candidate():
    y, _ = _split(30, 30, signal=0.0)
    d = decide(y, np.random.default_rng(1).random(60))
    assert not d.promote and d.details["ci"][0] <= 0.5 and "not shown to be better than chance" in d.reason


def test_better_champion_keeps_its_place():
    y, champion = _split(30, 30, signal=0.6)
    candidate = np.random.default_rng(2).random(60)
    d = decide(y, candidate, champion)
    assert not d.promote and d.details["rule"] == "paired" and d.details["diff_ci"][0] <= -0.02
    assert "may be worse than the published model" in d.reason


def test_identical_model_is_not_worse():
    y, p = _split(25, 25, signal=0.5)
    d = decide(y, p, p)
    assert d.promote and d.details["diff"] == 0.0 and d.details["diff_ci"] == [0.0, 0.0]


def test_clearly_better_candidate_replaces_the_champion():
    y, good = _split(30, 30, signal=0.7)
    weak = np.clip(0.1 * y + 0.9 * np.random.default_rng(3).random(60), 0, 1)
    d = decide(y, good, weak)
    assert d.promote and d.details["diff"] > 0 and d.details["diff_ci"][0] > -0.02


def test_margin_is_the_boundary():
    """Slightly worse on average: passes with a loose margin, fails with a strict one."""
    y, p = _split(40, 40, signal=0.5, seed=4)
    q = np.clip(p + np.random.default_rng(5).normal(0, 0.05, len(p)), 0, 1)
    d = decide(y, q, p)
    lo = d.details["diff_ci"][0]
    assert decide(y, q, p, margin=lo - 1e-6).promote is True
    assert decide(y, q, p, margin=lo + 1e-6).promote is False


def test_one_class_only_is_a_candidate_even_without_size_floor():
    d = decide(np.zeros(30, int), np.linspace(0, 1, 30), min_pos=0, min_neg=0)
    assert not d.promote and "no confidence interval" in d.reason


def test_views_count_once_per_study():
    y, p = _split(20, 20, signal=0.6)
    d = decide(np.repeat(y, 3), np.repeat(p, 3), groups=np.repeat(np.arange(40), 3))
    assert d.details["n"] == 40 and d.details["n_pos"] == 20 and d.promote
    assert not decide(np.repeat(y[:25], 3), np.repeat(p[:25], 3), groups=np.repeat(np.arange(25), 3)).promote


def test_multiclass_uses_accuracy_against_the_majority_rate():
    rng = np.random.default_rng(6)
    y = rng.integers(0, 4, 80)
    good = rng.random((80, 4))
    good[np.arange(80), y] += 0.8
    d = decide(y, good, unit="images")
    assert d.promote and d.details["metric"] == "accuracy" and d.details["ci"][0] > d.details["chance"]
    assert "80 images" in d.reason
    assert not decide(y, rng.random((80, 4))).promote                      # no better than the majority class
    assert not decide(y, rng.random((80, 4)), good).promote               # worse than the champion
    assert decide(y, good, good).promote
    assert not decide(y[:39], good[:39]).promote and "at least 40" in decide(y[:39], good[:39]).reason


def test_mismatched_predictions_are_refused():
    with pytest.raises(ValueError):
        decide(np.array([0, 1]), np.array([0.2, 0.8]), np.array([[0.2, 0.8]]))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 45), st.integers(0, 45), st.integers(0, 10_000))
def test_property_never_promoted_below_the_floor(n_pos, n_neg, seed):
    y, p = _split(n_pos, n_neg, signal=0.9, seed=seed)
    d = decide(y, p, resamples=200)
    if n_pos < 20 or n_neg < 20:
        assert not d.promote
    else:
        assert d.promote  # signal 0.9 separates the classes perfectly
