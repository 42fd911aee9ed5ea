"""One pass over the training split: batches in a seeded order, one optimiser step each.

Image level: a batch is ``batch_size`` images. Study level (multiple-instance
fracture training): a batch is whole studies, about ``batch_size`` images, and
the loss is taken on each study's pooled logit (trainer.losses).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np
import torch

from trainer.losses import LossSpec, pooled_logits, weighted_loss
from trainer.precision import autocast
from trainer.run_data import SplitData


def batch_plan(split: SplitData, *, batch_size: int, seed: int, epoch: int, study_level: bool,
               weighted_sampling: bool, n_classes: int, rank: int = 0, world: int = 1) -> list[np.ndarray]:
    """Image indices of each batch of this epoch, for this process (every process gets as many batches)."""
    rng = np.random.default_rng([seed, epoch])
    if study_level:
        groups = split.study_groups()
        units_target, units_weight = split.study_targets(), split.study_weights()
    else:
        groups = [np.array([i]) for i in range(len(split))]
        units_target, units_weight = split.targets, split.weights
    n = len(groups)
    if weighted_sampling:
        freq = np.bincount(units_target, minlength=n_classes)[units_target]
        p = units_weight / np.maximum(freq, 1)
        order = rng.choice(n, size=n, replace=True, p=p / p.sum())
    else:
        order = rng.permutation(n)

    def batches_of(units: np.ndarray) -> list[np.ndarray]:
        batches, current, count = [], [], 0
        for unit in units:
            current.append(groups[unit])
            count += len(groups[unit])
            if count >= batch_size:
                batches.append(np.concatenate(current))
                current, count = [], 0
        if current and (count >= 2 or not batches):
            batches.append(np.concatenate(current))
        return batches

    if world == 1:
        return batches_of(order)
    # DDP needs the same number of steps on every process: each takes its shard, all keep the shortest count.
    per_rank = [batches_of(order[r::world][:n // world]) for r in range(world)]
    steps = min(len(b) for b in per_rank)
    return per_rank[rank][:steps]


def batch_loss(module, spec: LossSpec, x: torch.Tensor, split: SplitData, idx: np.ndarray, device,
               study_level: bool) -> torch.Tensor:
    logits = module(x)
    target = torch.from_numpy(split.targets[idx]).to(device)
    weight = torch.from_numpy(split.weights[idx]).to(device)
    if not study_level:
        return weighted_loss(spec, logits, target, weight)
    # Pool each study's views; its label and weight are those of any of its views.
    _, first, group = np.unique(split.study_of[idx], return_index=True, return_inverse=True)
    group_t = torch.from_numpy(group.astype(np.int64)).to(device)
    pooled = pooled_logits(logits.float(), group_t, len(first))
    return weighted_loss(spec, pooled, target[torch.from_numpy(first).to(device)],
                         weight[torch.from_numpy(first).to(device)])


def run_epoch(module, optimizer, scaler, spec: LossSpec, split: SplitData, batches: list[np.ndarray],
              make_input: Callable[[np.ndarray], torch.Tensor], device, stop, *, study_level: bool,
              amp_dtype: torch.dtype | None) -> Iterator[dict]:
    """Yields {"batch", "batches", "loss", "seconds_per_batch"} per step, then {"done": True, ...} or
    {"stopped": True} if the stop flag was raised (the epoch is then abandoned)."""
    module.train()
    running, seen, t0 = 0.0, 0, time.perf_counter()
    for b, idx in enumerate(batches):
        if stop.is_set():
            yield {"stopped": True}
            return
        if len(idx) < 2:
            continue  # BatchNorm needs two samples
        x = make_input(idx)
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, amp_dtype):
            loss = batch_loss(module, spec, x, split, idx, device, study_level)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        value = float(loss.detach())
        running += value * len(idx)
        seen += len(idx)
        yield {"batch": b + 1, "batches": len(batches), "loss": value,
               "seconds_per_batch": (time.perf_counter() - t0) / (b + 1)}
    yield {"done": True, "train_loss": running / max(seen, 1), "seen": seen, "seconds": time.perf_counter() - t0}
