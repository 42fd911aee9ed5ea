"""Which studies the published model has not predicted yet, newest first (the triage worker's queue).

The worklist's AI column is only as useful as it is complete: a background
worker predicts every study the published model has not seen, so the reader
can sort by probability and read the likely fractures first. Newest first
because the newest studies are the ones waiting to be read. A study counts
as predicted once its study-level row (``predictions.image_id IS NULL``)
exists for that model: the predictor writes it last, after every view's row,
so a study interrupted half way is predicted again.
"""

from __future__ import annotations

# (0008,0020) Study Date is YYYYMMDD text, so text order is date order; studies without
# a date go last, and among equals the later import (higher id) first.
_UNPREDICTED = """
    SELECT s.id FROM studies s
    WHERE EXISTS (SELECT 1 FROM images i WHERE i.study_id = s.id)
      AND NOT EXISTS (SELECT 1 FROM predictions p
                      WHERE p.study_id = s.id AND p.task = ? AND p.model_id = ? AND p.image_id IS NULL)
    ORDER BY (s.study_date IS NULL OR s.study_date = ''), s.study_date DESC, s.id DESC
"""


def studies_to_predict(store, model_id: str, task: str = "fracture") -> list[int]:
    """Ids of the studies with images that ``model_id`` has no study-level prediction for, newest first."""
    return [row[0] for row in store.execute(_UNPREDICTED, (task, model_id)).fetchall()]


def count_predicted(store, model_id: str, task: str = "fracture") -> int:
    """How many studies ``model_id`` has a study-level prediction for."""
    return store.execute("SELECT COUNT(DISTINCT study_id) FROM predictions WHERE task = ? AND model_id = ? "
                         "AND image_id IS NULL", (task, model_id)).fetchone()[0]
