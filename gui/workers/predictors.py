"""The published models of a task as predictors, each opened the first time a study needs it.

Qt-free: the reading view's thread (gui/workers/predict.py) and triage's own
process (gui/workers/triage_process.py) both use it. Every study is predicted
by its body part's own published model, else by the all-parts one
(core.store.published); opening is lazy because a workspace may publish
several models and a session may never open a study of some body part.

A workstation given a ``factory`` (tests' fakes) predicts with what it returns:
a predictor is the all-parts model (a factory that ignores body parts), a
{scope: predictor} mapping gives each scope its own.
"""

from __future__ import annotations


class PublishedPredictors:
    def __init__(self, workspace, task: str = "fracture", factory=None):
        self.workspace = workspace
        self.task = task
        self.factory = factory
        self.models: dict[str, str] = {}                    # scope -> model id, as last read
        self.operating_points: dict[str, dict] = {}         # model id -> its operating points
        self._opened: dict[str, object] = {}                # model id -> predictor

    def refresh(self, store) -> bool:
        """Re-read what is published (after a publish or rollback of any scope); True when it changed."""
        before = (dict(self.models), dict(self.operating_points))
        files_changed = self._from_factory() if self.factory is not None else self._from_registry(store)
        return files_changed or (self.models, self.operating_points) != before

    def _from_factory(self) -> bool:
        made = self.factory(self.workspace)
        by_scope = made if isinstance(made, dict) else ({self.task: made} if made is not None else {})
        files_changed = any([_reloaded(p) for p in by_scope.values()])
        self.models = {s: p.model_id for s, p in by_scope.items()}
        self._opened = {p.model_id: p for p in by_scope.values()}
        self.operating_points = {p.model_id: dict(getattr(p, "operating_points", {}) or {}) for p in by_scope.values()}
        return files_changed

    def _from_registry(self, store) -> bool:
        from core.store import registry
        from core.store.published import published_models

        self.models = published_models(store, self.task)
        published = set(self.models.values())
        # An opened predictor reloads itself when its files changed (kept) or its scope's champion did
        # (closed: it could now hold another scope's model, e.g. all parts' after a wrist rollback).
        opened, self._opened, files_changed = self._opened, {}, False
        for model_id, predictor in opened.items():
            files_changed = _reloaded(predictor) or files_changed
            if predictor.model_id == model_id and model_id in published:
                self._opened[model_id] = predictor
        self.operating_points = {m: dict(registry.sidecar_of(registry.get(store, m)).get("operating_points") or {})
                                 for m in published}
        return files_changed

    def for_study(self, body_part: str | None):
        """(predictor, scope used) for a ``body_part`` study; (None, None) when no model fits it."""
        from core.store.published import pick_scope

        used = pick_scope(self.models, self.task, body_part)
        if used is None:
            return None, None
        return self.get(self.models[used]), used

    def get(self, model_id: str):
        """The predictor of a published model, opened now if no study needed it before."""
        if model_id not in self._opened:
            self._opened[model_id] = self._open(model_id)
        return self._opened[model_id]

    def _open(self, model_id: str):
        from core.store.registry import body_part_of
        from gui.services import open_predictor

        used = next(s for s, m in self.models.items() if m == model_id)
        part = body_part_of(self.task, used)
        try:
            predictor = open_predictor(self.workspace, self.task, body_part=part)
        except Exception as err:
            raise RuntimeError(f"the {_model_words(self.task, used)} {model_id} could not be opened ({err})") from err
        if predictor is None:
            raise RuntimeError(f"the {_model_words(self.task, used)} {model_id} is no longer published")
        return predictor


def _reloaded(predictor) -> bool:
    """True when the predictor reloaded because its model was replaced or its files rewritten."""
    try:
        return bool(getattr(predictor, "reload_if_changed", lambda: False)())
    except Exception:  # noqa: BLE001 - it keeps the model it had; a study that needs it says what fails
        return False


def _model_words(task: str, used_scope: str) -> str:
    from core.store.registry import ALL_PARTS, body_part_of

    part = body_part_of(task, used_scope)
    return "all-parts model" if part == ALL_PARTS else f"{part} model"
