"""Which training settings help a small target? One body part's target, several settings x training seeds.

    .venv/bin/python bench/bench_target_settings.py --workspace W [--parent MODEL_ID[,MODEL_ID...]]
        [--body-part wrist] [--seeds 0,1,2] [--size 128] [--epochs 12] [--precision bf16] SETTING [SETTING ...]

Each SETTING is a JSON object of TrainConfig fields, e.g. '{}' (the defaults, the plain baseline of the same run),
'{"warmup_epochs": 4}', '{"shift": 8}', '{"init": "random", "max_images": 400}'. W is a Table 2 workspace
(bench/bench_table2.py) whose body-part model (RadiNet) is the parent unless --parent names another model, or one
per seed (a comma-separated list as long as --seeds: each training seed starts from its own chain's RadiNet, as
bench_table2's seeds do). Every run is judged through its ONNX on two sets of fresh demo studies of the body part: a
selection set (seed 2006), on which settings are to be compared, and a report set (seed 1006, the one bench_table2
reports), printed but not to choose on. Prints one JSON line per run and, per setting, the mean +- sd over seeds on
both sets.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FRESH_SEEDS = {"select": 2006, "report": 1006}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--workspace", required=True)
    p.add_argument("--parent", help="the model to start from (default: the newest body-part model), or one per seed")
    p.add_argument("--body-part", default="wrist")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--fresh-studies", type=int, default=300)
    p.add_argument("--precision", default="bf16")
    p.add_argument("settings", nargs="+")
    args = p.parse_args()

    from core.demo.workspace import build_demo_workspace
    from core.store import registry
    from core.store.workspace import Workspace
    from trainer.config import TrainConfig
    from trainer.experiments import _run, judged, predict_fresh

    ws = Workspace.open(args.workspace, create=False)
    seeds = [int(s) for s in args.seeds.split(",")]
    parent = args.parent
    if parent is None:
        with ws.connect() as store:
            newest = registry.latest(store, registry.scope("body_part", "all"))
        if newest is None:
            sys.exit("The workspace has no body-part model; run bench/bench_table2.py on it first, or give --parent.")
        parent = newest["id"]
    parents = parent.split(",")
    if len(parents) == 1:
        parents *= len(seeds)
    if len(parents) != len(seeds):
        sys.exit(f"--parent names {len(parents)} models for {len(seeds)} seeds; give one, or one per seed.")
    fresh = {}
    for name, seed in FRESH_SEEDS.items():
        f = Workspace.open(os.path.join(args.workspace, "experiments", f"fresh-{args.body_part}-{seed}"))
        build_demo_workspace(f, n_studies=args.fresh_studies, seed=seed, body_parts=(args.body_part,))
        fresh[name] = f
    base = dict(architecture="resnet18", image_size=args.size, batch_size=16, promote=False, resume=False,
                precision=args.precision, body_part=args.body_part, stage="target", epochs=args.epochs)
    stop, results = threading.Event(), {}
    print(f"parents {dict(zip(seeds, parents))}; {args.body_part} target, {args.size} px, {args.epochs} epochs",
          flush=True)
    for setting in args.settings:
        extra = json.loads(setting)
        for seed, start in zip(seeds, parents):
            t = time.perf_counter()
            # A setting may name its own init ('{"init": "random"}': the WristNet row of the same run).
            config = TrainConfig(**{**base, "init": f"model:{start}", **extra, "seed": seed})
            r = _run(config, ws, stop, lambda m: None)
            row = {"setting": setting, "seed": seed, "model_id": r["model_id"],
                   "seconds": round(time.perf_counter() - t),
                   "val_auc": (r.get("val") or {}).get("auc")}
            for name, f in fresh.items():
                row[name] = round(judged(predict_fresh(ws, r["model_id"], f, args.body_part))["auc"], 3)
            results.setdefault(setting, []).append(row)
            print(json.dumps(row), flush=True)
    print("\nsetting | selection set mean +- sd | report set mean +- sd | seeds")
    for setting, rows in results.items():
        cells = []
        for name in FRESH_SEEDS:
            values = [r[name] for r in rows]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.3f} +- {sd:.3f}")
        print(f"{setting} | {cells[0]} | {cells[1]} | {len(rows)}")


if __name__ == "__main__":
    main()
