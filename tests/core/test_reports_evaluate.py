"""The labeller against the paper's baseline, thresholds without the test fold, per-report output."""

import inspect
import json

import numpy as np
import pytest

import main
from core.demo.reports import AGREEING_KINDS, choose_kind, write_report
from core.reports import evaluation, inner_cv
from core.reports.autolabel import label_workspace
from core.reports.evaluation import (binary_metrics, bootstrap_intervals, cross_validate, evaluate_reports,
                                     expected_calibration_error, fold_splits, format_intervals)
from core.reports.labeller import ReportLabeller, fold_matrix
from core.reports.synthetic import synthetic_reports
from core.reports.thresholds import threshold_for_precision


def collection(n, seed, **mixture):
    reports = synthetic_reports(n, seed=seed, **mixture)
    return [r.text for r in reports], np.array([r.label for r in reports])


def demo_collection(n, seed):
    """Reports as the demo workspace writes them (core/demo/reports.py), labelled by their truth."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        fracture = bool(rng.random() < 0.3)
        kind = choose_kind(rng, fracture, "easy")
        texts.append(write_report(rng, kind=kind, fracture=fracture, site="distal radius", body_part="wrist",
                                  views=2, side="L", child=bool(rng.random() < 0.2)))
        labels.append(int(fracture))
    return texts, np.array(labels)


def test_context_features_beat_the_baseline_where_negation_is_common():
    texts, y = collection(400, seed=2, negation_rate=0.7)
    result = evaluate_reports(texts, y, folds=3, bootstrap_resamples=100)
    base = result["baseline"]
    assert result["f1"] >= base["f1"] + 0.1
    assert result["auc"] >= base["auc"] + 0.05
    for name in ("accuracy", "precision", "recall", "f1", "auc"):
        lo, hi = result["ci"][name]
        assert lo <= result[name] <= hi and hi - lo < 0.5
    # each fold's choice of the stated back-off feature is reported, and said in the printed figures
    assert len(result["stated_back_off"]) == 3
    assert f"in {sum(result['stated_back_off'])} of 3 folds" in format_intervals(result)


def test_cross_validation_on_demo_reports():
    texts, y = demo_collection(300, seed=4)
    result = evaluate_reports(texts, y, folds=3, bootstrap_resamples=100)
    # A few demo reports disagree with their truth on purpose (discordant, hedged), so not 1.0.
    assert result["auc"] >= 0.85 and result["f1"] >= 0.7
    assert result["languages"] == {"en": 300}


def test_spanish_reports_raw_and_stemmed():
    from core.reports.normalise import normalise_word

    texts, y = collection(450, seed=5, language="es", negation_rate=0.7)
    raw = evaluate_reports(texts, y, folds=3, bootstrap_resamples=100)
    assert raw["languages"] == {"es": 450}
    assert raw["f1"] >= raw["baseline"]["f1"] + 0.05
    stemmed = [" ".join(normalise_word(w, "es") for w in t.lower().split()) for t in texts]
    result = evaluate_reports(stemmed, y, folds=3, bootstrap_resamples=100, languages="es")
    assert result["f1"] >= raw["f1"] - 0.1 and result["auc"] >= 0.85


def test_threshold_is_chosen_without_the_test_fold():
    """Flipping every label of one test fold changes neither that fold's threshold nor its scores."""
    texts, y = collection(300, seed=7)
    labeller = ReportLabeller()
    docs = labeller.prepare(texts)
    splits = fold_splits(y, 3, seed=0)
    before = cross_validate(labeller, docs, y, splits, target_precision=0.9)
    k, (_, test) = 1, splits[1]
    flipped = y.copy()
    flipped[test] = 1 - flipped[test]
    after = cross_validate(labeller, docs, flipped, splits, target_precision=0.9)
    assert after.thresholds[k] == before.thresholds[k]
    assert np.array_equal(after.probabilities[test], before.probabilities[test])
    # ...while the folds that train on the flipped reports do change: the test can fail.
    assert after.thresholds != before.thresholds or not np.array_equal(after.probabilities, before.probabilities)


