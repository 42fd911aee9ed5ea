"""The review queue of the report labeller, as the workstation shows it, and the two ways out of it.

``radinet reports label`` writes an nlp label only above the confidence
threshold chosen for the target precision; every other unlabelled study with
a report gets a 'review' suggestion (core.reports.queue). The queue is
derived: studies whose newest suggestion is 'review', that no radiologist
has labelled since and whose newest suggestion nobody rejected. Accepting a
suggestion is the radiologist's decision, so it is written as a radiologist
label (as confirming a report label is, core.store.reading.ReadingSession.confirm).
Rejecting dismisses the suggestion: a ``review_rejections`` row (append-only,
kept like a label) and an audit row, no label -- the study stays unlabelled in
the worklist and leaves the queue until a later labeller run suggests again.
Both write only if the suggestion the reader saw is still the study's newest
and still waiting (nothing is written on a stale screen).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.store.database import write


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
    suggestion_id: int        # the nlp_suggestions row the reader sees: what a decision is checked against


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
            labeller_version=row["labeller_version"], suggestion_id=row["suggestion_id"]))
    return items


def still_waiting(store, item: ReviewItem, task: str = "fracture") -> bool:
    """True when ``item`` is still the study's newest suggestion and no radiologist has labelled the study."""
    from core.reports.queue import review_queue

    for row in review_queue(store, task):
        if row["study_id"] == item.study_id:
            return row["suggestion_id"] == item.suggestion_id
    return False


def accept(store, session, item: ReviewItem, task: str = "fracture"):
    """Write the suggestion as the reader's own label (the reading session's Action), or None when stale."""
    if not still_waiting(store, item, task):
        return None
    return session.label(item.study_id, item.value)


def reject(store, item: ReviewItem, author: str, task: str = "fracture") -> int | None:
    """Dismiss the suggestion without a label; the rejection's row id, or None when the screen was stale."""
    with write(store.conn):        # checked and written under one write lock: no label can slip in between
        if not still_waiting(store, item, task):
            return None
        row_id = store.execute("INSERT INTO review_rejections (suggestion_id, author) VALUES (?, ?)",
                               (item.suggestion_id, author)).lastrowid
        store.audit(author, "reject-suggestion", "study", item.study_id, f"suggestion #{item.suggestion_id}")
        return row_id
