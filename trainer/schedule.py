"""Learning-rate schedules and the early-stopping rule, as pure functions of plain numbers.

The loop keeps a :class:`PlateauState` (three numbers, saved in the resume
file as they are) and asks these functions what to do next; nothing here
touches torch, so every rule is a unit test away.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class PlateauState:
    """ReduceLROnPlateau's counters (the paper's schedule: factor 0.1, patience 3, floor 1e-7)."""

    lr: float
    best_loss: float = math.inf
    bad_epochs: int = 0

    def as_dict(self) -> dict:
        return {**asdict(self), "best_loss": None if math.isinf(self.best_loss) else self.best_loss}

    @classmethod
    def from_dict(cls, d: dict) -> "PlateauState":
        best = d.get("best_loss")
        return cls(lr=float(d["lr"]), best_loss=math.inf if best is None else float(best),
                   bad_epochs=int(d.get("bad_epochs", 0)))


def plateau_step(state: PlateauState, val_loss: float, *, patience: int = 3, factor: float = 0.1,
                 min_lr: float = 1e-7, threshold: float = 1e-4) -> PlateauState:
    """The state after an epoch whose validation loss was ``val_loss``.

    Improvement is relative (torch's default 'rel' mode, threshold 1e-4); after
    more than ``patience`` epochs without one the rate is multiplied by ``factor``.
    """
    if val_loss < state.best_loss * (1 - threshold):
        return PlateauState(state.lr, val_loss, 0)
    bad = state.bad_epochs + 1
    if bad > patience:
        return PlateauState(max(state.lr * factor, min_lr), state.best_loss, 0)
    return PlateauState(state.lr, state.best_loss, bad)


def cosine_warm_restarts_lr(base_lr: float, epoch: int, *, first_period: int = 4, period_mult: int = 2,
                            min_lr: float = 1e-6) -> float:
    """SGDR (Loshchilov & Hutter): cosine decay from ``base_lr`` restarting at epochs 0, 4, 12, 28, ...

    ``epoch`` counts from 0; the rate for that whole epoch is returned.
    """
    start, period = 0, first_period
    while epoch >= start + period:
        start, period = start + period, period * period_mult
    t = (epoch - start) / period
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * t))


def left_constant_prediction(val_loss: float, constant_loss: float, margin: float = 0.01) -> bool:
    """Whether the model has started to learn from the images: its validation loss is below the loss of
    the best prediction that ignores them (trainer.losses.constant_logits) by more than ``margin`` (relative).

    A random start on fine findings (a fracture line of a pixel or two) first sits at that constant
    prediction for several epochs, then its loss falls (measured on the demo: onset at epochs 5-7). Epochs
    before the onset are not "without improvement": counting them let the plateau schedule cut the rate
    tenfold and early stopping end runs before they began to learn (issue 11 note), so the loop counts
    neither until this is true. Once true it stays true for the run.
    """
    return val_loss < constant_loss * (1.0 - margin)


def should_stop_early(epochs_without_improvement: int, patience: int) -> bool:
    """Stop when the validation loss has not improved for ``patience`` epochs in a row."""
    return epochs_without_improvement >= patience
