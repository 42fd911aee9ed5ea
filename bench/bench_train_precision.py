"""Training-step speed of the fracture model in float32 and in bfloat16 autocast, same run (issue 11).

    .venv/bin/python bench/bench_train_precision.py [--size 128] [--batch 16] [--steps 20] [--threads 2]

Times the trainer's own step (trainer.epoch.run_epoch: the real RadiNetModel, Adam, the
weighted loss) on random images, alternating float32 and bfloat16 rounds so that a
machine busy with something else slows both alike. The plain baseline is float32, the
trainer's CPU default. Prints median milliseconds per step and the ratio. bfloat16 is
refused on a CPU without native support (trainer.precision.native_bf16), where oneDNN
would emulate it. Speed only: whether bf16 keeps the model's quality is measured with
bench/bench_single_part.py (PRECISION=bf16 against PRECISION=fp32).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    import numpy as np
    import torch

    from trainer.epoch import run_epoch
    from trainer.losses import loss_spec
    from trainer.models import build_model
    from trainer.precision import autocast_dtype, grad_scaler, native_bf16
    from trainer.run_data import SplitData

    torch.set_num_threads(a.threads)
    device = torch.device("cpu")
    n = a.batch * a.steps
    rng = np.random.default_rng(0)
    split = SplitData(samples=[None] * n, arrays=rng.random((n, a.size, a.size), dtype=np.float32).astype(np.float16),
                      targets=(rng.random(n) < 0.4).astype(np.int64), weights=np.ones(n, np.float32),
                      study_of=np.arange(n), study_ids=np.arange(n))
    spec = loss_spec("fracture", split.targets, split.weights, 2, class_weights=True, weighted_sampling=False)
    batches = [np.arange(i, i + a.batch) for i in range(0, n, a.batch)]
    precisions = ["fp32"] + (["bf16"] if native_bf16() else [])
    times: dict[str, list[float]] = {k: [] for k in precisions}
    for _ in range(a.rounds):
        for precision in precisions:
            torch.manual_seed(0)
            model = build_model("resnet18", 1)
            optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
            dtype = autocast_dtype(device, precision)
            scaler = grad_scaler(device, dtype)
            stamps = []
            for step in run_epoch(model, optimizer, scaler, spec, split, batches,
                                  lambda idx: torch.from_numpy(split.arrays[idx].astype(np.float32))[:, None],
                                  device, threading.Event(), study_level=False, amp_dtype=dtype):
                stamps.append(time.perf_counter())
            steps = np.diff(stamps[:-1])[2:]          # the first steps warm oneDNN's kernels up
            times[precision].extend(steps.tolist())
    fp32 = statistics.median(times["fp32"]) * 1000
    print(f"resnet18 {a.size} px, batch {a.batch}, {a.threads} threads, {a.rounds} x {a.steps} steps each")
    print(f"float32 (baseline): {fp32:.0f} ms/step")
    if "bf16" in times:
        bf16 = statistics.median(times["bf16"]) * 1000
        print(f"bfloat16 autocast:  {bf16:.0f} ms/step  ({fp32 / bf16:.2f}x faster)")
    else:
        print("bfloat16: this CPU has no native bfloat16; not measured")


if __name__ == "__main__":
    main()
