"""Which floating-point type the training step computes in (autocast), per device.

- CUDA: float16 autocast with a gradient scaler (AMP), as before.
- CPU: float32 unless ``bf16`` is asked for. bfloat16 autocast is only worth it
  on CPUs that compute it natively (AVX512-BF16 or AMX); elsewhere oneDNN
  emulates it and it is slower than float32. ``bench/bench_train_precision.py``
  measures the speed; whether it keeps the model's quality is measured with
  ``bench/bench_single_part.py`` (PRECISION=bf16) before it may become a default.

BatchNorm, the loss and the weights stay float32 under autocast; only
convolutions and matrix products run in the lower precision. Evaluation and
export always run in float32, so validation losses stay comparable across runs.
"""

from __future__ import annotations

import torch

from core.errors import InputError
from trainer.config import PRECISIONS


def native_bf16() -> bool:
    """True when this CPU computes bfloat16 in hardware (oneDNN's own test)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def autocast_dtype(device: torch.device, precision: str) -> torch.dtype | None:
    """The autocast dtype for a training step on ``device``; None: plain float32."""
    if precision not in PRECISIONS:
        raise InputError(f"Unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}.")
    if device.type == "cuda":
        return torch.bfloat16 if precision == "bf16" else (None if precision == "fp32" else torch.float16)
    if precision == "bf16":
        if not native_bf16():
            raise InputError("This processor has no native bfloat16 (AVX512-BF16 or AMX); "
                             "train with --precision fp32.")
        return torch.bfloat16
    return None


def needs_grad_scaler(dtype: torch.dtype | None) -> bool:
    """float16 gradients underflow without scaling; bfloat16 has float32's range and needs none."""
    return dtype == torch.float16


def grad_scaler(device: torch.device, dtype: torch.dtype | None) -> torch.amp.GradScaler:
    """The step's gradient scaler: a pass-through unless ``dtype`` is float16."""
    return torch.amp.GradScaler(device.type, enabled=needs_grad_scaler(dtype))


def autocast(device: torch.device, dtype: torch.dtype | None):
    """The forward pass's autocast context: ``dtype``, or plain float32 when None."""
    return torch.autocast(device_type=device.type, dtype=dtype or torch.float32, enabled=dtype is not None)
