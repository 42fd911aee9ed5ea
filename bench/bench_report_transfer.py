"""The report labeller trained on one collection's labels and read on another's reports.

    .venv/bin/python bench/bench_report_transfer.py --train iu_en.csv --test chexpert_en.csv \
        [--text-column text] [--label-column fracture] [--mention-column fracture_mention] \
        [--target-precision 0.9] [--json]

`reports evaluate` measures the labeller on held-out folds of ONE collection: its reports were
written by the same radiologists and labelled by the same people as those it learnt from. Here
the labeller learns every report of --train and reads every report of --test, written and
labelled elsewhere: how much of what it learnt is the language of radiology and how much one
department's habits. Both CSVs are yardsticks kept outside the repository (bench/openi_reports_csv.py,
bench/chexpert_reports_csv.py, bench/nubes_reports_csv.py write them).

- Threshold: chosen on --train alone, for --target-precision on its 5-fold out-of-fold
  probabilities, as `reports label` chooses its thresholds; nothing of --test is seen.
- Baseline, in the same run: the paper's plain n-gram logistic regression, trained on the same
  reports, at 0.5.
- Figures: accuracy, precision, recall, F1 and AUC on --test with 95 % percentile-bootstrap
  intervals (1,000 resamples of the test reports) and n.
- --mention-column (stated / denied / uncertain / empty, or the CheXpert cells 1.0 / 0.0 / -1.0 /
  empty): how the mention-level context analysis alone reads each test report's fracture
  mentions against a person's reading, before any classifier. A report reads "stated" where one
  fracture mention is neither negated, uncertain, hypothetical nor a device's; else "uncertain"
  where one is uncertain or hypothetical and not negated; else "denied" where one is negated;
  else "" (none, or only a device's). Compression deformities are a category of their own and
  left out, as CheXpert's readers left them out of "Fracture".

Measured 2026-12-07 (7c75c40), trained on OpenI (bench/openi_reports_csv.py: 3,826 reports, 83 with
a fracture), read on the CheXpert test impressions: the 102 of the 1,000 that hold a fracture word
(fractur, fx, broken, callus, compression, wedg, healed, healing, orif, fixation, rib deform) or a
Fracture cell, 42 of them stating a fracture; the 898 others state none, and on OpenI no report
without those words scores above 0.07 out of fold, against a threshold of 0.86. Labeller: P 1.000
[1.000, 1.000], R 0.952 [0.881, 1.000], F1 0.976 [0.937, 1.000], AUC 0.989; baseline: P 0.744, R
0.762, F1 0.753 [0.641, 0.848], AUC 0.891. Its two misses are hedged fractures ("possible",
"possibly related to") the radiologists labelled stated; 4 others ("possible" twice, "could represent",
"may represent") they labelled uncertain. Mention readings: 96 of 102 agree
(94 before "no definite" was read as a negation as well as a hedge).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chexpert_reports_csv import MENTION  # noqa: E402  (CheXpert's cells in words)
from core.errors import InputError  # noqa: E402
from core.reports.csv_input import find_column, read_csv_rows, read_report_csv  # noqa: E402
from core.reports.evaluation import (bootstrap_intervals, check_classes, fold_splits, out_of_fold,  # noqa: E402
                                     predicted_metrics)
from core.reports.features import NOT_STATED  # noqa: E402
from core.reports.labeller import ReportLabeller  # noqa: E402
from core.reports.language import AUTO  # noqa: E402
from core.reports.thresholds import threshold_for_precision  # noqa: E402

FOLDS = 5
READINGS = ("stated", "uncertain", "denied", "")


def reading(analysis) -> str:
    """What the context analysis says of a report's fracture mentions, in the words of a mention label."""
    classes = [m.classes for m in analysis.mentions if m.category == "fracture" and "device" not in m.classes]
    if any(not (c & NOT_STATED) for c in classes):
        return "stated"
    if any(c & {"uncertain", "hypothetical"} and "negated" not in c for c in classes):
        return "uncertain"
    return "denied" if classes else ""


def read_mentions(path: str, column: str) -> list[str]:
    """The mention column of ``path`` in words (stated / denied / uncertain / ""), read as
    read_report_csv reads the texts (any encoding and delimiter, blank rows skipped)."""
    header, rows = read_csv_rows(path)
    at = find_column(header, column, Path(path).name, "mention")
    out = [MENTION.get(v, v) for v in ((row[at] if at < len(row) else "").strip() for row in rows)]
    unknown = sorted(set(out) - set(READINGS))
    if unknown:
        raise InputError(f"{Path(path).name}: the column {column!r} holds {unknown[:3]}, not stated / denied / "
                         "uncertain / empty (or 1.0 / 0.0 / -1.0 / empty).")
    return out


