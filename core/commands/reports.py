"""`radinet reports evaluate|label`: the report labeller from the command line.

    radinet reports evaluate --csv F --text-column T --label-column L [--folds K] [--model M] [--compare]
                             [--languages auto|en|es] [--language-column C] [--target-precision P] [--json]
    radinet reports label --workspace W [--precision 0.98] [--languages auto|en|es] [--json]

`evaluate --json` prints {"n", "positives", "accuracy", "precision", "recall", "f1", "auc",
"confusion": [[tn, fp], [fn, tp]], "ci": {metric: [lo, hi]}, "thresholds", "target_precision",
"languages", "confident_errors": [{"line", "label", "probability", "error", "snippet", "mentions",
"for_label": {"snippet", "mentions"} where a sentence argued for the report's label}],
"baseline": {same metric keys}, "best_f1_point": {same metric keys, "thresholds"}}; with --compare
it adds "compare": {model: {same keys}} for lr, gb, rf and nb on the same folds.
`label --json` prints the summary of core.reports.autolabel.label_workspace.

Never imports torch: the labeller is scikit-learn only.
"""

from __future__ import annotations

import argparse

from core.commands.common import ProgressPrinter, add_json_argument, add_workspace_argument, emit, open_workspace
from core.errors import InputError

HELP = "learn fracture labels from report text: evaluate on a CSV, or label a workspace's unlabelled studies"
MODEL_CHOICES = ("lr", "gb", "rf", "nb")


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.5 < value <= 1.0:
        raise argparse.ArgumentTypeError("the precision must be above 0.5 and at most 1")
    return value


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="reports_command", metavar="ACTION", required=True)

    ev = sub.add_parser("evaluate", help="out-of-fold metrics on a CSV of reports, next to the paper's baseline",
                        description="Cross-validate the report labeller on a CSV of labelled reports; the paper's "
                                    "n-gram + logistic regression baseline runs on the same folds.")
    ev.add_argument("--csv", required=True, metavar="FILE", help="CSV file with one report per row")
    ev.add_argument("--text-column", required=True, metavar="T", help="column holding the report text")
    ev.add_argument("--label-column", required=True, metavar="L",
                    help="column holding the label (0/1, yes/no, true/false, positive/negative)")
    ev.add_argument("--folds", type=int, default=5, metavar="K", help="stratified folds (default 5)")
    ev.add_argument("--model", choices=MODEL_CHOICES, default="lr", help="classifier (default lr)")
    ev.add_argument("--compare", action="store_true", help="also evaluate every classifier on the same folds")
    ev.add_argument("--seed", type=int, default=0, help="seed of the fold split (default 0)")
    ev.add_argument("--target-precision", type=_fraction, default=0.9, metavar="P",
                    help="precision the decision threshold aims for, chosen inside each training fold (default 0.9)")
    ev.add_argument("--language-column", metavar="C",
                    help="column holding each report's language (en/es); empty cells fall back to --languages")
    _add_language_argument(ev)
    add_workspace_argument(ev)
    add_json_argument(ev)

    lab = sub.add_parser("label", help="label unlabelled studies from their reports where confident",
                         description="Train on studies with a report and a radiologist or imported label, choose "
                                     "the confidence threshold reaching the target precision in cross-validation, "
                                     "label the unlabelled studies above it and queue the rest for review.")
    add_workspace_argument(lab)
    lab.add_argument("--precision", type=_fraction, default=0.98, help="target precision (default 0.98)")
    lab.add_argument("--folds", type=int, default=5, metavar="K", help="cross-validation folds (default 5)")
    lab.add_argument("--model", choices=MODEL_CHOICES, default="lr", help="classifier (default lr)")
    _add_language_argument(lab)
    add_json_argument(lab)


def _add_language_argument(parser) -> None:
    parser.add_argument("--languages", default="auto", metavar="auto|en|es",
                        help="report language: auto (detected per report, default), en or es")


def _languages(args) -> str:
    from core.reports.language import AUTO, parse_language

    if args.languages.strip().lower() == AUTO:
        return AUTO
    return parse_language(args.languages, "--languages: ")


