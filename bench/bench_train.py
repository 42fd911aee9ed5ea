"""Trainer throughput against a bare minimal torch loop; fast refresh against full fine-tuning.

    .venv/bin/python bench/bench_train.py [--architecture resnet18] [--size 320] [--batch 16]
                                          [--images 64] [--epochs 3] [--no-refresh] [--workspace W]

(a) images/s of ``trainer.loop.train`` (augmentation, weighted loss, progress
events, stop checks) vs a bare loop (same model, batch, input size, Adam,
BCE, no augmentation) on the same number of images, from the second epoch
on. Goal >= 0.9.
(b) images/s of the fast refresh (early layers frozen and cached) vs the full
fine-tune. Goal >= 5x for resnet18, >= 10x for densenet121.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bare_loop(architecture: str, size: int, batch: int, images: int, epochs: int, threads: int) -> float:
    import torch
    import torch.nn.functional as F

    from trainer.models import build_model

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build_model(architecture, 1).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x_all = torch.rand(images, 1, size, size)
    y_all = (torch.rand(images) < 0.5).float()
    rates = []
    for epoch in range(epochs):
        perm = torch.randperm(images)
        t0, seen = time.perf_counter(), 0
        for b in range(max(1, images // batch)):
            idx = perm[b * batch:(b + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss = F.binary_cross_entropy_with_logits(model(x_all[idx])[:, 0], y_all[idx])
            loss.backward()
            opt.step()
            seen += len(idx)
        if epoch >= 1:
            rates.append(seen / (time.perf_counter() - t0))
    return sum(rates) / len(rates)


def trainer_rate(ws, stage: str, architecture: str, size: int, batch: int, images: int, epochs: int,
                 threads: int) -> tuple[float, dict]:
    from trainer.loop import TrainConfig, train

    config = TrainConfig(stage=stage, architecture=architecture, image_size=size, batch_size=batch, epochs=epochs,
                         max_images=images, init="random" if stage != "fast-refresh" else "auto",
                         warmup_epochs=0, early_stopping_patience=99, resume=False, threads=threads,
                         promote=stage != "fast-refresh")
    t0 = time.perf_counter()
    result = None
    for event in train(config, ws, threading.Event()):
        if event.kind == "done":
            result = event.result
    result["wall_s"] = time.perf_counter() - t0
    return result["images_per_second"], result


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--workspace")
    p.add_argument("--studies", type=int, default=60)
    p.add_argument("--architecture", default="resnet18")
    p.add_argument("--size", type=int, default=320)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--no-refresh", action="store_true")
    a = p.parse_args()
    from bench._workspace import bench_workspace

    ws = bench_workspace(a.workspace, a.studies)
    with ws.connect() as store:
        from trainer.data import collect

        n_train = len(collect(store, "fracture").of_split("train"))
    images = min(a.images, n_train)
    # Bare loop before and after the trainer (A-B-A), so a change in machine load
    # during the run (the CPU is shared) does not favour either side.
    bare_before = bare_loop(a.architecture, a.size, a.batch, images, a.epochs, a.threads)
    ours, result = trainer_rate(ws, "target", a.architecture, a.size, a.batch, images, a.epochs, a.threads)
    bare_after = bare_loop(a.architecture, a.size, a.batch, images, a.epochs, a.threads)
    bare = (bare_before + bare_after) / 2
    out = {"architecture": a.architecture, "size": a.size, "batch": a.batch, "images": images,
           "trainer_images_per_s": round(ours, 2), "bare_loop_images_per_s": round(bare, 2),
           "trainer_vs_bare": round(ours / bare, 3),
           "bare_before_after": [round(bare_before, 2), round(bare_after, 2)]}
    print(f"(a) {a.architecture} {a.size}px batch {a.batch}, {images} images, epochs 2..{a.epochs}: "
          f"trainer {ours:.2f} img/s, bare loop {bare:.2f} img/s -> ratio {ours / bare:.2f} (goal >= 0.9)")
    if not a.no_refresh:
        fast, fresult = trainer_rate(ws, "fast-refresh", a.architecture, a.size, a.batch, images, a.epochs, a.threads)
        out.update(fast_refresh_images_per_s=round(fast, 2), fast_vs_full=round(fast / ours, 2),
                   fast_refresh_wall_s=round(fresult["wall_s"], 1), full_wall_s=round(result["wall_s"], 1))
        goal = 10 if a.architecture.startswith("densenet") else 5
        print(f"(b) fast refresh {fast:.2f} img/s vs full fine-tune {ours:.2f} img/s -> {fast / ours:.1f}x "
              f"(goal >= {goal}x); wall {fresult['wall_s']:.1f}s vs {result['wall_s']:.1f}s incl. data and validation")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
