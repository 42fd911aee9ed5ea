"""MURA-style trees: ``XR_WRIST/patient00001/study1_positive/image1.png``.

Body part, patient, study and (optionally) the study label come from the path,
as in the MURA data set (Rajpurkar et al.) the paper trained on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from core.importing.body_part import normalise_body_part

_BODY = re.compile(r"^XR_([A-Z]+)$", re.IGNORECASE)
_STUDY = re.compile(r"^(study\d+)(?:_(positive|negative))?$", re.IGNORECASE)


@dataclass(frozen=True)
class MuraPath:
    body_part: str
    patient_key: str   # e.g. "patient00001"
    study_key: str     # e.g. "XR_WRIST/patient00001/study1_positive"
    label: str | None  # "positive" | "negative" | None


def parse_mura_path(path: Path) -> MuraPath | None:
    """Recognise ``.../XR_<PART>/<patient>/<study>[_label]/<image>`` or None."""
    parts = path.parts
    if len(parts) < 4:
        return None
    body_dir, patient_dir, study_dir = parts[-4], parts[-3], parts[-2]
    body_match, study_match = _BODY.match(body_dir), _STUDY.match(study_dir)
    if not body_match or not study_match:
        return None
    body_part = normalise_body_part(body_match.group(1))
    if body_part is None:
        return None
    label = study_match.group(2).lower() if study_match.group(2) else None
    return MuraPath(body_part, patient_dir, f"{body_dir}/{patient_dir}/{study_dir}", label)
