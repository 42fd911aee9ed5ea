"""The review queue of the report labeller, as the workstation shows it, and the one way out of it: an accept.

``radinet reports label`` writes an nlp label only above the confidence
threshold chosen for the target precision; every other unlabelled study with
a report gets a 'review' suggestion (core.reports.queue). The queue is
derived: studies whose newest suggestion is 'review' and that no radiologist
has labelled since. Accepting a suggestion is the radiologist's decision, so
it is written as a radiologist label (as confirming a report label is,
core.store.reading.ReadingSession.confirm) -- and only if the suggestion the
reader saw is still the study's newest and still waiting (nothing is written
on a stale screen). Rejecting writes nothing: the study keeps no label and
stays waiting for a radiologist.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewItem:
    study_id: int
    patient_key: str
    accession: str
    body_part: str
    value: str                # what the labeller suggests: positive | negative
    probability: float        # the labeller's probability of a fracture
    sentence: str | None      # the report sentence that decided it
    labeller_version: str


def review_items(store, task: str = "fracture") -> list[ReviewItem]:
    """The queue, most doubtful first, with what the reader needs to decide each."""
    from core.reports.queue import deciding_sentence, review_queue

    items = []
    for row in review_queue(store, task):
        study = store.study(row["study_id"])
        why = deciding_sentence(store, row["study_id"], task) or {}
        items.append(ReviewItem(
            study_id=row["study_id"], patient_key=(study["patient_key"] if study else "") or "",
            accession=(study["accession"] if study else "") or "", body_part=(study["body_part"] if study else "")
            or "", value=row["value"], probability=float(row["probability"]), sentence=why.get("sentence"),
            labeller_version=row["labeller_version"]))
    return items


def still_waiting(store, item: ReviewItem, task: str = "fracture") -> bool:
    """True when ``item`` is still the study's newest suggestion and no radiologist has labelled the study."""
    from core.reports.queue import review_queue

    for row in review_queue(store, task):
        if row["study_id"] == item.study_id:
            return row["value"] == item.value and row["labeller_version"] == item.labeller_version
    return False


def accept(store, session, item: ReviewItem, task: str = "fracture"):
    """Write the suggestion as the reader's own label (the reading session's Action), or None when stale."""
    if not still_waiting(store, item, task):
        return None
    return session.label(item.study_id, item.value)
