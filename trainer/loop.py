"""``train(config, workspace, stop)``: the public entry point of training (a generator of ProgressEvents).

Kept as the stable import path for the GUI worker, the CLI and torchrun; the
run itself reads top to bottom in trainer.fit, with its parts in
trainer.run_data (images), trainer.losses, trainer.epoch (one pass),
trainer.evaluate, trainer.schedule (pure LR/stopping rules) and
trainer.publish (checkpoint -> registry -> promotion rule -> ONNX).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from trainer.config import STAGES, ProgressEvent, TrainConfig  # noqa: F401 - public names
from trainer.fit import fit


def train(config: TrainConfig, workspace, stop: threading.Event | None = None) -> Iterator[ProgressEvent]:
    """Train one stage; yields progress events, the last one of kind "done" with the result."""
    return fit(config, workspace, stop)
