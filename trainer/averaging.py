"""The moving average of the weights that ``--ema`` validates and keeps (torch.optim.swa_utils.AveragedModel).

An exponential moving average starts from the first step's weights and carries them for about
1 / (1 - decay) steps: 100 steps at 0.99, most of a short run (a small clinic's target trains a few
hundred steps). So its first steps are a plain running mean, step n's decay min(decay, n / (n + 1)), and the
average is the exponential one once the run is longer than its horizon. TensorFlow's
ExponentialMovingAverage (num_updates) warms its decay up the same way, with (1 + n) / (10 + n).
"""

from __future__ import annotations

import torch


def ema_with_running_mean_start(decay: float):
    """A ``multi_avg_fn`` for AveragedModel: lists of averaged and current tensors, and how many updates
    the average holds already (AveragedModel copies the weights on the first update itself)."""

    @torch.no_grad()
    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], n_averaged: torch.Tensor) -> None:
        n = int(n_averaged)
        step_decay = min(decay, n / (n + 1))
        for a, c in zip(averaged, current, strict=True):
            if a.is_floating_point():
                a.lerp_(c, 1 - step_decay)
            else:  # BatchNorm's batch count: an integer, not an average
                a.copy_(c)

    return update