def test_threshold_for_precision():
    y = np.array([0] * 50 + [1] * 50)
    p = np.concatenate([np.linspace(0.0, 0.6, 50), np.linspace(0.4, 1.0, 50)])
    t = threshold_for_precision(y, p, 0.95)
    called = p >= t
    assert y[called].mean() >= 0.95
    assert threshold_for_precision(y, p, 0.8) < t            # a looser target calls more
    # Unreachable target: falls back to the best-F1 cut instead of calling nothing.
    noisy = threshold_for_precision(np.array([0, 1, 1, 0]), np.array([0.9, 0.8, 0.7, 0.6]), 0.99)
    assert 0.6 < noisy <= 0.7


def test_threshold_for_precision_takes_the_best_f1_cut_that_keeps_the_target():
    """A target below the collection's own precision (7 of 10 positive, target 0.6): the
    lowest threshold reaching it would call all 10 (F1 0.82); the best-F1 cut above the
    target calls the top 8 (precision 0.875, recall 1, F1 0.93)."""
    y = np.array([1, 1, 1, 1, 1, 1, 0, 1, 0, 0])
    p = np.linspace(1.0, 0.1, 10)
    calls = lambda t: int((p >= t).sum())
    assert calls(threshold_for_precision(y, p, 0.6)) == 8
    # A target only the top reaches keeps its precision, at the cost of F1.
    assert calls(threshold_for_precision(y, p, 0.99)) == 6
    # Target 0: the best-F1 threshold.
    assert calls(threshold_for_precision(y, p, 0.0)) == 8


def test_the_threshold_lies_halfway_in_log_odds_between_the_last_report_called_and_the_next():
    y = np.array([1, 1, 0, 0])
    p = np.array([0.99, 0.9, 0.1, 0.05])
    t = threshold_for_precision(y, p, 0.9)
    assert t == pytest.approx(0.5)          # log-odds +2.2 and -2.2: halfway is 0
    assert np.array_equal(p >= t, y == 1)
    # Probabilities of exactly 1 or 0, or a rounding apart: a threshold that calls the same reports.
    for p in (np.array([1.0, 1.0, 0.0, 0.0]), np.array([1.0, 0.9, 0.0, 0.0]),
              np.array([0.7, np.nextafter(0.7, 0), 0.3, 0.2]), np.array([0.8, 0.6, np.nextafter(0.6, 0), 0.1])):
        t = threshold_for_precision(y, p, 0.9)
        assert np.array_equal(p >= t, y == 1), p
    # Every report called: the lowest probability itself.
    assert threshold_for_precision(np.array([1, 1]), np.array([0.8, 0.6]), 0.9) == 0.6


def test_evaluation_reports_the_best_f1_point_beside_the_target_precision_one():
    texts, y = collection(300, seed=3)
    result = evaluate_reports(texts, y, folds=3, bootstrap_resamples=50, target_precision=0.99)
    best = result["best_f1_point"]
    assert len(best["thresholds"]) == 3
    # The best-F1 thresholds are at or below the 0.99-precision ones, so they call at least as many.
    assert all(b <= t for b, t in zip(best["thresholds"], result["thresholds"]))
    assert best["recall"] >= result["recall"]


def test_bootstrap_intervals_contain_the_estimate_and_shrink_with_n():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.clip(y * 0.3 + rng.random(400) * 0.7, 0, 1)
    pred = (p >= 0.5).astype(int)
    small = bootstrap_intervals(y[:100], p[:100], pred[:100], 300)
    large = bootstrap_intervals(y, p, pred, 300)
    m = binary_metrics(y, pred.astype(float))
    assert large["accuracy"][0] <= m["accuracy"] <= large["accuracy"][1]
    assert large["f1"][1] - large["f1"][0] < small["f1"][1] - small["f1"][0]
    from sklearn.metrics import roc_auc_score
    assert large["auc"][0] <= roc_auc_score(y, p) <= large["auc"][1]


