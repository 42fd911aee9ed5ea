"""Report labeller vs. the paper's baseline: quality and speed, same folds, same run.

    .venv/bin/python bench/bench_reports.py                      # synthetic: negation-heavy and -light, 30,000 each
    .venv/bin/python bench/bench_reports.py --n 5000             # smaller synthetic collections
    .venv/bin/python bench/bench_reports.py --csv F --text-column T --label-column L

Prints, for each collection, the labeller's row next to the baseline's row
(paper: word 1-3-gram counts + logistic regression) from the same folds, the
wall time of "analyse + 5-fold evaluation + final training" for both, and the
out-of-fold expected calibration error of LR as used against LR wrapped in
CalibratedClassifierCV (the evidence for using LR's own probabilities).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sklearn.calibration import CalibratedClassifierCV  # noqa: E402

from core.reports import models  # noqa: E402
from core.reports.evaluation import (binary_metrics, expected_calibration_error, fold_splits,  # noqa: E402
                                     out_of_fold)
from core.reports.labeller import ReportLabeller  # noqa: E402
from core.reports.synthetic import synthetic_reports  # noqa: E402

COLUMNS = ("accuracy", "precision", "recall", "f1", "auc")


def run_system(features: str, texts, y, splits, model: str = "lr"):
    t0 = time.perf_counter()
    labeller = ReportLabeller(model, features)
    docs = labeller.prepare(texts)
    probs = out_of_fold(labeller, docs, y, splits)
    labeller.fit_prepared(docs, y)          # the final model, as `reports label` trains it
    return probs, time.perf_counter() - t0


def calibration_check(texts, y, splits):
    """ECE of LR's own probabilities vs. sigmoid-calibrated LR, out of fold."""
    raw, _ = run_system("scoped", texts, y, splits)
    original = models.make_classifier

    def calibrated(name="lr", seed=0):
        return CalibratedClassifierCV(models.logistic_regression(seed), method="sigmoid", cv=3)

    models.make_classifier = calibrated
    import core.reports.labeller as labeller_module
    labeller_module.make_classifier = calibrated
    try:
        cal, _ = run_system("scoped", texts, y, splits)
    finally:
        models.make_classifier = original
        labeller_module.make_classifier = original
    return expected_calibration_error(y, raw), expected_calibration_error(y, cal), \
        binary_metrics(y, raw)["auc"], binary_metrics(y, cal)["auc"]


def bench(name: str, texts, y, folds: int, seed: int, calibration: bool) -> None:
    y = np.asarray(y, dtype=int)
    splits = fold_splits(y, folds, seed)
    p_ours, t_ours = run_system("scoped", texts, y, splits)
    p_base, t_base = run_system("baseline", texts, y, splits)
    ours, base = binary_metrics(y, p_ours), binary_metrics(y, p_base)
    print(f"\n{name}: n={ours['n']}, positives={ours['positives']}, {folds}-fold out-of-fold, same folds")
    print(f"{'system':<40}" + "".join(f"{c:>10}" for c in COLUMNS) + f"{'seconds':>10}")
    for label, m, t in (("labeller (n-grams + negation scopes, LR)", ours, t_ours),
                        ("baseline (paper: 1-3-grams + LR)", base, t_base)):
        print(f"{label:<40}" + "".join(f"{m[c]:>10.4f}" for c in COLUMNS) + f"{t:>10.1f}")
    print(f"{'difference':<40}" + "".join(f"{ours[c] - base[c]:>+10.4f}" for c in COLUMNS)
          + f"{t_ours / t_base:>9.1f}x")
    print(f"confusion [[tn, fp], [fn, tp]]: labeller {ours['confusion']}  baseline {base['confusion']}")
    if calibration:
        ece_raw, ece_cal, auc_raw, auc_cal = calibration_check(texts, y, splits)
        print(f"calibration (ECE, out of fold): LR as used {ece_raw:.4f} (AUC {auc_raw:.4f}); "
              f"LR + CalibratedClassifierCV(sigmoid) {ece_cal:.4f} (AUC {auc_cal:.4f})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv")
    ap.add_argument("--text-column")
    ap.add_argument("--label-column")
    ap.add_argument("--n", type=int, default=30_000, help="synthetic reports per collection (default 30000)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--negation-rates", default="0.6,0.05",
                    help="synthetic collections to run, by negation rate (default 0.6,0.05)")
    ap.add_argument("--no-calibration", action="store_true", help="skip the calibration comparison")
    args = ap.parse_args()
    print(f"CPU cores visible: {os.cpu_count()}")
    if args.csv:
        from core.reports.csv_input import read_report_csv

        texts, y, _ = read_report_csv(args.csv, args.text_column, args.label_column)
        bench(os.path.basename(args.csv), texts, y, args.folds, args.seed, not args.no_calibration)
        return 0
    for i, rate in enumerate(float(r) for r in args.negation_rates.split(",")):
        title = f"synthetic, negated mentions {'common' if rate >= 0.5 else 'rare'} (negation_rate {rate})"
        reports = synthetic_reports(args.n, seed=args.seed, negation_rate=rate)
        bench(title, [r.text for r in reports], [r.label for r in reports], args.folds, args.seed,
              not args.no_calibration and i == 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
