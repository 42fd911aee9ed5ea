"""`radinet demo --workspace W [--studies N] [--seed S]`: a synthetic demo workspace.

Draws N radiograph-like DICOM studies with reports, import labels (a third
withheld) and ground-truth difficulty, and imports them. No torch.
"""

from __future__ import annotations

from core.commands.common import ProgressPrinter, add_json_argument, add_workspace_argument, emit, open_workspace
from core.errors import InputError

HELP = "create a demo workspace of synthetic radiograph studies with reports and labels"
MAX_STUDIES = 100_000


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    parser.add_argument("--studies", metavar="N", type=int, default=200, help="number of studies (default 200)")
    parser.add_argument("--seed", metavar="S", type=int, default=0, help="random seed (same seed, same studies)")
    parser.add_argument("--body-parts", metavar="LIST", default=None,
                        help="comma-separated body parts to draw (default all: finger, hand, wrist, forearm, "
                             "elbow, humerus, shoulder)")
    add_json_argument(parser)


def run(args) -> int:
    if not 1 <= args.studies <= MAX_STUDIES:
        raise InputError(f"The number of demo studies must be between 1 and {MAX_STUDIES}, not {args.studies}.")
    if args.seed < 0:
        raise InputError(f"The demo seed must be zero or a positive number, not {args.seed}.")
    from core.demo.workspace import build_demo_workspace

    from core.demo.anatomy import BODY_PARTS
    from core.demo.plan import check_body_parts

    body_parts = check_body_parts(args.body_parts.split(",")) if args.body_parts else BODY_PARTS
    workspace = open_workspace(args)
    summary = build_demo_workspace(workspace, n_studies=args.studies, seed=args.seed,
                                   progress=ProgressPrinter("demo"), body_parts=body_parts)
    payload = {k: summary[k] for k in ("studies", "images", "labelled", "report_only", "seconds", "workspace")}
    text = (f"Demo workspace {payload['workspace']}: {payload['studies']} studies, {payload['images']} images, "
            f"{payload['labelled']} labelled, {payload['report_only']} with a report only "
            f"({payload['seconds']} s).")
    if summary["rejected"]:
        text += f" {len(summary['rejected'])} files could not be imported."
    emit(args, payload, text)
    return 0