def _language_column(args, n: int) -> list[str | None] | None:
    """Per-report languages from --language-column (same rows as read_report_csv's)."""
    if not args.language_column:
        return None
    from pathlib import Path

    from core.reports.csv_input import find_column, read_csv_rows
    from core.reports.language import parse_language

    header, rows = read_csv_rows(args.csv)
    name = Path(args.csv).name
    at = find_column(header, args.language_column, name, "language")
    out = []
    for cells in rows:
        value = cells[at].strip() if at < len(cells) else ""
        out.append(parse_language(value, f"{name}, line {cells.line}: ") if value else None)
    if len(out) != n:   # read_report_csv and read_csv_rows skip the same blank rows
        raise InputError(f"{name}: the language column could not be matched to the reports row by row.")
    return out


def run(args) -> int:
    if args.reports_command == "evaluate":
        return _evaluate(args)
    return _label(args)


def _evaluate(args) -> int:
    from core.reports.csv_input import read_report_csv
    from core.reports.evaluation import (evaluate_reports, format_best_f1_point, format_confusion, format_errors,
                                         format_intervals)
    from core.reports.models import MODEL_TITLES

    texts, labels, meta = read_report_csv(args.csv, args.text_column, args.label_column)
    if args.folds < 2:
        raise InputError(f"The number of folds must be at least 2, not {args.folds}.")
    languages = _languages(args)
    given = _language_column(args, len(texts))
    result = evaluate_reports(texts, labels, model=args.model, folds=args.folds, seed=args.seed,
                              compare=args.compare, languages=languages, report_languages=given,
                              target_precision=args.target_precision, progress=ProgressPrinter("reports evaluate"))
    for error in result["confident_errors"]:
        error["line"] = meta["lines"][error.pop("index")]
    text = "\n\n".join([
        format_confusion(result, f"Report labeller ({MODEL_TITLES[args.model]}, n-grams + context-marked mentions), "
                                 f"{args.folds}-fold out-of-fold, threshold for precision {args.target_precision} "
                                 "chosen inside each training fold", args.label_column),
        format_intervals(result) + "\n" + format_best_f1_point(result),
        format_confusion(result["baseline"], "Baseline (paper: word 1-3-gram counts + logistic regression, "
                                             "threshold 0.5), same folds", args.label_column),
        format_errors(result["confident_errors"]),
    ])
    if args.compare:
        rows = [f"{'model':<22}{'accuracy':>9}{'precision':>10}{'recall':>8}{'F1':>8}{'AUC':>8}"]
        for name, m in result["compare"].items():
            rows.append(f"{MODEL_TITLES[name]:<22}{m['accuracy']:>9.4f}{m['precision']:>10.4f}{m['recall']:>8.4f}"
                        f"{m['f1']:>8.4f}{m['auc']:>8.4f}")
        b = result["baseline"]
        rows.append(f"{'baseline (paper)':<22}{b['accuracy']:>9.4f}{b['precision']:>10.4f}{b['recall']:>8.4f}"
                    f"{b['f1']:>8.4f}{b['auc']:>8.4f}")
        text += "\n\nAll classifiers on the same folds:\n" + "\n".join(rows)
    emit(args, result, text)
    return 0


def _label(args) -> int:
    from core.reports.autolabel import label_workspace
    from core.reports.coverage import review_reasons

    ws = open_workspace(args)
    with ws.connect() as store:
        summary = label_workspace(store, target_precision=args.precision, folds=args.folds, model=args.model,
                                  languages=_languages(args), progress=ProgressPrinter("reports label"))
    t = summary["thresholds"]
    fmt = lambda v: "never" if v is None else f"{v:.3f}"  # noqa: E731
    text = (
        f"Trained on {summary['trained_on']} labelled reports ({summary['training_positives']} positive), "
        f"labeller {summary['labeller_version']}.\n"
        f"Thresholds for precision {summary['target_precision']}: positive at p >= {fmt(t['positive'])}, "
        f"negative at p <= {fmt(t['negative'])}; expected precision {summary['expected_precision']}, "
        f"cross-validated coverage {summary['cv_coverage']}.\n"
        f"Unlabelled studies with a report: {summary['candidates']} ({summary['already_decided']} already decided "
        f"by this labeller). Labelled now: {summary['labelled']} ({summary['labelled_positive']} positive, "
        f"{summary['labelled_negative']} negative); sent to review: {summary['sent_to_review']}"
        f"{review_reasons(summary)}; "
        f"coverage {summary['coverage']}; review queue: {summary['review_queue']}."
    )
    emit(args, summary, text)
    return 0