def trained(kind: str, texts, y, target_precision: float | None, seed: int):
    """A labeller trained on every report, and its threshold (chosen on its own out-of-fold probabilities)."""
    labeller = ReportLabeller("lr", kind, AUTO, seed)
    docs = labeller.prepare(texts)
    X = labeller.fit_vectorizer(docs)
    if target_precision is None:
        threshold = 0.5
    else:
        labeller.choose_back_off(X, y, FOLDS)
        oof = out_of_fold(labeller, X, y, fold_splits(y, FOLDS, seed))
        threshold = threshold_for_precision(y, oof, target_precision)
    labeller.fit_matrix(X, y)
    return labeller, threshold


def deciding_text(labeller, doc, positive: bool) -> str:
    sentence = labeller.deciding_sentence(doc, positive)
    return sentence.text[:200] if sentence else ""


def scored(y, p, threshold: float, seed: int) -> dict:
    pred = (p >= threshold).astype(int)
    out = predicted_metrics(y, p, pred)
    out["ci"] = bootstrap_intervals(y, p, pred, 1000, seed)
    out["threshold"] = round(float(threshold), 4)
    return out


def run(args) -> dict:
    train_texts, train_y, _ = read_report_csv(args.train, args.text_column, args.label_column)
    test_texts, test_y, _ = read_report_csv(args.test, args.text_column, args.label_column)
    train_y, test_y = np.asarray(train_y), np.asarray(test_y)
    check_classes(train_y, FOLDS, where=f"The reports of {Path(args.train).name}")
    start = time.perf_counter()
    labeller, threshold = trained("context", train_texts, train_y, args.target_precision, args.seed)
    test_docs = labeller.prepare(test_texts)
    p = labeller.predict_prepared(test_docs)
    result = {"train": {"csv": Path(args.train).name, "n": len(train_y), "positives": int(train_y.sum())},
              "target_precision": args.target_precision,
              "labeller": scored(test_y, p, threshold, args.seed)}
    result["labeller"]["wall_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    baseline, base_threshold = trained("baseline", train_texts, train_y, None, args.seed)
    result["baseline"] = scored(test_y, baseline.predict_proba(test_texts), base_threshold, args.seed)
    result["baseline"]["wall_s"] = round(time.perf_counter() - start, 1)
    pred = p >= threshold
    result["errors"] = [{"row": int(i) + 1, "label": int(test_y[i]), "probability": round(float(p[i]), 4),
                         "sentence": deciding_text(labeller, test_docs[i], bool(pred[i]))}
                        for i in np.argsort(-np.abs(p - test_y)) if bool(pred[i]) != bool(test_y[i])][:args.errors]
    if args.mention_column:
        person = read_mentions(args.test, args.mention_column)
        ours = [reading(d.analysis) for d in test_docs]
        pairs = Counter(zip(person, ours))
        result["readings"] = {"agree": sum(n for (a, b), n in pairs.items() if a == b), "n": len(ours),
                              "table": {a or "not mentioned": {b or "not mentioned": pairs[(a, b)] for b in READINGS}
                                        for a in READINGS}}
    return result


def show(result: dict, test_name: str) -> None:
    t = result["train"]
    print(f"trained on {t['csv']} ({t['n']} reports, {t['positives']} positive); read on {test_name}")
    for name in ("labeller", "baseline"):
        m = result[name]
        ci = m["ci"]
        print(f"  {name:<9} n {m['n']} ({m['positives']} positive), threshold {m['threshold']:.3f}, {m['wall_s']} s")
        for k in ("precision", "recall", "f1", "auc", "accuracy"):
            print(f"    {k:<9} {m[k]:.4f}  [{ci[k][0]:.4f}, {ci[k][1]:.4f}]")
    if result["errors"]:
        print("  labeller's most confident errors:")
        for e in result["errors"]:
            print(f"    row {e['row']:>5} label {e['label']} p {e['probability']:.3f}  {e['sentence']}")
    if "readings" in result:
        r = result["readings"]
        print(f"  mention readings (rows: the person's; columns: the context analysis's): "
              f"{r['agree']} of {r['n']} agree")
        heads = [h or "not mentioned" for h in READINGS]
        print("    " + " " * 14 + "".join(f"{h:>15}" for h in heads))
        for row, cells in r["table"].items():
            print(f"    {row:<14}" + "".join(f"{cells[h]:>15}" for h in heads))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--train", required=True, help="CSV the labeller learns from")
    parser.add_argument("--test", required=True, help="CSV from another collection, read and scored")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="fracture")
    parser.add_argument("--mention-column", default=None, help="a person's mention label in --test (optional)")
    parser.add_argument("--target-precision", type=float, default=0.9)
    parser.add_argument("--errors", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        result = run(args)
    except InputError as err:
        print(err, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        show(result, Path(args.test).name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
