"""The background trainer: a QThread that iterates ``trainer.loop.train``.

torch is imported here, inside ``run`` -- never at GUI start-up. Stop sets a
threading.Event the trainer checks every batch. Progress events cross to the
GUI thread as queued signals; batch events are thinned to about ten a second
so a fast loop cannot flood the event queue. While it runs, the workspace
carries core.store.activity's marker, so another program (the command line,
a second window) can tell that a training run is in progress.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread, Signal


class TrainingThread(QThread):
    event = Signal(object)          # a trainer ProgressEvent
    failed = Signal(str)

    def __init__(self, workspace, config_fields: dict, train_fn=None, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.config_fields = dict(config_fields)
        self.train_fn = train_fn           # tests inject a fake generator with the same signature
        self.stop_event = threading.Event()
        self.result: dict | None = None

    def stop(self) -> None:
        self.stop_event.set()

    def run(self) -> None:  # worker thread
        from core.store.activity import training_marker

        with training_marker(self.workspace.path, self.config_fields.get("stage", "?"), "workstation"):
            self._run()

    def _run(self) -> None:
        from core.errors import RadinetError

        try:
            if self.train_fn is None:
                from trainer.loop import TrainConfig, train   # imports torch, in this thread only

                config = TrainConfig(**self.config_fields)
                events = train(config, self.workspace, self.stop_event)
            else:
                events = self.train_fn(self.config_fields, self.workspace, self.stop_event)
            last_batch = 0.0
            for ev in events:
                if ev.kind == "batch":
                    now = time.monotonic()
                    if now - last_batch < 0.1 and ev.batch != ev.batches:
                        continue
                    last_batch = now
                if ev.kind == "done":
                    self.result = ev.result
                self.event.emit(ev)
        except RadinetError as err:
            self.failed.emit(str(err))
        except ImportError as err:
            self.failed.emit(f"Training is not available in this installation ({err.name or err}).")
        except Exception as err:  # noqa: BLE001 - shown in the dock's log
            self.failed.emit(f"Training stopped: {err.__class__.__name__}: {err}")
