"""The training run's own process: iterates the trainer and sends its events back over a queue.

Training in a thread of the GUI process shares the interpreter lock with the
GUI thread: every pure-Python step of the trainer (data preparation,
augmentation, bookkeeping) delays the event loop. In its own process the
trainer competes only for processor time, which the operating system shares
fairly, so reading stays smooth while it trains (bench/bench_gui_eventloop.py).
This module imports no Qt: it is what the child process runs.
"""

from __future__ import annotations

import time

# Messages on the queue: ("event", ProgressEvent) | ("failed", sentence) | ("end", None).
BATCH_EVENTS_PER_SECOND = 10
# The trainer yields the processor to the reader: on a 2-core laptop the GUI process must win.
TRAINING_NICENESS = 10


def thin_batches(events):
    """Keep about ten batch events a second (and every epoch's last batch); all other events pass."""
    last = 0.0
    for ev in events:
        if ev.kind == "batch":
            now = time.monotonic()
            if now - last < 1.0 / BATCH_EVENTS_PER_SECOND and ev.batch != ev.batches:
                continue
            last = now
        yield ev


def run_training(train_fn, config_fields: dict, workspace_path: str, queue, stop) -> None:
    """Child process entry: ``train_fn`` None means trainer.loop.train (torch is imported here only)."""
    from core.errors import RadinetError
    from core.store.workspace import Workspace
    from gui.workers.child_process import lower_priority

    lower_priority(TRAINING_NICENESS)
    try:
        workspace = Workspace.open(workspace_path, create=False)
        if train_fn is None:
            from trainer.loop import TrainConfig, train

            events = train(TrainConfig(**config_fields), workspace, stop)
        else:
            events = train_fn(config_fields, workspace, stop)
        for ev in thin_batches(events):
            queue.put(("event", ev))
    except RadinetError as err:
        queue.put(("failed", str(err)))
    except ImportError as err:
        queue.put(("failed", f"Training is not available in this installation ({err.name or err})."))
    except Exception as err:  # noqa: BLE001 - shown in the dock's log
        queue.put(("failed", f"Training stopped: {err.__class__.__name__}: {err}"))
    finally:
        queue.put(("end", None))