def test_classify_gives_value_probability_mentions_and_deciding_sentence():
    texts, y = collection(500, seed=6, negation_rate=0.7)
    labeller = ReportLabeller().fit(texts, y)
    report = ("FINDINGS: Alignment is anatomic. There is no radiographic evidence of an acute displaced fracture "
              "of the distal radius. Soft tissues are unremarkable.")
    neg, pos, unc = labeller.classify([
        report,
        "FINDINGS: There is a comminuted fracture of the distal radius. No dislocation.",
        "Cannot exclude a fracture of the scaphoid.",
    ])
    assert neg.value == "negative" and pos.value == "positive"
    assert pos.probability > unc.probability > neg.probability
    assert [m.features for m in neg.mentions] == [["fracture_negated"]]
    assert [c.kind for c in neg.cues] == ["negated"] and [c.kind for c in unc.cues] == ["uncertain"]
    d = neg.deciding_sentence
    assert report[d.start:d.end] == d.text and "no radiographic evidence" in d.text and d.weight < 0
    assert "comminuted fracture" in pos.deciding_sentence.text and pos.deciding_sentence.weight > 0
    assert set(neg.as_dict()) == {"value", "probability", "language", "mentions", "cues", "deciding_sentence"}


def test_inner_folds_fitted_in_threads_give_what_one_thread_gives(monkeypatch):
    """The inner models are fitted two at a time; each report's probability must not depend on that."""
    texts, y = collection(300, seed=5)
    labeller = ReportLabeller()
    X = labeller.fit_vectorizer(labeller.prepare(texts))
    threaded = inner_cv.inner_probabilities(labeller, X, y, 5, seed=3)
    monkeypatch.setattr(inner_cv, "INNER_JOBS", 1)
    assert np.array_equal(threaded, inner_cv.inner_probabilities(labeller, X, y, 5, seed=3))
    # as many inner folds as `reports label` uses to choose its thresholds
    assert inner_cv.INNER_FOLDS == inspect.signature(label_workspace).parameters["folds"].default
    assert len(np.unique(threaded)) > 10 and ((threaded > 0) & (threaded < 1)).all()


@pytest.mark.parametrize("features", ["context", "baseline"])
def test_a_fold_counted_with_all_reports_is_the_fold_counted_alone(features):
    """Cross-validation counts every report once and gives each fold its training reports' share
    (ReportLabeller.for_rows): vocabulary, matrix and fitted model must be what counting the fold's
    reports alone gives, and nothing of the test reports may reach it."""
    texts, y = collection(200, seed=9)
    texts[0] += " Zygomatic arch unremarkable."        # words held by one report only
    train = np.arange(1, len(texts))                    # that report left out
    whole = ReportLabeller(features=features)
    docs = whole.prepare(texts)
    X = whole.fit_vectorizer(docs)
    fold, columns = whole.for_rows(X, train)
    alone = ReportLabeller(features=features)
    X_alone = alone.fit_vectorizer([docs[i] for i in train])
    assert list(fold.feature_names) == list(alone.feature_names)
    assert not any("zygomatic" in name for name in fold.feature_names)
    assert any("zygomatic" in name for name in whole.feature_names)
    assert abs(fold_matrix(X, train, columns) - X_alone).max() == 0
    assert np.array_equal(fold.back_off_columns, alone.back_off_columns)
    assert (fold.back_off is None) and (alone.back_off is None)
    fold.fit_matrix(fold_matrix(X, train, columns), y[train])
    alone.fit_matrix(X_alone, y[train])
    assert fold.back_off == alone.back_off
    assert np.array_equal(fold.predict_prepared(docs[:1]), alone.predict_prepared(docs[:1]))
    assert np.array_equal(fold.predict_matrix(fold_matrix(X, [0], columns)), alone.predict_prepared(docs[:1]))


