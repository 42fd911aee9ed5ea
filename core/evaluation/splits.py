"""Patient-level train/validation/test split from a seeded hash of the patient key.

A patient's split depends only on (seed, patient key), never on how many
patients the workspace holds, so a patient never moves between splits as the
workspace grows and the validation and test splits stay locked. Lives in core
(torch-free) because evaluation needs the same locked split as training;
``trainer.splits`` re-exports it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

SPLITS = ("train", "val", "test")
# Percent boundaries: 80 / 10 / 10.
_TRAIN_UPTO, _VAL_UPTO = 80, 90


def split_of(patient_key: str, seed: int = 0) -> str:
    digest = hashlib.sha256(f"radinet-split:{seed}:{patient_key}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 100
    if bucket < _TRAIN_UPTO:
        return "train"
    return "val" if bucket < _VAL_UPTO else "test"


def split_hash(assignments: Iterable[tuple[str, str]]) -> str:
    """SHA-256 (16 hex digits) over sorted (image key, split) pairs: which data a model saw."""
    h = hashlib.sha256()
    for key, split in sorted(assignments):
        h.update(f"{key}\t{split}\n".encode())
    return h.hexdigest()[:16]
