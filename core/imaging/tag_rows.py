"""A DICOM header as rows for a tag browser: tag, name, VR, value; sequences as nested rows.

Pixel data is never shown (it is not a header field and can be hundreds of
MB): the file is read with ``stop_before_pixels`` and (7FE0,0010) Pixel Data
and its float variants are left out if present. Other long binary values
(OB/OW/UN…) are summarised by their size. Qt-free; runs on a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)   # Pixel Data, Float Pixel Data, Double Float Pixel Data
BINARY_VRS = ("OB", "OW", "OF", "OD", "OL", "OV", "UN", "OB or OW", "US or OW")
MAX_VALUE_CHARS = 200


@dataclass
class TagRow:
    tag: str                      # "(0010,0010)"
    name: str                     # "Patient's Name", or "Item 1" inside a sequence
    vr: str
    value: str
    children: list["TagRow"] = field(default_factory=list)


def _value_text(element) -> str:
    value = element.value
    if element.VR in BINARY_VRS and isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def _tag_text(tag) -> str:
    return f"({tag.group:04X},{tag.element:04X})"


def tag_rows(ds) -> list[TagRow]:
    """One row per data element of ``ds`` (a pydicom Dataset), file meta first, pixel data left out."""
    rows = []
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        rows.extend(_rows(meta))
    rows.extend(_rows(ds))
    return rows


def _rows(ds) -> list[TagRow]:
    rows = []
    for element in ds:
        if int(element.tag) in PIXEL_TAGS:
            continue
        name = element.name if element.name and element.name != "Private tag data" else (element.keyword or "")
        if element.VR == "SQ":
            items = [TagRow("", f"Item {i + 1}", "", "", _rows(item)) for i, item in enumerate(element.value or [])]
            rows.append(TagRow(_tag_text(element.tag), name, "SQ", f"{len(items)} item(s)", items))
        else:
            rows.append(TagRow(_tag_text(element.tag), name, element.VR, _value_text(element)))
    return rows


def read_tag_rows(path: str) -> list[TagRow]:
    """Read the header of ``path`` (no pixel data) and turn it into rows. Raises the DicomError family."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    from core.errors import DicomError, NotDicomError

    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    except InvalidDicomError as err:
        raise NotDicomError(path, "has no DICOM header to show (PNG/JPEG images have none)") from err
    except (OSError, ValueError, EOFError) as err:
        raise DicomError(path, f"its header cannot be read ({err.__class__.__name__})") from err
    return tag_rows(ds)
