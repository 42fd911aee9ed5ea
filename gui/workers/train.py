"""The background trainer: a QThread that runs ``trainer.loop.train`` in a child process and relays its events.

torch is imported only in the child process -- never in the GUI process.
The child (gui.workers.train_process) runs the trainer and puts its events
on a queue; this thread reads them and emits them as queued signals (batch
events thinned to about ten a second). Stop sets an event the trainer checks
every batch. A train_fn injected by tests runs in this thread instead (a
closure cannot cross to another process). While it runs, the workspace
carries core.store.activity's marker, so another program (the command line,
a second window) can tell that a training run is in progress.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal

from gui.workers.child_process import ChildEnded, relay, start_child
from gui.workers.train_process import run_training, thin_batches


class TrainingThread(QThread):
    event = Signal(object)          # a trainer ProgressEvent
    failed = Signal(str)

    def __init__(self, workspace, config_fields: dict, train_fn=None, parent=None, in_process: bool | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.config_fields = dict(config_fields)
        self.train_fn = train_fn           # tests inject a fake generator with the same signature
        # The real trainer runs in its own process; an injected function in this thread unless asked.
        self.in_process = (train_fn is None) if in_process is None else in_process
        self.stop_event = threading.Event()
        self.result: dict | None = None

    def stop(self) -> None:
        self.stop_event.set()

    def run(self) -> None:  # worker thread
        from core.store.activity import training_marker

        with training_marker(self.workspace.path, self.config_fields.get("stage", "?"), "workstation"):
            if self.in_process:
                self._run_process()
            else:
                self._run_here()

    def _emit(self, ev) -> None:
        if ev.kind == "done":
            self.result = ev.result
        self.event.emit(ev)

    def _run_process(self) -> None:
        try:
            child, messages, stop = start_child(
                run_training, (self.train_fn, self.config_fields, str(self.workspace.path)), "radinet-training")
        except (OSError, RuntimeError) as err:   # no process could be made: say so instead of dying silently
            self.failed.emit(f"The training process could not be started ({err.__class__.__name__}: "
                             f"{str(err).strip().splitlines()[0]}).")
            return
        try:
            for kind, payload in relay(child, messages, stop, self.stop_event.is_set):
                if kind == "event":
                    self._emit(payload)
                elif kind == "failed":
                    self.failed.emit(payload)
        except ChildEnded as ended:
            self.failed.emit(f"The training process ended unexpectedly (exit code {ended.exitcode}); "
                             "nothing was published.")

    def _run_here(self) -> None:
        from core.errors import RadinetError

        try:
            for ev in thin_batches(self.train_fn(self.config_fields, self.workspace, self.stop_event)):
                self._emit(ev)
        except RadinetError as err:
            self.failed.emit(str(err))
        except ImportError as err:
            self.failed.emit(f"Training is not available in this installation ({err.name or err}).")
        except Exception as err:  # noqa: BLE001 - shown in the dock's log
            self.failed.emit(f"Training stopped: {err.__class__.__name__}: {err}")
