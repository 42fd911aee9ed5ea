"""Predictions in the background: current study first, then the rest of the worklist.

The thread owns its predictors (onnxruntime path, no torch; one per published
model, gui/workers/predictors.py) and its own Store. Each study is predicted by
its body part's own published model, else by the all-parts one, and the
payload says which.
Results are cached in the workspace: study and view probabilities in the
``predictions`` table and heatmaps under W/heatmaps in core.store.heatmaps'
format (float16 .npy, loaded without pickle -- the same files and loader as
``radinet predict --heatmap-dir``), so a study is computed once per model.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal


class PredictionThread(QThread):
    # {"models": {scope: model_id}, "operating_points": {model_id: {...}}}, or None ("No model yet")
    model_changed = Signal(object)
    # study_id, {"model_id", "scope", "model_text", "probability", "tier", "views": [...]}
    predicted = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, workspace, task: str = "fracture", predictor_factory=None, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.task = task
        self.predictor_factory = predictor_factory
        self._cond = threading.Condition()
        self._queue: list[tuple[int, list | None]] = []
        self._stop = False
        self._reload = False
        self.predictors = None              # gui.workers.predictors.PublishedPredictors, once run() starts

    # ------------------------------------------------------ GUI-thread API
    def request(self, study_id: int, images: list | None = None, first: bool = True) -> None:
        """Queue a study (``images``: already-decoded views, to skip decoding again)."""
        with self._cond:
            self._queue = [(s, i) for s, i in self._queue if s != study_id]
            if first:
                self._queue.insert(0, (study_id, images))
            else:
                self._queue.append((study_id, images))
            self._cond.notify()

    def request_many(self, study_ids: list[int]) -> None:
        with self._cond:
            queued = {s for s, _ in self._queue}
            self._queue.extend((s, None) for s in study_ids if s not in queued)
            self._cond.notify()

    def reload_model(self) -> None:
        """Pick up a newly published or rolled-back model of any scope (after training) without restarting."""
        with self._cond:
            self._reload = True
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    # ------------------------------------------------------- worker thread
    def run(self) -> None:
        from gui.workers.predictors import PublishedPredictors

        store = self.workspace.connect()
        self.predictors = PublishedPredictors(self.workspace, self.task, self.predictor_factory)
        try:
            self._read_models(store, announce=True)
            while True:
                with self._cond:
                    while not self._stop and not self._reload and not self._queue:
                        self._cond.wait()
                    if self._stop:
                        return
                    reload, self._reload = self._reload, False
                    item = None if reload else self._queue.pop(0)
                if reload:
                    self._read_models(store, announce=False)
                    continue
                if not self.predictors.models:
                    continue
                study_id, images = item
                try:
                    payload = self._predict(store, study_id, images)
                except Exception as err:  # noqa: BLE001 - one bad study must not stop the others
                    self.failed.emit(study_id, f"No prediction for this study: {err}")
                else:
                    if payload is not None:
                        self.predicted.emit(study_id, payload)
        finally:
            store.close()

    def _read_models(self, store, announce: bool) -> None:
        """Read what is published; announce it the first time, and later whenever it changed."""
        try:
            changed = self.predictors.refresh(store)
        except Exception as err:  # noqa: BLE001 - unreadable (or a factory that fails): "no model", said once
            self.predictors.models, self.predictors.operating_points = {}, {}
            self.failed.emit(0, f"The published models could not be opened: {err}")
            changed = True
        if announce or changed:
            self._announce()

    def _announce(self) -> None:
        models = dict(self.predictors.models)
        self.model_changed.emit({"models": models, "operating_points": dict(self.predictors.operating_points)}
                                if models else None)

    def _predict(self, store, study_id: int, images: list | None) -> dict | None:
        """The study's payload from its own model (cached or computed); None when no published model fits it."""
        from core.store.published import which_model
        from gui.services import load_display_image, tier_of
        from gui.workers.triage_pass import predict_and_record

        study = store.study(study_id)
        body_part = study["body_part"] if study is not None else None
        predictor, used = self.predictors.for_study(body_part)
        if predictor is None:
            return None
        model_id = predictor.model_id
        which = {"model_id": model_id, "scope": used, "model_text": which_model(self.task, used, body_part, model_id)}
        ops = dict(getattr(predictor, "operating_points", {}) or {})
        image_rows = store.images(study_id)
        cached = store.latest_predictions(study_id, self.task, model_id)
        if cached and len(cached) == len(image_rows) + 1:
            return {**which, **self._from_cache(study_id, cached, ops)}
        if images is None:
            images = [load_display_image(r["source_path"]) for r in image_rows]
        usable = [(r, im) for r, im in zip(image_rows, images) if im is not None]
        if not usable:
            raise RuntimeError("none of its images could be decoded")
        result = predict_and_record(self.workspace, store, predictor, study_id, usable, self.task)
        views = [{"image_id": r["id"], "probability": float(view.probability), "heatmap": view.heatmap,
                  "heatmap_note": None if view.heatmap is not None else "This model gives no heatmap."}
                 for (r, _), view in zip(usable, result.views)]
        return {**which, "probability": float(result.probability),
                "tier": getattr(result, "tier", None) or tier_of(result.probability, ops), "views": views}

    def _from_cache(self, study_id: int, cached, ops: dict) -> dict:
        from core.errors import RadinetError
        from core.store.heatmaps import load_heatmap
        from gui.services import tier_of

        study_p, views = None, []
        for row in cached:
            if row["image_id"] is None:
                study_p = float(row["probability"])
                continue
            heat, note = None, None
            if not row["heatmap_path"]:
                note = "No heatmap was saved with this prediction (made without --heatmap-dir)."
            else:
                try:
                    heat = load_heatmap(row["heatmap_path"])
                except RadinetError as err:    # the probability still stands; say why the heatmap does not
                    note = str(err)
            views.append({"image_id": row["image_id"], "probability": float(row["probability"]), "heatmap": heat,
                          "heatmap_note": note})
        return {"probability": study_p, "tier": tier_of(study_p, ops), "views": views, "cached": True}
