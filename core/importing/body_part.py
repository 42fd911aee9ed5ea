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
_LOOKUP = sorted(((word, part) for part, words in _SYNONYMS.items() for word in words), key=lambda t: -len(t[0]))


def normalise_body_part(*candidates: str | None) -> str | None:
    """First recognisable body part among ``candidates`` (tag value, descriptions, folder)."""
    for text in candidates:
        if not text:
            continue
        words = " " + re.sub(r"[^A-Z]+", " ", str(text).upper()) + " "
        for word, part in _LOOKUP:
            if f" {word} " in words:
                return part
    return None
