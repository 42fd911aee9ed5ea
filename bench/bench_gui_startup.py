"""Start-up of the workstation: launch -> first image, launch -> first prediction.

Printed next to a bare ``import torch, torchvision`` measured in the same run
(the cost the GUI avoids by never importing torch at start-up). Each figure is
the median of --repeats fresh processes (offscreen Qt).

    .venv/bin/python bench/bench_gui_startup.py [--workspace W] [--repeats 3]

Without --workspace a temporary demo workspace is built and a tiny model is
trained on it first (so "first prediction" has a model to use).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _prepare(path: Path) -> None:
    from bench._workspace import bench_workspace

    ws = bench_workspace(str(path), 30)
    from core.inference.predictor import Predictor

    if Predictor.for_workspace(ws) is None:
        from trainer.loop import TrainConfig, train

        print("training a tiny model for the benchmark…", file=sys.stderr)
        for _ in train(TrainConfig(stage="target", image_size=64, epochs=1, batch_size=8, init="random",
                                   device="cpu"), ws, threading.Event()):
            pass


def _time_gui(workspace: Path, shot: Path) -> tuple[float | None, float | None]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    t0 = time.time()
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "gui", "--workspace", str(workspace),
                           "--screenshot", str(shot), "--no-demo"], env=env, capture_output=True, text=True,
                          timeout=300)
    m = re.search(r"epoch-stamps image=(\S+) prediction=(\S+)", proc.stderr)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"gui failed: {proc.stderr[-2000:]}")
    image, pred = (None if v == "none" else float(v) - t0 for v in m.groups())
    return image, pred


def _time_torch_import() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch, torchvision"], check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = args.workspace or Path(tmp) / "ws"
        _prepare(workspace)
        images, preds, torches = [], [], []
        for i in range(args.repeats):
            image, pred = _time_gui(workspace, Path(tmp) / f"shot{i}.png")
            images.append(image)
            preds.append(pred)
            torches.append(_time_torch_import())
    med = lambda xs: statistics.median([x for x in xs if x is not None]) if any(x is not None for x in xs) else None  # noqa: E731
    fmt = lambda x: "n/a" if x is None else f"{x:6.2f} s"  # noqa: E731
    print(f"{'launch -> first image on screen':40s} {fmt(med(images))}   (goal < 2 s)")
    print(f"{'launch -> first prediction on screen':40s} {fmt(med(preds))}   (goal < 3 s)")
    print(f"{'baseline: python -c import torch, torchvision':40s} {fmt(med(torches))}")
    print(f"runs: {args.repeats}; raw image {[fmt(x) for x in images]}, prediction {[fmt(x) for x in preds]}, "
          f"torch {[fmt(x) for x in torches]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
