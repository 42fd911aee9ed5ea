"""Which studies the published models have not predicted yet, newest first (the triage worker's queue).

The worklist's AI column is only as useful as it is complete: a background
worker predicts every study its model has not seen, so the reader can sort
by probability and read the likely fractures first. A study's model is its
body part's own published model, else the all-parts one
(core.store.published.pick_model); a study with neither waits. Newest first
because the newest studies are the ones waiting to be read. A study counts
as predicted once its study-level row (``predictions.image_id IS NULL``)
exists for its model: the predictor writes it last, after every view's row,
so a study interrupted half way is predicted again.
"""

from __future__ import annotations

from core.store.published import pick_model

# (0008,0020) Study Date is YYYYMMDD text, so text order is date order; studies without
# a date go last, and among equals the later import (higher id) first.
_WITH_IMAGES = """
    SELECT s.id, s.body_part FROM studies s
    WHERE EXISTS (SELECT 1 FROM images i WHERE i.study_id = s.id)
    ORDER BY (s.study_date IS NULL OR s.study_date = ''), s.study_date DESC, s.id DESC
"""

_PREDICTED = "SELECT DISTINCT study_id, model_id FROM predictions WHERE task = ? AND image_id IS NULL"


def studies_to_predict(store, models: dict[str, str], task: str = "fracture") -> list[tuple[int, str]]:
    """(study id, model id) of every study with images that its model has no study-level prediction
    for, newest first. ``models``: the published {scope: model id} (core.store.published.published_models)."""
    predicted = set(map(tuple, store.execute(_PREDICTED, (task,)).fetchall()))
    todo = []
    for study_id, body_part in store.execute(_WITH_IMAGES).fetchall():
        model_id = pick_model(models, task, body_part)
        if model_id is not None and (study_id, model_id) not in predicted:
            todo.append((study_id, model_id))
    return todo


def count_up_to_date(store, models: dict[str, str], task: str = "fracture") -> int:
    """How many studies have a study-level prediction of their own model (``models`` as above)."""
    predicted = set(map(tuple, store.execute(_PREDICTED, (task,)).fetchall()))
    return sum((study_id, pick_model(models, task, body_part)) in predicted
               for study_id, body_part in store.execute(_WITH_IMAGES).fetchall())


def count_predicted(store, model_id: str, task: str = "fracture") -> int:
    """How many studies ``model_id`` has a study-level prediction for (one model, whichever studies it covers)."""
    return store.execute("SELECT COUNT(DISTINCT study_id) FROM predictions WHERE task = ? AND model_id = ? "
                         "AND image_id IS NULL", (task, model_id)).fetchone()[0]