def test_only_logistic_regression_fits_its_inner_folds_in_threads(monkeypatch):
    """Gradient boosting sets a process-wide thread limit while it fits; two fits at once could
    leave the process on one thread. Its inner folds, and the forest's, run one at a time."""
    jobs = []

    class Recording(inner_cv.Parallel):
        def __init__(self, n_jobs=None, **kwargs):
            jobs.append(n_jobs)
            super().__init__(n_jobs=n_jobs, **kwargs)

    monkeypatch.setattr(inner_cv, "Parallel", Recording)
    texts, y = collection(120, seed=6)
    for model in ("lr", "gb"):
        labeller = ReportLabeller(model)
        X = labeller.fit_vectorizer(labeller.prepare(texts))
        assert inner_cv.inner_probabilities(labeller, X, y, 3, seed=0) is not None
    assert jobs == [inner_cv.INNER_JOBS, 1] and inner_cv.INNER_JOBS > 1


def test_synthetic_reports_and_evaluation_are_deterministic():
    assert synthetic_reports(50, seed=7) == synthetic_reports(50, seed=7)
    assert synthetic_reports(50, seed=7) != synthetic_reports(50, seed=8)
    texts, y = collection(150, seed=4)
    assert evaluate_reports(texts, y, folds=2, bootstrap_resamples=50) == \
        evaluate_reports(texts, y, folds=2, bootstrap_resamples=50)


@pytest.mark.slow
def test_compare_runs_every_model_on_the_same_folds():
    texts, y = collection(160, seed=5)
    result = evaluate_reports(texts, y, folds=2, compare=True, bootstrap_resamples=50)
    assert sorted(result["compare"]) == ["gb", "lr", "nb", "rf"]
    for metrics in result["compare"].values():
        assert metrics["n"] == 160 and 0.5 <= metrics["auc"] <= 1.0
    assert result["compare"]["lr"]["f1"] == result["f1"]


