"""Triage: predict every study the published model has not predicted yet, newest first, in the background.

The worklist's AI column fills in as this runs, so the reader can sort by it
and read the likely fractures first. After a model change (training
published one, a model was published or rolled back by hand, or the command
line did it) :meth:`TriageThread.restart` re-reads the published model and
starts over with the studies *it* has not predicted; an import or the demo
build restarts it too, to pick up the new studies. The study the reader
opens is predicted by gui/workers/predict.py first; this thread skips any
study already predicted by the time it gets there.

It runs at low priority and checks its flags between studies, so stopping
or restarting takes at most one study's time.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal

from gui.workers.triage_pass import predict_and_store


class TriageThread(QThread):
    triaged = Signal(int, str, float)        # study_id, model_id, study probability
    progress = Signal(int, int, str)         # done, total, model_id ("" when no model is published)
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
        self.model_id: str | None = None

    # ------------------------------------------------------ GUI-thread API
    def restart(self) -> None:
        """Start over: re-read the published model and the studies it has not predicted."""
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
        store = self.workspace.connect()
        try:
            while True:
                with self._cond:
                    while not self._stop and not self._restart:
                        self._cond.wait()
                    if self._stop:
                        return
                    self._restart = False
                self._one_pass(store)
        finally:
            store.close()

    def _open_predictor(self):
        if self.predictor_factory is not None:
            return self.predictor_factory(self.workspace)
        from gui.services import open_predictor

        return open_predictor(self.workspace, self.task)

    def _one_pass(self, store) -> None:
        from core.store.triage import studies_to_predict

        try:
            predictor = self._open_predictor()
        except Exception as err:  # noqa: BLE001 - the reading view says the same; here: no triage
            self.failed.emit(0, f"Triage paused: the published model could not be opened ({err}).")
            return
        if predictor is None:
            self.model_id, self.done, self.total = None, 0, 0
            self.progress.emit(0, 0, "")
            return
        self.model_id = predictor.model_id
        todo = studies_to_predict(store, predictor.model_id, self.task)
        self.done, self.total = 0, len(todo)
        self.progress.emit(0, self.total, self.model_id)
        for study_id in todo:
            if self._interrupted():
                return
            try:
                result = predict_and_store(self.workspace, store, predictor, study_id, self.task)
            except Exception as err:  # noqa: BLE001 - one bad study must not stop the others
                self.failed.emit(study_id, f"No prediction for this study: {err}")
            else:
                if result is not None:
                    self.triaged.emit(study_id, result.model_id, result.probability)
            self.done += 1
            self.progress.emit(self.done, self.total, self.model_id)
