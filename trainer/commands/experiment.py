"""radinet experiment ablation: random vs RadiNetRand vs RadiNet initialisation (Table 2)."""

from __future__ import annotations

import sys
from pathlib import Path

from core.commands.common import add_json_argument, add_workspace_argument, emit, open_workspace

HELP = "run the initialisation ablation (random / RadiNetRand / RadiNet -> fracture) and write an HTML table"


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    add_json_argument(parser)
    parser.add_argument("which", choices=["ablation"])
    parser.add_argument("--out", required=True, help="HTML report to write")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--architecture", default="resnet18")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--body-epochs", type=int, default=None,
                        help="epochs of the body-part stage (default: --epochs; body parts are learnt sooner)")
    parser.add_argument("--imagenet", default=None, help="torchvision ImageNet state-dict file for the RadiNet row")


def run(args) -> int:
    from trainer.checkpoints import atomic_write
    from trainer.experiments import table2, table_html

    ws = open_workspace(args)
    settings = {k: getattr(args, k) for k in ("epochs", "image_size", "architecture", "batch_size", "max_images", "lr", "body_epochs")}
    rows = table2(ws, imagenet=args.imagenet, log=lambda m: print(m, file=sys.stderr), **settings)
    atomic_write(Path(args.out), table_html(rows, settings).encode())
    lines = [f"{r['initialisation']:<36} test AUC {'n/a' if r.get('test_auc') is None else format(r['test_auc'], '.3f')}"
             for r in rows]
    emit(args, {"rows": rows, "out": str(args.out)}, "\n".join(lines + [f"written {args.out}"]))
    return 0
