"""The labeller against the paper's baseline, its per-report output, determinism."""

import numpy as np

from core.reports.evaluation import binary_metrics, evaluate_reports, expected_calibration_error
from core.reports.labeller import ReportLabeller
from core.reports.synthetic import synthetic_reports


def collection(n, seed, **mixture):
    reports = synthetic_reports(n, seed=seed, **mixture)
    return [r.text for r in reports], np.array([r.label for r in reports])


def test_scoped_features_beat_the_baseline_where_negation_is_common():
    texts, y = collection(800, seed=2, negation_rate=0.7)
    result = evaluate_reports(texts, y, folds=4)
    base = result["baseline"]
    assert result["f1"] >= base["f1"] + 0.1
    assert result["auc"] >= base["auc"]


def test_scoped_features_no_worse_where_negation_is_rare():
    texts, y = collection(800, seed=3, negation_rate=0.05)
    result = evaluate_reports(texts, y, folds=4)
    assert result["f1"] >= result["baseline"]["f1"] - 0.01


def test_synthetic_reports_and_evaluation_are_deterministic():
    assert synthetic_reports(50, seed=7) == synthetic_reports(50, seed=7)
    assert synthetic_reports(50, seed=7) != synthetic_reports(50, seed=8)
    texts, y = collection(200, seed=4)
    assert evaluate_reports(texts, y, folds=3) == evaluate_reports(texts, y, folds=3)


def test_compare_runs_every_model_on_the_same_folds():
    texts, y = collection(160, seed=5)
    result = evaluate_reports(texts, y, folds=2, compare=True)
    assert sorted(result["compare"]) == ["gb", "lr", "nb", "rf"]
    for metrics in result["compare"].values():
        assert metrics["n"] == 160 and 0.5 <= metrics["auc"] <= 1.0
    assert result["compare"]["lr"]["f1"] == result["f1"]


def test_classify_gives_value_probability_cues_and_drivers():
    texts, y = collection(600, seed=6, negation_rate=0.7)
    labeller = ReportLabeller().fit(texts, y)
    neg, pos, unc = labeller.classify([
        "FINDINGS: There is no radiographic evidence of an acute displaced fracture of the distal radius.",
        "FINDINGS: There is a comminuted fracture of the distal radius. No dislocation.",
        "Cannot exclude a fracture of the scaphoid.",
    ])
    assert neg.value == "negative" and neg.probability < 0.2
    assert pos.value == "positive" and pos.probability > 0.8
    assert pos.probability > unc.probability > neg.probability
    assert [c.kind for c in neg.cues] == ["negation"]
    assert [c.kind for c in unc.cues] == ["uncertainty"]
    text = "FINDINGS: There is no radiographic evidence of an acute displaced fracture of the distal radius."
    assert any(d.term.startswith("NEG_") and d.weight < 0 for d in neg.drivers)
    for d in neg.drivers:
        for start, end in d.spans:
            assert text[start:end].lower().split() == [w.split("_", 1)[-1] if w.split("_")[0] in
                                                       ("NEG", "UNC", "HEALED") else w for w in d.term.split()]
    assert set(neg.as_dict()) == {"value", "probability", "cues", "drivers"}


def test_labeller_version_changes_with_data_and_settings():
    lab = ReportLabeller()
    assert lab.version("a") == ReportLabeller().version("a")
    assert lab.version("a") != lab.version("b")
    assert lab.version("a") != ReportLabeller(model="nb").version("a")


def test_metrics_and_calibration_error():
    y = np.array([0, 0, 1, 1])
    m = binary_metrics(y, np.array([0.1, 0.6, 0.4, 0.9]))
    assert m["confusion"] == [[1, 1], [1, 1]] and m["accuracy"] == 0.5 and m["auc"] == 0.75
    assert expected_calibration_error(y, np.array([0.0, 0.0, 1.0, 1.0])) == 0.0
    assert expected_calibration_error(y, np.array([1.0, 1.0, 0.0, 0.0])) == 1.0
