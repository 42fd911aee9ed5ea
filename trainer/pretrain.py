"""Self-supervised pretraining of the backbone: general features without ImageNet.

Clinics hold far more unlabelled films than labelled ones. This stage trains
``model.features`` on every image it is given, labelled or not, to reconstruct
the image through a light decoder that is thrown away afterwards (seed paper
002: a convolutional autoencoder learns the representation, a classifier is
then trained from it). Three reconstruction objectives:

- ``"autoencoder"``: clean image in, the same image out (paper 002);
- ``"denoising"``: the image with Gaussian quantum-like noise in, the clean image out;
- ``"masked"``: 60 % of 16-pixel patches replaced by mid-grey, the loss only on
  the hidden patches (SimMIM/MAE-style masked image modelling, which works with
  a convolutional encoder and a one-layer decoder).

The decoder reads the backbone's last feature maps only (no skip connections),
so everything it reconstructs has to pass through the features that the
supervised stages fine-tune. Inputs are augmented with ``trainer.data.augment``,
the same augmentation supervised training uses.

BatchNorm: during pretraining the network sees masked or noisy images, whose
statistics differ from the clean images it will be fine-tuned and used on. At
the end the BatchNorm running statistics are re-estimated on clean images (a
forward pass without gradients), so the frozen features, a linear probe and the
supervised warm-up with a frozen backbone all see the statistics of real input.

Which images: any, labelled or not; but images of validation and test patients
are better left out (they carry no labels here, yet pretraining on them would
make the held-out figures of every later stage slightly optimistic).
``bench/bench_pretrain.py`` pretrains on the training-split patients only.

Importing this module imports torch.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.errors import InputError
from trainer.data import augment
from trainer.precision import autocast, autocast_dtype, grad_scaler

OBJECTIVES = ("masked", "denoising", "autoencoder")
# Chosen by bench/bench_pretrain.py (400-study demo, seed 11, resnet18, 64 px, 702 training-split
# images, one epoch into a two-epoch schedule, lr 1e-3): body-part linear probe on 169 held-out
# images: autoencoder 1.000, denoising 0.994, masked 0.976, random backbone 0.929. The gaps
# between objectives are 0-4 images, i.e. within noise; the fracture probe was at chance for
# all (AUC 0.40-0.47, 51 studies). Paper 002's autoencoder is the default until a larger
# measurement separates them. Longer pretraining did not help the wrist target either (issue 11,
# 1,500-study Table 2 workspace, 128 px, pretrain -> RadiNet 3 epochs -> wrist 12 epochs, training
# seeds 0-2, 300 fresh wrist studies of seed 2006): autoencoder 3 epochs 0.663 +- 0.052, autoencoder
# 12 epochs 0.607 +- 0.100, masked 12 epochs 0.627 +- 0.107.
DEFAULT_OBJECTIVE = "autoencoder"
# Every backbone in trainer.models ends at 1/32 of the input size.
OUTPUT_STRIDE = 32
MASK_PATCH = 16          # pixels per side of a masked patch
MASK_RATIO = 0.6         # SimMIM's ratio for convolutional-size patches
NOISE_SIGMA = (0.05, 0.20)  # per-image Gaussian noise level, in [0, 1] grey units
WARMUP_FRACTION = 0.05   # share of steps with a linearly rising learning rate
WEIGHT_DECAY = 0.05      # AdamW, on convolution/linear weights only (MAE's setting)


class ReconstructionDecoder(nn.Module):
    """Light decoder: last feature maps (N, C, h, w) -> image (N, 1, H, W); discarded after pretraining.

    One 3x3 convolution, then a 1x1 convolution giving each feature-map cell
    the 32x32 pixels it covers (pixel shuffle), as SimMIM's one-layer head.
    """

    def __init__(self, channels: int, hidden: int = 256, stride: int = OUTPUT_STRIDE):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, hidden, 3, padding=1), nn.GELU(),
                                  nn.Conv2d(hidden, stride * stride, 1), nn.PixelShuffle(stride))

    def forward(self, maps: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        out = self.body(maps)
        if tuple(out.shape[-2:]) != tuple(size):  # input size not a multiple of the stride
            out = F.interpolate(out, size=size, mode="bilinear", align_corners=False)
        return out


# ----------------------------------------------------------------- pure parts
def learning_rate(step: int, total_steps: int, base_lr: float, warmup_fraction: float = WARMUP_FRACTION) -> float:
    """Linear warm-up over the first steps, then cosine decay to zero (the usual self-supervised schedule)."""
    warmup = max(1, int(total_steps * warmup_fraction))
    if step < warmup:
        return base_lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, total_steps - warmup)
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def patch_mask(n: int, height: int, width: int, generator: torch.Generator,
               patch: int = MASK_PATCH, ratio: float = MASK_RATIO) -> torch.Tensor:
    """(n, 1, H, W) float mask, 1 on hidden pixels: exactly round(ratio * patches) whole patches per image."""
    gh, gw = math.ceil(height / patch), math.ceil(width / patch)
    cells = gh * gw
    hidden = min(cells - 1, max(1, round(ratio * cells)))
    ranks = torch.rand(n, cells, generator=generator).argsort(dim=1).argsort(dim=1)
    grid = (ranks < hidden).float().view(n, 1, gh, gw)
    return grid.repeat_interleave(patch, 2).repeat_interleave(patch, 3)[:, :, :height, :width]


def corrupt(x: torch.Tensor, objective: str, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(network input, loss mask or None for every pixel) for a batch x (N, 1, H, W) in [0, 1]."""
    if objective == "autoencoder":
        return x, None
    if objective == "denoising":
        n = x.shape[0]
        sigma = torch.rand(n, 1, 1, 1, generator=generator) * (NOISE_SIGMA[1] - NOISE_SIGMA[0]) + NOISE_SIGMA[0]
        noise = torch.randn(x.shape, generator=generator) * sigma
        return (x + noise).clamp(0.0, 1.0), None
    if objective == "masked":
        from trainer.models import GREY_MEAN

        mask = patch_mask(x.shape[0], x.shape[2], x.shape[3], generator)
        # Mid-grey is 0 after the model's normalisation: hidden patches carry no signal.
        return x * (1 - mask) + GREY_MEAN * mask, mask
    raise InputError(f"Unknown pretraining objective {objective!r}; choose one of {', '.join(OBJECTIVES)}.")


