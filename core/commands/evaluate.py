"""radinet evaluate: a fracture model's figures with bootstrap 95 % CIs on a workspace's labelled studies.

    radinet evaluate --workspace W [--model ID | --model-file M.onnx] [--split test|val|all]
                     [--body-part P] [--threshold X] [--json] [--out report.html]

--model-file takes an ONNX file exported by `radinet export onnx` from any
workspace (it carries its preprocessing, classes, body part and threshold),
so a model can be judged on studies it never saw. Uses onnxruntime only.
"""

from __future__ import annotations

from pathlib import Path

from core.commands.common import ProgressPrinter, add_json_argument, add_workspace_argument, emit, open_workspace

HELP = "measure a fracture model on labelled studies: AUC, accuracy, sensitivity, ... with 95 %% CIs"


def add_arguments(parser) -> None:
    from core.evaluation.bootstrap import DEFAULT_RESAMPLES
    from core.evaluation.selection import SPLIT_CHOICES

    add_workspace_argument(parser)
    add_json_argument(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--model", default=None,
                       help="a registered model id (default: the published fracture model of --body-part, "
                            "else the all-parts one)")
    which.add_argument("--model-file", default=None, metavar="M.onnx",
                       help="an ONNX file exported by 'radinet export onnx' (from this or another workspace)")
    parser.add_argument("--split", choices=SPLIT_CHOICES, default="test",
                        help="which studies of the locked patient split (default: test; 'all' for a model "
                             "from another workspace that never saw these studies)")
    parser.add_argument("--body-part", default=None, help="only studies of this body part (default: all)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="decision threshold for the confusion matrix (default: the model's, else 0.5)")
    parser.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, help="bootstrap resamples (>= 1000)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--out", default=None, metavar="report.html", help="also write an HTML report")


def _predictor(args, workspace):
    from core.errors import ModelFileError
    from core.inference.predictor import Predictor

    if args.model_file:
        from core.inference.onnx_model import predictor_from_onnx_file

        return predictor_from_onnx_file(args.model_file), f"file {Path(args.model_file).name}"
    if args.model:
        return Predictor(workspace, "fracture", "onnx", model_id=args.model), "workspace"
    # The body part's own published model (RadiNet_wrist) when there is one, else the all-parts one,
    # exactly as `radinet predict` chooses.
    predictor = Predictor.for_workspace(workspace, "fracture", "onnx", body_part=args.body_part)
    if predictor is None:
        raise ModelFileError("No fracture model is published in this workspace yet; name one with --model or "
                             "--model-file.")
    return predictor, f"workspace (published {predictor.scope} model)"


def _cell(block: dict, key: str) -> str:
    value, ci = block[key], block[f"{key}_ci"]
    shown = "n/a" if value is None else f"{value:.3f}"
    interval = "n/a" if ci is None else f"{ci[0]:.3f}-{ci[1]:.3f}"
    return f"{shown:>7}  {interval:<13}"


def table(result: dict) -> str:
    """The readable form: one row per figure, study and image level side by side, then the n's."""
    from core.evaluation.html import METRIC_NAMES

    s, i, m = result["study"], result["image"], result["model"]
    where = "all labelled studies" if result["split"] == "all" else f"the {result['split']} split"
    where += "" if result["body_part"] == "all" else f" ({result['body_part']})"
    lines = [f"Model {m['id']} ({m['task']}, body part {m['body_part']}; {m['source']}) on {where}:",
             f"  {s['n']} {'study' if s['n'] == 1 else 'studies'} ({s['n_positive']} with a fracture, "
             f"{s['n_negative']} without), {i['n']} {'image' if i['n'] == 1 else 'images'}"
             + (f"; {len(result['skipped'])} unreadable images skipped" if result["skipped"] else ""),
             "",
             f"{'metric':<22}{'study':>7}  {'95 % CI':<13}  {'image':>7}  {'95 % CI':<13}"]
    for key, name in METRIC_NAMES.items():
        lines.append(f"{name:<22}{_cell(s, key)}  {_cell(i, key)}")
    for level, block in (("study", s), ("image", i)):
        c = block["confusion"]
        lines.append(f"{level} level at threshold {block['threshold']:.2f}: TP {c['tp']}  FP {c['fp']}  "
                     f"TN {c['tn']}  FN {c['fn']}")
    lines.append(f"95 % CIs: percentile bootstrap, {result['resamples']} resamples of studies (seed {result['seed']}); "
                 f"threshold: {result['threshold_source']}.")
    return "\n".join(lines)


def write_report(path: Path, result: dict, curves: dict) -> None:
    """The HTML report, written through core.atomic_file (never half a report)."""
    import numpy as np

    from core.atomic_file import atomic_write
    from core.evaluation.html import evaluation_html
    from core.evaluation.metrics import study_level
    from core.evaluation.plots import roc_png

    ids, y, p = np.array(curves["study_ids"]), np.array(curves["y"]), np.array(curves["p"])
    _, sy, sp = study_level(ids, y, p)
    png = roc_png([("study level", sy, sp), ("image level", y, p)], f"ROC, {result['split']} split")
    atomic_write(path, evaluation_html(result, png).encode("utf-8"), f"writing the report {path.name}")


def run(args) -> int:
    from core.evaluation.run import evaluate_on_workspace

    workspace = open_workspace(args, create=False)
    predictor, source = _predictor(args, workspace)
    result = evaluate_on_workspace(workspace, predictor, source=source, split=args.split, body_part=args.body_part,
                                   threshold=args.threshold, resamples=args.resamples, seed=args.seed,
                                   progress=ProgressPrinter("Evaluating"))
    curves = result.pop("_curves")
    if args.out:
        write_report(Path(args.out), result, curves)
        result["report"] = str(Path(args.out).resolve())
    emit(args, result, table(result) + (f"\nReport: {result['report']}" if args.out else ""))
    return 0
