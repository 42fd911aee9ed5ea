"""What the corners of a reading pane say about the image: patient, study, view, laterality.

Qt-free; the pane paints these strings and nothing else reads them. Patient
data goes on screen only: these functions never log, and the strings are not
stored anywhere.

Attributes (PS3.3): (0010,0010) Patient's Name, (0010,0020) Patient ID,
(0010,0040) Patient's Sex, (0010,1010) Patient's Age, (0008,0020) Study Date,
(0008,1030) Study Description, (0008,0050) Accession Number, (0018,5101) View
Position, (0020,0062) Image Laterality (image level, preferred for DX,
C.8.11.2) and (0020,0060) Laterality (series level, C.7.3.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LATERALITY_WORDS = {"R": "Right", "L": "Left", "B": "Both", "U": "Unpaired"}


@dataclass(frozen=True)
class CornerText:
    """Lines for each corner of the pane, top to bottom, and the laterality marker (R, L or '')."""

    top_left: list[str] = field(default_factory=list)
    top_right: list[str] = field(default_factory=list)
    marker: str = ""


def _text(ds, keyword: str) -> str:
    value = ds.get(keyword) if ds is not None else None
    if value is None:
        return ""
    if hasattr(value, "family_name"):            # pydicom PersonName
        return person_name(value)
    return " ".join(str(value).split())


def person_name(value) -> str:
    """(0010,0010) Patient's Name as "FAMILY, Given Middle" (the PN components ^-separated)."""
    parts = str(value).split("=")[0].split("^")
    family = parts[0].strip()
    given = " ".join(p.strip() for p in parts[1:3] if p.strip())
    return f"{family}, {given}" if family and given else (family or given)


def dicom_date(value: str | None) -> str:
    """(0008,0020) Study Date YYYYMMDD -> YYYY-MM-DD; anything else is shown as stored."""
    value = (value or "").strip()
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def laterality(ds) -> str:
    """R | L | B | U | '' from (0020,0062) Image Laterality, else (0020,0060) Laterality."""
    for keyword in ("ImageLaterality", "Laterality"):
        value = _text(ds, keyword).upper()
        if value in LATERALITY_WORDS:
            return value
    return ""


def corner_text(ds, fallback: dict | None = None) -> CornerText:
    """The overlay of one image from its header ``ds`` (pydicom Dataset, None for PNG/JPEG).

    ``fallback`` (the workspace's own fields: patient_key, study_date, view,
    accession) fills what the header lacks -- MURA-style PNGs have no header at all.
    """
    fb = fallback or {}
    name = _text(ds, "PatientName")
    patient_id = _text(ds, "PatientID") or str(fb.get("patient_key") or "")
    sex_age = " ".join(v for v in (_text(ds, "PatientSex"), _text(ds, "PatientAge")) if v)
    date = dicom_date(_text(ds, "StudyDate") or fb.get("study_date"))
    description = _text(ds, "StudyDescription")
    accession = _text(ds, "AccessionNumber") or str(fb.get("accession") or "")
    view = _text(ds, "ViewPosition") or str(fb.get("view") or "")
    side = laterality(ds)
    left = [line for line in (name, f"ID {patient_id}" if patient_id else "", sex_age) if line]
    view_line = " · ".join(v for v in (view, LATERALITY_WORDS.get(side, "")) if v)
    right = [line for line in (date, description, f"Acc {accession}" if accession else "", view_line) if line]
    return CornerText(left, right, side if side in ("R", "L") else "")
