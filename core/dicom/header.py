"""Header scan: the attributes the workspace files an image under, no pixel data read."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.filereader import read_file_meta_info

from core.dicom.completeness import check_pixel_data_complete
from core.dicom.reading import (
    PIXEL_TAGS,
    check_element_lengths,
    damaged_file_guard,
    file_kind,
    read_dataset,
    read_head,
)
from core.errors import CorruptDicomError

MEDIA_STORAGE_DIRECTORY_SOP_CLASS = "1.2.840.10008.1.3.10"


@dataclass(frozen=True)
class DicomHeader:
    path: str
    sop_instance_uid: str
    sop_class_uid: str | None
    study_instance_uid: str
    series_instance_uid: str | None
    patient_id: str | None
    patient_sex: str | None
    patient_birth_date: str | None
    patient_age: str | None  # raw (0010,1010) Patient's Age, e.g. "045Y"
    study_date: str | None
    accession_number: str | None
    study_description: str | None
    series_description: str | None
    body_part_examined: str | None
    view_position: str | None
    laterality: str | None  # (0020,0060) Laterality, else (0020,0062) Image Laterality
    modality: str | None
    rows: int | None
    columns: int | None
    number_of_frames: int
    photometric_interpretation: str | None
    bits_stored: int | None
    transfer_syntax_uid: str | None
    has_pixel_data: bool
    samples_per_pixel: int = 1
    bits_allocated: int | None = None

    @property
    def pixel_count(self) -> int:
        """rows x columns x frames x samples: what decoding would allocate, in samples."""
        return (self.rows or 0) * (self.columns or 0) * self.number_of_frames * self.samples_per_pixel


# Header scans convert ~25 attributes per file; pydicom's generic conversion
# (keyword lookup, charset handling, MultiValue) costs more than parsing the
# file. Plain-ASCII text and US values are decoded straight from the raw
# element; anything else (other character sets, implicit VR) takes pydicom's path.
_FAST_TEXT_VRS = frozenset(("UI", "CS", "DA", "AS", "SH", "LO", "IS", "DS", "TM", "DT"))


@functools.lru_cache(maxsize=None)
def _tag(keyword: str) -> int:
    return tag_for_keyword(keyword)


def _raw(ds, keyword: str):
    """(found, value): the raw element's quick decode, or found=False to use pydicom."""
    elem = ds._dict.get(_tag(keyword))
    if elem is None:
        return True, None
    if not isinstance(elem, RawDataElement) or not isinstance(elem.value, bytes):
        return False, None
    if elem.VR in _FAST_TEXT_VRS and elem.value.isascii():
        return True, elem.value.decode("ascii").split("\\", 1)[0].strip(" \x00") or None
    if elem.VR == "US" and len(elem.value) >= 2:
        return True, int.from_bytes(elem.value[:2], "little" if elem.is_little_endian else "big")
    return False, None


def text_value(ds, keyword: str) -> str | None:
    """First value of a text attribute, stripped; None when absent or empty."""
    found, value = _raw(ds, keyword)
    if found:
        return None if value is None else str(value)
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001 - an undecodable value counts as absent
        return None
    if value is None:
        return None
    if not isinstance(value, (str, bytes)) and hasattr(value, "__iter__"):
        value = next(iter(value), None)
        if value is None:
            return None
    text = str(value).strip().strip("\x00")
    return text or None


def int_value(ds, keyword: str, path: str, tag: str, default: int | None = None) -> int | None:
    """An integer attribute; a non-numeric value is a damaged file, named by its tag."""
    found, value = _raw(ds, keyword)
    if not found:
        try:
            value = ds.get(keyword)
        except Exception:  # noqa: BLE001
            value = "?"
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CorruptDicomError(path, f"{tag} {_spaced(keyword)} is not a number ({str(value)[:20]!r})") from None


def _spaced(keyword: str) -> str:
    return "".join(" " + c if c.isupper() and i else c for i, c in enumerate(keyword))


def transfer_syntax_of(ds) -> str | None:
    meta = getattr(ds, "file_meta", None)
    uid = meta.get("TransferSyntaxUID") if meta is not None else None
    return str(uid) if uid else None


def header_from_dataset(ds, path: str, has_pixel_data: bool) -> DicomHeader:
    sop_instance = text_value(ds, "SOPInstanceUID")
    meta = getattr(ds, "file_meta", None)
    if sop_instance is None and meta is not None:
        sop_instance = text_value(meta, "MediaStorageSOPInstanceUID")
    if sop_instance is None:
        raise CorruptDicomError(path, "it has no SOP Instance UID (0008,0018), so it cannot be identified")
    study = text_value(ds, "StudyInstanceUID")
    if study is None:
        raise CorruptDicomError(path, "it has no Study Instance UID (0020,000D), so it cannot be filed in a study")
    sop_class = text_value(ds, "SOPClassUID") or (text_value(meta, "MediaStorageSOPClassUID") if meta else None)
    return DicomHeader(
        path=path,
        sop_instance_uid=sop_instance,
        sop_class_uid=sop_class,
        study_instance_uid=study,
        series_instance_uid=text_value(ds, "SeriesInstanceUID"),
        patient_id=text_value(ds, "PatientID"),
        patient_sex=text_value(ds, "PatientSex"),
        patient_birth_date=text_value(ds, "PatientBirthDate"),
        patient_age=text_value(ds, "PatientAge"),
        study_date=text_value(ds, "StudyDate"),
        accession_number=text_value(ds, "AccessionNumber"),
        study_description=text_value(ds, "StudyDescription"),
        series_description=text_value(ds, "SeriesDescription"),
        body_part_examined=text_value(ds, "BodyPartExamined"),
        view_position=text_value(ds, "ViewPosition"),
        laterality=text_value(ds, "Laterality") or text_value(ds, "ImageLaterality"),
        modality=text_value(ds, "Modality"),
        rows=int_value(ds, "Rows", path, "(0028,0010)"),
        columns=int_value(ds, "Columns", path, "(0028,0011)"),
        number_of_frames=max(1, int_value(ds, "NumberOfFrames", path, "(0028,0008)", 1) or 1),
        photometric_interpretation=text_value(ds, "PhotometricInterpretation"),
        bits_stored=int_value(ds, "BitsStored", path, "(0028,0101)"),
        transfer_syntax_uid=transfer_syntax_of(ds),
        has_pixel_data=has_pixel_data,
        samples_per_pixel=int_value(ds, "SamplesPerPixel", path, "(0028,0002)", 1) or 1,
        bits_allocated=int_value(ds, "BitsAllocated", path, "(0028,0100)"),
    )


