"""The training step's arithmetic (trainer.precision): float32 on a CPU unless bf16 is asked for."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from core.errors import InputError
from trainer import precision
from trainer.epoch import run_epoch
from trainer.losses import loss_spec
from trainer.models import build_model
from trainer.precision import autocast_dtype, needs_grad_scaler
from trainer.run_data import SplitData

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


def test_cpu_default_is_float32_and_cuda_default_is_amp():
    assert autocast_dtype(CPU, "auto") is None and autocast_dtype(CPU, "fp32") is None
    assert autocast_dtype(CUDA, "auto") == torch.float16 and needs_grad_scaler(torch.float16)
    assert autocast_dtype(CUDA, "fp32") is None
    assert autocast_dtype(CUDA, "bf16") == torch.bfloat16 and not needs_grad_scaler(torch.bfloat16)


def test_unknown_precision_and_emulated_bf16_are_refused_in_one_sentence(monkeypatch):
    with pytest.raises(InputError, match="Unknown precision 'half'; choose one of auto, fp32, bf16."):
        autocast_dtype(CPU, "half")
    monkeypatch.setattr(precision, "native_bf16", lambda: False)
    with pytest.raises(InputError, match="no native bfloat16") as err:
        autocast_dtype(CPU, "bf16")
    assert str(err.value).count(".") == 1


def _conv_dtypes_in_one_step(amp_dtype) -> set:
    torch.manual_seed(0)
    model = build_model("resnet18", 1)
    seen = set()
    model.features[0].register_forward_hook(lambda m, i, out: seen.add(out.dtype))
    n = 4
    split = SplitData(samples=[None] * n, arrays=np.full((n, 32, 32), 0.5, np.float16),
                      targets=np.array([0, 1, 0, 1]), weights=np.ones(n, np.float32),
                      study_of=np.arange(n), study_ids=np.arange(n))
    spec = loss_spec("fracture", split.targets, split.weights, 2, class_weights=True, weighted_sampling=False)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    before = [p.detach().clone() for p in model.parameters()]
    steps = list(run_epoch(model, optimizer, scaler, spec, split, [np.arange(n)],
                           lambda idx: torch.from_numpy(split.arrays[idx].astype(np.float32))[:, None], CPU,
                           threading.Event(), study_level=False, amp_dtype=amp_dtype))
    assert steps[-1]["done"] and np.isfinite(steps[-1]["train_loss"])
    assert all(p.dtype == torch.float32 for p in model.parameters())         # weights stay float32
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    return seen


def test_float32_step_computes_in_float32():
    assert _conv_dtypes_in_one_step(None) == {torch.float32}


@pytest.mark.skipif(not precision.native_bf16(), reason="this CPU has no native bfloat16")
def test_bf16_step_computes_convolutions_in_bfloat16_and_keeps_float32_weights():
    assert _conv_dtypes_in_one_step(torch.bfloat16) == {torch.bfloat16}
