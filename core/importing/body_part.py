"""Normalising body parts to the seven RadiNet classes (and a few others).

Sources, in order of trust (issue 2): (0018,0015) Body Part Examined, else the
(0008,1030) Study / (0008,103E) Series Description, else a MURA folder name
such as ``XR_WRIST``.
"""

from __future__ import annotations

import re

# The seven body parts of the paper's RadiNet, in a fixed order (class indices).
RADINET_BODY_PARTS = ("finger", "hand", "wrist", "forearm", "elbow", "humerus", "shoulder")

# Words as they appear in Body Part Examined defined terms (PS3.16 CID 4031),
# descriptions and MURA folders. Checked longest first so "FOREARM" wins over "ARM".
_SYNONYMS = {
    "finger": ("FINGER", "FINGERS", "DIGIT", "THUMB", "PHALANX", "PHALANGES"),
    "hand": ("HAND", "HANDS", "METACARPAL"),
    "wrist": ("WRIST", "WRISTS", "CARPUS", "SCAPHOID", "RADIOCARPAL"),
    "forearm": ("FOREARM", "FOREARMS", "RADIUS ULNA", "RADIUS AND ULNA", "LOWER ARM"),
    "elbow": ("ELBOW", "ELBOWS", "OLECRANON"),
    "humerus": ("HUMERUS", "UPPER ARM", "ARM"),
    "shoulder": ("SHOULDER", "SHOULDERS", "CLAVICLE", "SCAPULA", "GLENOHUMERAL", "ACROMIOCLAVICULAR"),
}
_PART_OF = {word: part for part, words in _SYNONYMS.items() for word in words}
# One alternation, longest words first, matched on word boundaries: one regex pass per candidate.
_WORDS = re.compile(r"(?<![A-Z])(" + "|".join(
    re.escape(w).replace(r"\ ", r"[^A-Z]+") for w in sorted(_PART_OF, key=len, reverse=True)) + r")(?![A-Z])")


def normalise_body_part(*candidates: str | None) -> str | None:
    """First recognisable body part among ``candidates`` (tag value, descriptions, folder)."""
    for text in candidates:
        if not text:
            continue
        found = [m.group(1) for m in _WORDS.finditer(str(text).upper())]
        if found:
            # The longest term wins ("FOREARM" over "ARM", "RADIUS AND ULNA" over nothing).
            best = max(found, key=len)
            return _PART_OF[re.sub(r"[^A-Z]+", " ", best)]
    return None
