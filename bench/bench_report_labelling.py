"""What `radinet reports label` writes, against known labels: the label stream on a labelled CSV.

    .venv/bin/python bench/bench_report_labelling.py --csv F --text-column T --label-column L \
        [--labelled 0.5] [--precision 0.98] [--seeds 3]

For each seed a fresh workspace gets one study per report. A random share of them
(--labelled) gets its CSV label as a radiologist's label; the rest are unlabelled.
`label_workspace` (the command's and the GUI's code) then labels what it is sure of
and queues the rest for review. The labels it wrote are compared with the CSV's:

  fractures written negative   the errors that cost the image model most (a rare
                               positive turned into a negative)
  positives written (right)    and how many of them the CSV also calls positive
  review                       studies left to a reader, of the unlabelled ones
  written right                share of all written labels that agree with the CSV

On the public OpenI chest reports (bench/openi_reports_csv.py; 3,826 reports, 83
fractures), half labelled, precision 0.98, seeds 0-2, at 83d754e: fractures written
negative 0 / 1 / 0 (5 / 4 / 9 before the rule that a report stating a fracture is
never labelled negative automatically), review 59 / 26 / 48 of about 1,900.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.reports.autolabel import TASK, label_workspace  # noqa: E402
from core.reports.csv_input import read_report_csv  # noqa: E402
from core.store import Workspace  # noqa: E402


def run_seed(texts, truth, share: float, precision: float, seed: int) -> dict:
    labelled = np.random.default_rng(seed).random(len(texts)) < share
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(os.path.join(tmp, "ws"))
        with ws.connect() as store:
            patient = store.upsert_patient("bench")
            ids = []
            with store.transaction():
                for i, (text, y) in enumerate(zip(texts, truth)):
                    sid, _ = store.upsert_study(f"2.25.{i + 1}", patient)
                    store.add_report(sid, text, origin="bench")
                    if labelled[i]:
                        store.add_label(sid, TASK, "positive" if y else "negative", "radiologist", "bench")
                    ids.append(sid)
            start = time.perf_counter()
            summary = label_workspace(store, target_precision=precision, seed=seed)
            took = time.perf_counter() - start
            written = {sid: label.value for sid, label in store.current_labels(TASK).items() if label.source == "nlp"}
    y_of = dict(zip(ids, truth))
    unlabelled = [sid for sid, was in zip(ids, labelled) if not was]
    pos = [s for s, v in written.items() if v == "positive"]
    neg = [s for s, v in written.items() if v == "negative"]
    right = sum(y_of[s] for s in pos) + sum(1 - y_of[s] for s in neg)
    return {"seed": seed, "unlabelled": len(unlabelled), "fractures": sum(y_of[s] for s in unlabelled),
            "written_positive": len(pos), "positive_right": sum(y_of[s] for s in pos),
            "written_negative": len(neg), "fractures_written_negative": sum(y_of[s] for s in neg),
            "review": summary["sent_to_review"], "stated_to_review": summary["stated_fracture_to_review"],
            "written_right": right / len(written) if written else float("nan"), "seconds": took}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--text-column", required=True)
    parser.add_argument("--label-column", required=True)
    parser.add_argument("--labelled", type=float, default=0.5, help="share of studies given their label (0.5)")
    parser.add_argument("--precision", type=float, default=0.98, help="target precision of reports label (0.98)")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    texts, labels, _ = read_report_csv(args.csv, args.text_column, args.label_column)
    truth = [int(y) for y in labels]
    print(f"{os.path.basename(args.csv)}: {len(texts)} reports, {sum(truth)} positive; {args.labelled:.0%} labelled, "
          f"target precision {args.precision}")
    print(f"{'seed':>4} {'unlabelled (+)':>15} {'fractures written negative':>27} {'positives written (right)':>26} "
          f"{'review (stated)':>16} {'written right':>14} {'s':>5}")
    for seed in range(args.seeds):
        r = run_seed(texts, truth, args.labelled, args.precision, seed)
        print(f"{r['seed']:>4} {r['unlabelled']:>8} ({r['fractures']:>4}) {r['fractures_written_negative']:>27} "
              f"{r['written_positive']:>18} ({r['positive_right']:>5}) {r['review']:>8} ({r['stated_to_review']:>5}) "
              f"{r['written_right']:>14.4f} {r['seconds']:>5.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