def reconstruction_loss(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean squared error, over the hidden pixels only when a mask is given (MAE)."""
    err = (prediction - target) ** 2
    if mask is None:
        return err.mean()
    return (err * mask).sum() / mask.sum().clamp_min(1.0)


# ------------------------------------------------------------------ BatchNorm
@torch.no_grad()
def recalibrate_batchnorm(model, arrays: np.ndarray, batch_size: int, device: torch.device,
                          stop: threading.Event | None = None, max_images: int = 512) -> bool:
    """Re-estimate the backbone's BatchNorm running statistics on clean images (cumulative average).

    Uses up to ``max_images`` images spread over ``arrays``, without augmentation,
    i.e. what inference sees. Returns False when stopped (statistics left as they were).
    """
    norms = [m for m in model.features.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms or len(arrays) < 2:
        return True  # nothing to re-estimate, or too few images to do it
    pick = np.linspace(0, len(arrays) - 1, num=min(len(arrays), max_images)).round().astype(int)
    pick = np.unique(pick)
    saved = [(m.momentum, {k: v.clone() for k, v in m.state_dict().items()}) for m in norms]
    was_training = model.features.training
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average over all batches
    model.features.train()
    completed = True
    for start in range(0, len(pick), batch_size):
        idx = pick[start:start + batch_size]
        if stop is not None and stop.is_set():
            completed = False
            break
        if len(idx) < 2:
            continue  # BatchNorm in training mode needs two samples
        x = torch.from_numpy(arrays[idx].astype(np.float32))[:, None].to(device)
        model.features(model.normalise(x))
    for m, (momentum, state) in zip(norms, saved):
        m.momentum = momentum
        if not completed:
            m.load_state_dict(state)
    model.features.train(was_training)
    return completed


# ---------------------------------------------------------------- the stage
def _check(arrays: np.ndarray, epochs: int, lr: float, batch_size: int, objective: str) -> None:
    if objective not in OBJECTIVES:
        raise InputError(f"Unknown pretraining objective {objective!r}; choose one of {', '.join(OBJECTIVES)}.")
    if not isinstance(arrays, np.ndarray) or arrays.ndim != 3 or arrays.shape[1] != arrays.shape[2]:
        raise InputError("Pretraining needs square model-ready images, an array of shape (images, size, size).")
    if len(arrays) < 2:
        raise InputError("Pretraining needs at least two images in the workspace.")
    if arrays.shape[1] < 32:
        raise InputError("Pretraining needs images of at least 32 pixels.")
    if epochs < 1 or batch_size < 2 or not (lr > 0 and math.isfinite(lr)):
        raise InputError("Pretraining needs at least one epoch, a batch size of at least 2 and a positive learning rate.")


def _param_groups(modules: list[nn.Module]) -> list[dict]:
    """Weight decay on convolution and linear weights only, never on BatchNorm or biases."""
    decay, plain = [], []
    for module in modules:
        for p in module.parameters():
            (decay if p.ndim > 1 else plain).append(p)
    return [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": plain, "weight_decay": 0.0}]


def pretrain_features(model, arrays: np.ndarray, *, epochs: int, lr: float, batch_size: int,
                      device: torch.device, stop: threading.Event, seed: int = 0,
                      objective: str = DEFAULT_OBJECTIVE, precision: str = "auto") -> Iterator[dict]:
    """Train ``model.features`` in place on a reconstruction objective; yields progress dicts.

    ``arrays``: (N, S, S) model-ready images in [0, 1] (float16 as cached by
    ``trainer.data.model_ready_arrays``), labelled or not. Yields
    ``{"kind": "batch"|"epoch", "epoch", "epochs", "batch", "batches", "loss", "eta_s"}``;
    an epoch's ``loss`` is its mean reconstruction loss. The head is not
    touched; the decoder is local and discarded. The model ends on ``device``
    in the training mode it came in.

    When ``stop`` is set the generator returns after the current batch: the
    features are then partly trained and their BatchNorm statistics not
    re-estimated, so a stopped run should not be saved as a model.

    Bad arguments raise ``InputError`` at the call, before the first event.
    """
    _check(arrays, epochs, lr, batch_size, objective)
    amp_dtype = autocast_dtype(device, precision)
    return _pretrain(model, arrays, epochs, lr, batch_size, device, stop, seed, objective, amp_dtype)


def _pretrain(model, arrays: np.ndarray, epochs: int, lr: float, batch_size: int, device: torch.device,
              stop: threading.Event, seed: int, objective: str, amp_dtype: torch.dtype | None) -> Iterator[dict]:
    n, size = len(arrays), arrays.shape[1]
    model.to(device)
    features = model.features
    with torch.random.fork_rng(devices=[]):  # a seeded decoder without touching the caller's global RNG
        torch.manual_seed(seed)
        decoder = ReconstructionDecoder(model.channels).to(device)
    was_training = model.training
    requires_grad = [p.requires_grad for p in features.parameters()]
    for p in features.parameters():
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(_param_groups([features, decoder]), lr=lr, betas=(0.9, 0.95))
    scaler = grad_scaler(device, amp_dtype)
    batch_size = min(batch_size, n)
    batches = n // batch_size  # drop the last partial batch: BatchNorm needs full-size batches
    total_steps = epochs * batches
    step, seconds_per_batch = 0, None
    started = time.perf_counter()
    try:
        features.train()
        decoder.train()
        for epoch in range(epochs):
            order = np.random.default_rng([seed, epoch]).permutation(n)
            gen = torch.Generator().manual_seed(seed * 1000 + epoch)
            running = 0.0
            for b in range(batches):
                if stop.is_set():
                    return
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(step, total_steps, lr)
                idx = np.sort(order[b * batch_size:(b + 1) * batch_size])
                clean = augment(torch.from_numpy(arrays[idx].astype(np.float32))[:, None], gen)
                corrupted, mask = corrupt(clean, objective, gen)
                target = model.normalise(clean).to(device)
                mask = mask.to(device) if mask is not None else None
                optimizer.zero_grad(set_to_none=True)
                with autocast(device, amp_dtype):
                    prediction = decoder(features(model.normalise(corrupted.to(device))), (size, size))
                loss = reconstruction_loss(prediction.float(), target, mask)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                step += 1
                value = float(loss.detach())
                running += value
                seconds_per_batch = (time.perf_counter() - started) / step
                yield {"kind": "batch", "epoch": epoch + 1, "epochs": epochs, "batch": b + 1, "batches": batches,
                       "loss": value, "eta_s": (total_steps - step) * seconds_per_batch}
            if epoch == epochs - 1 and not recalibrate_batchnorm(model, arrays, batch_size, device, stop):
                return  # stopped while re-estimating BatchNorm statistics
            yield {"kind": "epoch", "epoch": epoch + 1, "epochs": epochs, "batch": batches, "batches": batches,
                   "loss": running / max(1, batches), "eta_s": (total_steps - step) * (seconds_per_batch or 0.0)}
    finally:
        for p, flag in zip(features.parameters(), requires_grad):
            p.requires_grad_(flag)
        model.train(was_training)


@torch.no_grad()
def pooled_features(model, arrays: np.ndarray, device: torch.device, batch_size: int = 64) -> np.ndarray:
    """(N, C) globally average-pooled last feature maps, in eval mode: what the head (or a linear probe) sees."""
    was_training = model.training
    model.to(device).eval()
    out = []
    for start in range(0, len(arrays), batch_size):
        x = torch.from_numpy(arrays[start:start + batch_size].astype(np.float32))[:, None].to(device)
        maps = model.features(model.normalise(x))
        out.append(torch.flatten(F.adaptive_avg_pool2d(maps, 1), 1).float().cpu().numpy())
    model.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, model.channels), np.float32)
