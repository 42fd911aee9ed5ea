"""The worklist: one row per study with its label, source, probability and difficulty.

Loaded with a handful of set-based queries (milliseconds on a local SQLite
file), filtered and ordered in plain Python. The GUI's table model, the CLI
and the tests all read the same rows; nothing here knows about Qt.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from core.store.published import pick_model

FILTERS = {
    "all": "All studies",
    "unlabelled": "Unlabelled",
    "awaiting": "Report-labelled, awaiting confirmation",
    "disagree": "Model and report disagree",
    "uncertain": "Most uncertain first",
    "difficult": "Difficult",
}

# The newest live radiologist grade of each study: neither a retraction nor retracted.
_CURRENT_GRADES = """
    SELECT study_id, grade FROM difficulty d WHERE source = 'radiologist' AND retracts IS NULL
      AND NOT EXISTS (SELECT 1 FROM difficulty r WHERE r.retracts = d.id)
      AND id = (SELECT MAX(id) FROM difficulty e WHERE e.study_id = d.study_id AND e.source = 'radiologist'
                AND e.retracts IS NULL AND NOT EXISTS (SELECT 1 FROM difficulty f WHERE f.retracts = e.id))
"""

# The newest study-level probability of each of some models ({ids}: one "?" per model) for every study it predicted.
_STUDY_PROBABILITIES = """
    SELECT study_id, model_id, probability FROM predictions p
    WHERE task = ? AND image_id IS NULL AND model_id IN ({ids})
      AND id = (SELECT MAX(id) FROM predictions q WHERE q.study_id = p.study_id AND q.task = p.task
                AND q.model_id = p.model_id AND q.image_id IS NULL)
"""


@dataclass
class WorklistRow:
    study_id: int
    patient_key: str
    accession: str
    study_date: str
    body_part: str
    n_images: int
    label: str | None = None          # positive | negative | uncertain
    label_source: str | None = None   # import | nlp | radiologist
    probability: float | None = None
    tier: str | None = None
    difficulty: str | None = None
    model_id: str | None = None       # the study's model (its body part's, else all parts'), predicted or not

    @property
    def read(self) -> bool:
        """A radiologist has given this study a label."""
        return self.label_source == "radiologist"

    def matches(self, text: str) -> bool:
        text = text.strip().lower()
        return not text or text in self.patient_key.lower() or text in self.accession.lower()


TierFn = Callable[[float, str], str]     # (probability, model id) -> tier


def load_rows(store, models: dict[str, str] | None, tier: TierFn | None = None,
              task: str = "fracture") -> list[WorklistRow]:
    """Every study of the workspace as a :class:`WorklistRow`.

    ``models``: the published {scope: model id} (core.store.published.published_models);
    each row's probability is its own model's (core.store.published.pick_model).
    ``tier`` turns a study probability of a model into negative | doubt | positive
    (that model's operating points); without it rows carry no tier.
    """
    labels = store.current_labels(task)
    counts = dict(store.execute("SELECT study_id, COUNT(*) FROM images GROUP BY study_id").fetchall())
    grades = dict(store.execute(_CURRENT_GRADES).fetchall())
    probabilities: dict[tuple[int, str], float] = {}
    if models:
        ids = sorted(set(models.values()))       # only the published models: old ones' rows can be many
        query = _STUDY_PROBABILITIES.format(ids=", ".join("?" * len(ids)))
        probabilities = {(study_id, model_id): p for study_id, model_id, p
                         in store.execute(query, (task, *ids)).fetchall()}
    rows = []
    for s in store.studies():
        label = labels.get(s["id"])
        model_id = pick_model(models or {}, task, s["body_part"])
        p = probabilities.get((s["id"], model_id))
        rows.append(WorklistRow(
            study_id=s["id"], patient_key=s["patient_key"] or "", accession=s["accession"] or "",
            study_date=s["study_date"] or "", body_part=s["body_part"] or "", n_images=counts.get(s["id"], 0),
            label=label.value if label else None, label_source=label.source if label else None,
            probability=p, tier=tier(p, model_id) if (p is not None and tier is not None) else None,
            difficulty=grades.get(s["id"]), model_id=model_id,
        ))
    return rows


def refresh_row(store, row: WorklistRow, task: str = "fracture") -> WorklistRow:
    """Re-read one row's label and difficulty in place (after the reader labels it)."""
    label = store.current_label(row.study_id, task)
    row.label = label.value if label else None
    row.label_source = label.source if label else None
    row.difficulty = store.current_difficulty(row.study_id)
    return row


def filter_rows(rows: list[WorklistRow], kind: str = "all", body_part: str = "", text: str = "") -> list[WorklistRow]:
    """The rows a filter shows, in the order it shows them."""
    out = [r for r in rows if r.matches(text) and (not body_part or r.body_part == body_part)]
    if kind == "unlabelled":
        out = [r for r in out if r.label is None]
    elif kind == "awaiting":
        out = [r for r in out if r.label_source == "nlp"]
    elif kind == "disagree":
        out = [r for r in out if r.label_source == "nlp" and r.tier in ("positive", "negative")
               and (r.tier == "positive") != (r.label == "positive")]
    elif kind == "uncertain":
        out = sorted((r for r in out if r.probability is not None), key=lambda r: abs(r.probability - 0.5))
    elif kind == "difficult":
        out = [r for r in out if r.difficulty == "difficult"]
    return out


def shuffled(rows: list[WorklistRow], seed: str) -> list[WorklistRow]:
    """A reader study's case order: shuffled, reproducible from the session name."""
    out = list(rows)
    random.Random(seed).shuffle(out)
    return out


def next_unread(rows: list[WorklistRow], after_study_id: int | None) -> WorklistRow | None:
    """The first study after ``after_study_id`` (wrapping round) that no radiologist has labelled."""
    if not rows:
        return None
    ids = [r.study_id for r in rows]
    start = ids.index(after_study_id) + 1 if after_study_id in ids else 0
    for r in rows[start:] + rows[:start]:
        if not r.read and r.study_id != after_study_id:
            return r
    return None
