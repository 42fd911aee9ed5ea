"""radinet experiment ablation: the paper's Table 2 on this workspace, judged on fresh demo studies."""

from __future__ import annotations

import sys
from pathlib import Path

from core.commands.common import add_json_argument, add_workspace_argument, emit, open_workspace

HELP = ("run the initialisation ablation (WristNet / RadiNetRand_wrist / RadiNet_wrist / RadiNet_all) and write "
        "an HTML table")


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    add_json_argument(parser)
    parser.add_argument("which", choices=["ablation"])
    parser.add_argument("--out", required=True, help="HTML report to write")
    parser.add_argument("--body-part", default="wrist", help="the target body part (default wrist)")
    parser.add_argument("--fresh-workspace", default=None,
                        help="workspace of studies the models never saw (default: demo studies of the body part, "
                             "another seed, built under WORKSPACE/experiments/)")
    parser.add_argument("--fresh-studies", type=int, default=300)
    parser.add_argument("--rows", default="wristnet,radinetrand_part,radinet_part,radinet_all")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--body-epochs", type=int, default=3)
    parser.add_argument("--pretrain-epochs", type=int, default=3)
    parser.add_argument("--image-size", type=int, default=192)
    parser.add_argument("--architecture", default="resnet18")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=None, help="default: chosen per initialisation")
    parser.add_argument("--seed", type=int, default=0)


def fresh_workspace(ws, path: str | None, body_part: str, studies: int, seed: int):
    from core.demo.workspace import build_demo_workspace
    from core.store.workspace import Workspace

    if path:
        return Workspace.open(path)
    from core.demo.anatomy import BODY_PARTS

    fresh = Workspace.open(Path(ws.path) / "experiments" / f"fresh-{body_part}-seed{seed}-{studies}")
    build_demo_workspace(fresh, n_studies=studies, seed=seed,
                         body_parts=BODY_PARTS if body_part == "all" else (body_part,))
    return fresh


def run(args) -> int:
    from core.errors import InputError
    from trainer.checkpoints import atomic_write
    from trainer.experiments import ROWS, table2, table_html

    rows = tuple(r.strip() for r in args.rows.split(",") if r.strip())
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        raise InputError(f"Unknown ablation row {unknown[0]!r}; choose from {', '.join(ROWS)}.")
    ws = open_workspace(args)
    fresh = fresh_workspace(ws, args.fresh_workspace, args.body_part, args.fresh_studies, 1000 + args.seed)
    settings = {"body_part": args.body_part, "image_size": args.image_size, "epochs": args.epochs,
                "body_epochs": args.body_epochs, "pretrain_epochs": args.pretrain_epochs,
                "batch_size": args.batch_size, "architecture": args.architecture, "seed": args.seed, "lr": args.lr}
    table = table2(ws, fresh, rows=rows, log=lambda m: print(m, file=sys.stderr), **settings)
    atomic_write(Path(args.out), table_html(table, settings).encode())
    lines = []
    for r in table:
        f = r["fresh"]
        ci = f["auc_ci"] or [None, None]
        auc = "n/a" if f["auc"] is None else f"{f['auc']:.3f} (95 % CI {ci[0]:.3f}-{ci[1]:.3f})"
        lines.append(f"{r['row']:<22} {r['chain']:<22} fresh AUC {auc}, n={f['n']}")
    emit(args, {"rows": table, "out": str(args.out), "fresh_workspace": str(fresh.path)},
         "\n".join(lines + [f"written {args.out}"]))
    return 0
