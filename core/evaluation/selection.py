"""Which views a model is evaluated on: labelled studies of one split and body part.

The split is the workspace's locked patient split (core.evaluation.splits),
so "test" means the same patients the trainer held out with that seed. The
label is the study's current fracture label (radiologist, else report-derived,
else imported; Store.current_labels), positive or negative; uncertain and
unlabelled studies are not scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InputError
from core.evaluation.splits import split_of

SPLIT_CHOICES = ("test", "val", "all")
ALL_PARTS = "all"


@dataclass(frozen=True)
class View:
    study_id: int
    image_id: int
    source_path: str
    label: int          # the study's label: 1 fracture, 0 none
    label_source: str   # radiologist | nlp | import


def body_part_of(image_row, study_row) -> str:
    """(0018,0015) Body Part Examined of the image, else of its study, lower-case; "" when absent.

    The body-part stage's truth (trainer.data) and the body-part comparison's (core.evaluation.compare).
    """
    return (image_row["body_part"] or study_row["body_part"] or "").strip().lower()


def _part(value) -> str | None:
    return value.strip().lower() if value and value.strip() else None


def labelled_views(store, split: str = "test", body_part: str | None = None, split_seed: int = 0) -> list[View]:
    """Every view of the labelled studies in ``split`` ("all": every split) of ``body_part`` (None/"all": all)."""
    if split not in SPLIT_CHOICES:
        raise InputError(f"The split must be one of {', '.join(SPLIT_CHOICES)}, not {split!r}.")
    wanted = _part(body_part)
    wanted = None if wanted == ALL_PARTS else wanted
    labels = store.current_labels("fracture")
    images_of: dict[int, list] = {}
    for image in store.images():
        images_of.setdefault(image["study_id"], []).append(image)
    views: list[View] = []
    parts_seen: set[str] = set()
    for study in store.studies():
        label = labels.get(study["id"])
        if label is None or label.value not in ("positive", "negative"):
            continue
        if split != "all" and split_of(study["patient_key"], split_seed) != split:
            continue
        images = images_of.get(study["id"], [])
        part = _part(study["body_part"]) or next((_part(i["body_part"]) for i in images if _part(i["body_part"])),
                                                 None)
        if part:
            parts_seen.add(part)
        if wanted is not None and part != wanted:
            continue
        views.extend(View(study["id"], image["id"], image["source_path"], int(label.value == "positive"),
                          label.source) for image in images)
    if not views:
        where = f"the {split} split" if split != "all" else "this workspace"
        of_part = f" of body part {body_part!r}" if wanted else ""
        known = f" (body parts with labelled studies there: {', '.join(sorted(parts_seen))})" if wanted and parts_seen \
            else ""
        raise InputError(f"There are no labelled studies{of_part} in {where}{known}; nothing to evaluate.")
    return views