# What read_header parses; everything else is skipped unread (about twice as fast).
HEADER_KEYWORDS = (
    "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "PatientID", "PatientSex",
    "PatientBirthDate", "PatientAge", "StudyDate", "AccessionNumber", "StudyDescription",
    "SeriesDescription", "BodyPartExamined", "ViewPosition", "Laterality", "ImageLaterality", "Modality",
    "Rows", "Columns", "NumberOfFrames", "PhotometricInterpretation", "BitsStored", "SamplesPerPixel",
    "BitsAllocated",
)


def _header_tags() -> list[int]:
    from pydicom.datadict import tag_for_keyword

    return [tag_for_keyword(k) for k in HEADER_KEYWORDS]


_HEADER_TAGS: list[int] = []


@functools.lru_cache(maxsize=1)
def _header_tag_set() -> frozenset[int]:
    """The tags read_header keeps: its own and Specific Character Set, which pydicom always adds."""
    return frozenset((*_header_tags(), 0x00080005))


def read_header(path, check_pixel_data: bool = True) -> DicomHeader:
    """Read the header attributes of a DICOM file without reading its pixel data.

    Raises NotDicomError (empty, PNG, random bytes) or CorruptDicomError
    (truncated header, missing SOP Instance / Study Instance UID, and with
    ``check_pixel_data`` pixel data cut short: core.dicom.completeness).
    """
    path = os.fspath(path)
    if not _HEADER_TAGS:
        _HEADER_TAGS.extend(_header_tags())
    opened = read_dataset(path, stop_before_pixels=True, specific_tags=_HEADER_TAGS)
    with damaged_file_guard(path):
        header = header_from_dataset(opened.dataset, path, opened.pixel_tag_seen)
        if check_pixel_data and opened.pixel_value_tell is not None:
            _check_pixels(header, path, opened.file_size, opened.pixel_value_tell, opened.pixel_length)
        return header


def _check_pixels(header: DicomHeader, path: str, file_size: int, value_tell: int, length: int) -> None:
    """core.dicom.completeness with the geometry the header declares."""
    check_pixel_data_complete(
        path, file_size, value_tell, length, rows=header.rows, columns=header.columns,
        frames=header.number_of_frames, samples=header.samples_per_pixel, bits_allocated=header.bits_allocated,
        photometric=header.photometric_interpretation, transfer_syntax=header.transfer_syntax_uid)


def header_from_received(ds, path, file_size: int, data_offset: int) -> DicomHeader:
    """What ``read_header(path)`` gives, for a file just written from a data set already decoded in memory.

    For ``radinet listen``: ``ds`` is the C-STORE data set as pynetdicom decoded it (not deflated: its
    element offsets must be those of the bytes written), with ``ds.file_meta`` the File Meta written
    before it; the file is ``file_size`` bytes and the data set starts at byte ``data_offset``. Parsing
    the file again would only find the same elements, so the same checks run on these: the declared
    lengths of the header elements, then (pixel data found) the completeness checks, which read the
    file only for compressed pixel data's item headers. Raises what read_header raises, same reasons.
    """
    path = os.fspath(path)
    header_elements, pixels = _elements_up_to_pixels(ds)
    check_element_lengths(path, header_elements, file_size)
    has_pixels = pixels is not None and pixels.length != 0
    with damaged_file_guard(path):
        header = header_from_dataset(ds, path, has_pixels)
        if has_pixels:
            _check_pixels(header, path, file_size, data_offset + pixels.value_tell, pixels.length)
        return header


def _elements_up_to_pixels(ds):
    """(header elements, first pixel data element or None) in the order read_header meets them.

    read_header keeps only the header tags and stops at the first pixel data tag, whatever its
    length; a pixel element that is not raw (no file offset) raises, as it cannot be checked.
    """
    wanted, elements = _header_tag_set(), []
    for tag, elem in ds._dict.items():
        if tag in PIXEL_TAGS:
            if not isinstance(elem, RawDataElement):
                raise ValueError("the pixel data element was converted; its offset is unknown")
            return elements, elem
        if tag in wanted:
            elements.append(elem)
    return elements, None


def is_dicomdir(path) -> bool:
    """True for a DICOMDIR: (0002,0002) Media Storage SOP Class UID 1.2.840.10008.1.3.10.

    Reads only the 132-byte preamble and the File Meta group; never raises.
    """
    path = os.fspath(path)
    try:
        if file_kind(read_head(path)) != "dicom":
            return False
        meta = read_file_meta_info(path)
        return str(meta.get("MediaStorageSOPClassUID", "")) == MEDIA_STORAGE_DIRECTORY_SOP_CLASS
    except Exception:  # noqa: BLE001 - "is it a DICOMDIR?" has a yes/no answer
        return False
