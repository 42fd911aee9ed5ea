"""Table-2-like ablation on demo data: held-out AUC of the fracture model by initialisation.

    .venv/bin/python bench/bench_table2.py [--studies 120] [--size 128] [--epochs 4] [--imagenet PATH]

Rows: random init -> target; RadiNetRand (body parts from random) -> target;
RadiNet (body parts from ImageNet weights, only with --imagenet) -> target.
The plain baseline of this table is the random-initialisation row.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--workspace")
    p.add_argument("--studies", type=int, default=120)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--body-epochs", type=int, default=None, help="epochs of the body-part stage (default --epochs)")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--architecture", default="resnet18")
    p.add_argument("--imagenet", default=None)
    p.add_argument("--out", default=None, help="also write the HTML table here")
    a = p.parse_args()
    from bench._workspace import bench_workspace
    from trainer.experiments import table2, table_html

    ws = bench_workspace(a.workspace, a.studies)
    t0 = time.perf_counter()
    rows = table2(ws, epochs=a.epochs, image_size=a.size, architecture=a.architecture, batch_size=a.batch,
                  lr=a.lr, body_epochs=a.body_epochs, imagenet=a.imagenet, log=lambda m: print(m, file=sys.stderr))
    with ws.connect() as store:
        from trainer.data import collect

        data = collect(store, "fracture")
    counts = {s: len({x.study_id for x in data.of_split(s)}) for s in ("train", "val", "test")}
    print(f"demo studies with fracture labels per split: {counts}; {a.architecture} {a.size}px, {a.epochs} epochs, "
          f"{a.body_epochs or a.epochs} body-part epochs, {time.perf_counter() - t0:.0f} s")
    for r in rows:
        auc = r.get("test_auc")
        print(f"  {r['initialisation']:<36} val AUC {r.get('val_auc') if r.get('val_auc') is None else round(r['val_auc'], 3)!s:<6} "
              f"test AUC {'n/a' if auc is None else format(auc, '.3f')}  {r.get('note', '')}")
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(table_html(rows, vars(a)))
    print(json.dumps({"splits": counts, "rows": rows}, default=str))


if __name__ == "__main__":
    main()
