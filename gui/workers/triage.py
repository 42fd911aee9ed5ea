"""Triage: predict every study its published model has not predicted yet, newest first, in the background.

A study's model is its body part's own published model, else the all-parts
one (core.store.published); a study with neither waits for one.

The worklist's AI column fills in as this runs, so the reader can sort by it
and read the likely fractures first. After a model change (training
published one, a model was published or rolled back by hand, or the command
line did it) :meth:`TriageThread.restart` re-reads the published models and
starts over with the studies *they* have not predicted; an import or the demo
build restarts it too, to pick up the new studies. The study the reader
opens is predicted by gui/workers/predict.py first; this thread skips any
study already predicted by the time it gets there.

Each pass runs in its own lower-priority process (gui/workers/triage_process.py:
in a thread of this process it delayed the reader's event loop); this
thread starts it, turns its messages into signals and asks it to stop
between two studies, so stopping or restarting takes at most one study's
time. A workstation given a predictor (tests' fakes) runs the pass here.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal


class TriageThread(QThread):
    triaged = Signal(int, str, float)        # study_id, model_id, study probability
    progress = Signal(int, int, str)         # done, total, models (core.store.published.describe; "" when none)
    failed = Signal(int, str)                # study_id (0: the model itself), why

    def __init__(self, workspace, task: str = "fracture", predictor_factory=None, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.task = task
        self.predictor_factory = predictor_factory
        self._cond = threading.Condition()
        self._restart = False
        self._stop = False
        self.done = 0
        self.total = 0
        # The pass's models in words (core.store.published.describe): one all-parts model is just its id.
        self.model_id: str | None = None

    # ------------------------------------------------------ GUI-thread API
    def restart(self) -> None:
        """Start over: re-read the published models and the studies they have not predicted."""
        with self._cond:
            self._restart = True
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    # ------------------------------------------------------- worker thread
    def _interrupted(self) -> bool:
        with self._cond:
            return self._stop or self._restart

    def run(self) -> None:
        while True:
            with self._cond:
                while not self._stop and not self._restart:
                    self._cond.wait()
                if self._stop:
                    return
                self._restart = False
            if self.predictor_factory is not None:
                self._pass_here()
            else:
                self._pass_in_child()

    def _handle(self, message: tuple) -> bool:
        """Turn one message of gui.workers.triage_process into signals; True at the end of the pass."""
        kind = message[0]
        if kind == "model":
            # done first, models last: whoever sees the new models sees their counts too
            self.done, self.total, self.model_id = 0, int(message[2]), (message[1] or None)
            self.progress.emit(0, self.total, message[1])
        elif kind == "triaged":
            self.triaged.emit(int(message[1]), str(message[2]), float(message[3]))
        elif kind == "failed":
            self.failed.emit(int(message[1]), str(message[2]))
        elif kind == "progress":
            self.done = int(message[1])
            self.progress.emit(self.done, self.total, self.model_id or "")
        return kind == "end"

    def _pass_here(self) -> None:
        """A pass in this thread, with the predictor the workstation was given (tests' fakes)."""
        from gui.workers.triage_process import triage_pass

        thread = self

        class _Messages:
            def put(self, message):
                thread._handle(message)

        class _Interrupted:
            def is_set(self):
                return thread._interrupted()

        triage_pass(str(self.workspace.path), self.task, _Messages(), _Interrupted(),
                    open_predictor=self.predictor_factory)

    def _pass_in_child(self) -> None:
        """A pass in its own lower-priority process (gui.workers.triage_process says why)."""
        from core.store.published import published_models
        from gui.workers.child_process import ChildEnded, relay, start_child
        from gui.workers.triage_process import run_pass

        try:                                            # nothing published: no process to start
            with self.workspace.connect() as store:
                published = bool(published_models(store, self.task))
        except Exception:  # noqa: BLE001 - a busy or damaged database: the child finds out and says it
            published = True
        if not published:
            self._handle(("model", "", 0))
            return
        try:
            child, messages, stop = start_child(run_pass, (str(self.workspace.path), self.task), "radinet-triage")
        except (OSError, RuntimeError) as err:  # no triage; reading works without it
            self.failed.emit(0, f"Triage could not start its process ({err}); studies are predicted when opened.")
            return
        try:
            for message in relay(child, messages, stop, self._interrupted, poll_s=0.2):
                self._handle(message)
        except ChildEnded as ended:
            if not stop.is_set():
                self.failed.emit(0, f"Triage ended unexpectedly (exit code {ended.exitcode}); "
                                    "studies are still predicted when opened.")