def test_evaluate_command_prints_intervals_and_confident_errors(tmp_path, capsys):
    import csv

    texts, y = collection(120, seed=9)
    path = tmp_path / "reports.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label", "lang"])
        w.writerows([t, int(v), "en"] for t, v in zip(texts, y))
    args = ["reports", "evaluate", "--csv", str(path), "--text-column", "text", "--label-column", "label",
            "--language-column", "lang", "--folds", "3"]
    assert main.main(args + ["--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"f1", "accuracy", "precision", "recall", "auc", "ci", "baseline", "confident_errors"} <= set(result)
    assert 0 < len(result["confident_errors"]) <= 20
    first = result["confident_errors"][0]
    assert first["line"] >= 2 and first["snippet"] and first["error"] in ("false positive", "false negative")
    assert main.main(args) == 0
    out = capsys.readouterr().out
    assert "95 % CI" in out and "most confident errors" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label,lang\nNo fracture.,0,klingon\nFracture.,1,en\n", encoding="utf-8")
    code = main.main(["reports", "evaluate", "--csv", str(bad), "--text-column", "text", "--label-column", "label",
                      "--language-column", "lang", "--folds", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "klingon" in err and "line 2" in err


def test_labeller_version_changes_with_data_and_settings():
    lab = ReportLabeller()
    assert lab.version("a") == ReportLabeller().version("a")
    assert lab.version("a") != lab.version("b")
    assert lab.version("a") != ReportLabeller(model="nb").version("a")
    assert lab.version("a") != ReportLabeller(languages="es").version("a")


def test_metrics_and_calibration_error():
    y = np.array([0, 0, 1, 1])
    m = binary_metrics(y, np.array([0.1, 0.6, 0.4, 0.9]))
    assert m["confusion"] == [[1, 1], [1, 1]] and m["accuracy"] == 0.5 and m["auc"] == 0.75
    assert expected_calibration_error(y, np.array([0.0, 0.0, 1.0, 1.0])) == 0.0
    assert expected_calibration_error(y, np.array([1.0, 1.0, 0.0, 0.0])) == 1.0


def test_demo_agreeing_kinds_are_what_the_demo_collection_uses():
    # Guards demo_collection above against a rename in core/demo/reports.py.
    assert "positive" in AGREEING_KINDS and "negative" in AGREEING_KINDS


def test_confident_errors_are_the_surest_wrong_calls_first_at_most_k():
    """False positives by highest probability and false negatives by lowest, merged by confidence, k at most."""
    from core.reports.evaluation import CrossValidation, confident_errors

    y = np.array([0, 0, 0, 1, 1, 1, 0, 1])
    p = np.array([0.95, 0.60, 0.10, 0.02, 0.45, 0.90, 0.80, 0.30])
    pred = (p >= 0.5).astype(int)
    cv = CrossValidation(p, pred, [0.5], np.zeros(len(y), dtype=int), [None])
    docs = [f"report {i}" for i in range(len(y))]
    errors = confident_errors(cv, docs, y, k=20)
    assert [e["index"] for e in errors] == [3, 0, 6, 7, 1, 4]     # confidence 0.98, 0.95, 0.80, 0.70, 0.60, 0.55
    assert [e["error"] for e in errors[:2]] == ["false negative", "false positive"]
    assert errors[0]["snippet"] == "report 3" and errors[0]["label"] == 1
    assert [e["index"] for e in confident_errors(cv, docs, y, k=2)] == [3, 0]


def test_an_error_shows_how_its_sentences_were_read_and_what_argued_for_its_label():
    """A missed fracture: the sentence that decided it, and the one that argued for a fracture with its
    mention as the context analysis read it; where no sentence argued for the label, none is shown."""
    from core.reports.evaluation import CrossValidation, confident_errors, format_errors

    texts, y = collection(160, seed=4)
    labeller = ReportLabeller().fit(texts, y)
    docs = labeller.prepare(["FINDINGS: No pleural effusion. Heart size is normal. Displaced fracture of the left "
                             "radius.", "FINDINGS: No fracture. No dislocation."], None)
    p = labeller.predict_prepared(docs)
    assert p[0] > 0.5 > p[1]
    # Both called negative, both labelled positive: two false negatives.
    cv = CrossValidation(np.array([0.01, 0.02]), np.array([0, 0]), [0.5], np.zeros(2, dtype=int), [labeller])
    missed, denied = confident_errors(cv, docs, np.array([1, 1]))
    assert missed["index"] == 0 and "fracture" not in missed["snippet"].lower()
    assert missed["for_label"] == {"snippet": "Displaced fracture of the left radius",
                                   "mentions": ["fracture (fracture: affirmed)"]}
    assert denied["snippet"] in ("No fracture", "No dislocation") and "for_label" not in denied
    assert all(m.endswith("negated)") for m in denied["mentions"]) and denied["mentions"]
    shown = format_errors([missed, denied])
    assert "strongest for a positive: Displaced fracture of the left radius" in shown
    assert "read: fracture (fracture: affirmed)" in shown
    assert f"read: {'; '.join(denied['mentions'])}" in shown


def test_labeller_weights_classes_and_the_baseline_does_not():
    assert ReportLabeller().new_classifier().class_weight == "balanced"
    assert ReportLabeller(features="baseline").new_classifier().class_weight is None


def test_whether_healed_fractures_count_is_learned_from_the_labels():
    """One collection calls old healed fractures positive, another negative: the same labeller learns either."""
    reports = synthetic_reports(400, seed=12, positive_rate=0.25, healed_rate=0.25, negation_rate=0.5)
    texts = [r.text for r in reports]
    assert sum(r.kind == "healed" for r in reports) >= 60
    acute_only = np.array([int(r.kind == "positive") for r in reports])
    healed_too = np.array([int(r.kind in ("positive", "healed")) for r in reports])
    probe = ["FINDINGS: Old healed fracture of the distal ulna. No dislocation."]
    p_acute_only = ReportLabeller().fit(texts, acute_only).predict_proba(probe)[0]
    p_healed_too = ReportLabeller().fit(texts, healed_too).predict_proba(probe)[0]
    assert p_acute_only < 0.5 < p_healed_too


def test_whether_implied_compression_fractures_count_is_learned_from_the_labels():
    """One collection counts a vertebral wedge deformity as a fracture, another does not: the
    'compression' mentions are features of their own, so the same labeller learns either."""
    rng = np.random.default_rng(5)
    texts, counted, not_counted = [], [], []
    for i in range(300):
        kind = ("fracture", "wedge", "normal", "normal")[i % 4]
        level = f"T{rng.integers(4, 13)}"
        body = {"fracture": f"Acute fracture of the {rng.choice(['left', 'right'])} {rng.integers(3, 11)}th rib.",
                "wedge": f"Mild anterior wedge deformity of {level}.",
                "normal": "No acute fracture."}[kind]
        texts.append(f"FINDINGS: Lungs are clear. {body} No pneumothorax.")
        counted.append(int(kind != "normal"))
        not_counted.append(int(kind == "fracture"))
    probe = ["FINDINGS: Lungs are clear. Moderate wedge deformity of L1. No pneumothorax."]
    p_counted = ReportLabeller().fit(texts, np.array(counted)).predict_proba(probe)[0]
    p_not_counted = ReportLabeller().fit(texts, np.array(not_counted)).predict_proba(probe)[0]
    assert p_not_counted < 0.5 < p_counted



def test_a_hedged_mention_is_not_outvoted_by_the_ngrams_of_stated_fractures():
    """A collection that counts 'probable' fractures but not 'possible' ones (as OpenI's indexers do).

    The n-grams of a hedged sentence are marked with its context, so "Possible
    displaced fracture of the distal radius" learns from the hedged sentences
    and does not borrow the positive weight of the stated "displaced fracture
    of the distal radius". Unmarked, the n-grams call it positive.
    """
    rng = np.random.default_rng(3)
    texts, labels = [], []
    for i in range(300):
        kind = ("hedged", "stated", "normal", "stated", "normal")[i % 5]
        side = ("left", "right")[i % 2]
        hedge = ("Possible", "Probable")[(i // 5) % 2]
        body = {"stated": f"Displaced fracture of the {side} distal radius.",
                "hedged": f"{hedge} fracture of the {side} {rng.integers(3, 11)}th rib.",
                "normal": "No acute fracture."}[kind]
        texts.append(f"FINDINGS: {body} Soft tissues unremarkable.")
        labels.append(int(kind == "stated" or (kind == "hedged" and hedge == "Probable")))
    labeller = ReportLabeller().fit(texts, np.array(labels))
    hedged, stated = labeller.predict_proba([
        "FINDINGS: Possible displaced fracture of the left distal radius. Soft tissues unremarkable.",
        "FINDINGS: Displaced fracture of the left distal radius. Soft tissues unremarkable."])
    assert hedged < 0.5 < stated


def test_a_fracture_named_in_the_indication_is_learned_apart_from_one_found():
    """A collection whose labels say what the examination showed: a fracture named in the indication
    ("preop for forearm fracture") is the referrer's, and the section's words are marked with its role,
    so the labeller learns that it is not one found; a fracture among the findings still is."""
    rng = np.random.default_rng(8)
    texts, labels = [], []
    for i in range(300):
        kind = ("indication", "found", "normal", "normal")[i % 4]
        part = ("forearm", "wrist", "ankle", "hip")[rng.integers(4)]
        indication = f"Preop for {part} fracture." if kind == "indication" else "Chest pain."
        findings = f"Acute {part} fracture." if kind == "found" else "No acute fracture."
        texts.append(f"INDICATION: {indication}\nFINDINGS: {findings} Lungs are clear.")
        labels.append(int(kind == "found"))
    labeller = ReportLabeller().fit(texts, np.array(labels))
    named, found = labeller.predict_proba([
        "INDICATION: Preop for femur fracture.\nFINDINGS: Lungs are clear.",
        "INDICATION: Chest pain.\nFINDINGS: Acute femur fracture. Lungs are clear."])
    assert named < 0.5 < found
