"""The moving average of the weights (trainer.averaging): a running mean first, exponential after its horizon."""

from __future__ import annotations

import pytest
import torch
from torch.optim.swa_utils import AveragedModel

from trainer.averaging import ema_with_running_mean_start


def _averaged_after(values: list[float], decay: float) -> tuple[float, int]:
    model = torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False), torch.nn.BatchNorm1d(1))
    average = AveragedModel(model, multi_avg_fn=ema_with_running_mean_start(decay), use_buffers=True)
    for v in values:
        with torch.no_grad():
            model[0].weight.fill_(v)
            model(torch.randn(4, 1))  # a training step's forward: BatchNorm counts a batch
        average.update_parameters(model)
    return float(average.module[0].weight.detach()), int(average.module[1].num_batches_tracked)


def test_the_first_steps_are_a_running_mean_not_the_first_steps_weights_carried_on():
    # torch's plain EMA at 0.99 would still be 0.96 parts the first step's weights (0.0) after 5 steps.
    weight, batches = _averaged_after([0.0, 1.0, 2.0, 3.0, 4.0], decay=0.99)
    assert weight == pytest.approx(2.0)
    assert batches == 5                      # an integer buffer is the model's own count, not averaged


def test_past_its_horizon_the_average_is_exponential_with_the_given_decay():
    decay = 0.5                              # horizon: n / (n + 1) exceeds 0.5 from the third update on
    values = [0.0, 10.0, 4.0, 8.0]
    expected = (0.0 + 10.0) / 2              # second update: mean of two
    for v in values[2:]:
        expected = decay * expected + (1 - decay) * v
    assert _averaged_after(values, decay)[0] == pytest.approx(expected)
