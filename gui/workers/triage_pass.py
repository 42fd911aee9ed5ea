"""One study through the published model, written to the workspace: the triage worker's unit of work.

Qt-free (the QThread around it is gui/workers/triage.py). It writes exactly
what the reading view's predictor writes (gui/workers/predict.py): one row
per view with its heatmap file, then the study-level row -- so opening a
triaged study later shows its probability and heatmaps from the workspace
instead of predicting again. The heatmap comes with the forward pass (CAM is
an output of the exported model), so keeping it costs a resize and a file
write, not a second pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Triaged:
    study_id: int
    model_id: str
    probability: float
    views: int
    skipped: int          # views that could not be decoded


def already_predicted(store, study_id: int, model_id: str, task: str) -> bool:
    """True when every view and the study already have a row of this model (e.g. the reader opened it)."""
    rows = store.latest_predictions(study_id, task, model_id)
    return bool(rows) and len(rows) == len(store.images(study_id)) + 1


def predict_and_store(workspace, store, predictor, study_id: int, task: str = "fracture") -> Triaged | None:
    """Decode, predict and record one study; None when it was predicted meanwhile.

    Raises RadinetError (or another exception) when none of its views can be used;
    the caller reports it and goes on with the next study.
    """
    from core.errors import InputError
    from gui.services import load_display_image

    model_id = predictor.model_id
    if already_predicted(store, study_id, model_id, task):
        return None
    image_rows = store.images(study_id)
    usable, skipped = [], 0
    for row in image_rows:
        try:
            usable.append((row, load_display_image(row["source_path"])))
        except Exception:  # noqa: BLE001 - a damaged view is skipped; the study is judged on the others
            skipped += 1
    if not usable:
        raise InputError("None of this study's images could be decoded, so it has no prediction.")
    result = predict_and_record(workspace, store, predictor, study_id, usable, task)
    return Triaged(study_id, model_id, float(result.probability), len(usable), skipped)


def predict_and_record(workspace, store, predictor, study_id: int, usable: list, task: str):
    """Predict a study from its decoded views ``[(image row, DisplayImage)]`` and record it: a heatmap
    file and a row per view, then the study's row. The one recording path of triage and the reading view."""
    from core.store.heatmaps import heatmap_file, save_heatmap

    model_id = predictor.model_id
    result = predictor.predict_study([im.source if im.source is not None else im for _, im in usable],
                                     study_id=study_id, image_ids=[r["id"] for r, _ in usable])
    rows = []
    for (r, _), view in zip(usable, result.views):
        path = None
        if view.heatmap is not None:
            path = save_heatmap(heatmap_file(workspace.heatmaps_dir, model_id, r["id"]), view.heatmap)
        rows.append({"study_id": study_id, "image_id": r["id"], "model_id": model_id, "task": task,
                     "probability": float(view.probability), "heatmap_path": str(path) if path else None})
    # The study row goes last: core.store.triage counts a study as predicted once it exists.
    rows.append({"study_id": study_id, "image_id": None, "model_id": model_id, "task": task,
                 "probability": float(result.probability), "heatmap_path": None})
    store.add_predictions(rows)
    return result
