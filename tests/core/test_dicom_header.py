"""Header scan: attributes, no pixel read, DICOMDIR detection."""

from __future__ import annotations

import os

import numpy as np
import pytest

from core.dicom.header import is_dicomdir, read_header
from core.errors import CorruptDicomError
from tests.core.dicom_reference import bundled_file, write_dicom


def _path(name: str) -> str:
    path = bundled_file(name)
    if path is None:
        pytest.skip(f"{name} is not bundled with this pydicom")
    return path


def test_ct_small_header_fields():
    h = read_header(_path("CT_small.dcm"))
    assert h.sop_instance_uid == "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322"
    assert h.sop_class_uid == "1.2.840.10008.5.1.4.1.1.2"
    assert h.study_instance_uid == "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322"
    assert h.patient_id == "1CT1"
    assert h.modality == "CT"
    assert (h.rows, h.columns, h.number_of_frames) == (128, 128, 1)
    assert h.photometric_interpretation == "MONOCHROME2"
    assert h.bits_stored == 16
    assert h.transfer_syntax_uid == "1.2.840.10008.1.2.1"
    assert h.has_pixel_data is True
    assert h.path.endswith("CT_small.dcm")


def test_multiframe_count_and_missing_pixels():
    assert read_header(_path("rtdose.dcm")).number_of_frames == 15
    assert read_header(_path("rtplan.dcm")).has_pixel_data is False


def test_header_attributes_from_a_synthetic_radiograph(tmp_path):
    path = write_dicom(
        tmp_path / "wrist.dcm", np.zeros((6, 4), np.uint16), photometric="MONOCHROME1",
        PatientSex="F", PatientBirthDate="19800102", PatientAge="045Y", StudyDate="20250301",
        AccessionNumber="A123", StudyDescription="XR WRIST 2 VIEWS", SeriesDescription="PA",
        BodyPartExamined="WRIST", ViewPosition="PA", ImageLaterality="L",
    )
    h = read_header(path)
    assert (h.patient_sex, h.patient_birth_date, h.patient_age) == ("F", "19800102", "045Y")
    assert (h.study_date, h.accession_number) == ("20250301", "A123")
    assert (h.study_description, h.series_description) == ("XR WRIST 2 VIEWS", "PA")
    assert (h.body_part_examined, h.view_position, h.laterality) == ("WRIST", "PA", "L")
    assert (h.rows, h.columns, h.photometric_interpretation) == (6, 4, "MONOCHROME1")
    assert h.series_instance_uid and h.study_instance_uid
    assert h.pixel_count == 24


def test_header_reads_no_pixel_data(tmp_path, monkeypatch):
    """A 2k x 2k file: the scan must not read the 8 MB of pixels."""
    path = write_dicom(tmp_path / "big.dcm", np.zeros((2048, 2048), np.uint16))
    opened = []
    real_open = open

    class CountingFile:
        def __init__(self, fh):
            self.fh, self.read_bytes = fh, 0

        def read(self, n=-1):
            data = self.fh.read(n)
            self.read_bytes += len(data)
            return data

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def counting_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        if "b" in mode and os.fspath(file) == str(path):
            fh = CountingFile(fh)
            opened.append(fh)
        return fh

    import core.dicom.reading as reading

    monkeypatch.setattr(reading, "open", counting_open, raising=False)
    header = read_header(path)
    assert header.has_pixel_data and header.rows == 2048
    assert opened and sum(f.read_bytes for f in opened) < 64 * 1024


def test_missing_study_uid_is_a_clear_error(tmp_path):
    path = write_dicom(tmp_path / "nostudy.dcm", np.zeros((2, 2), np.uint16))
    import pydicom

    ds = pydicom.dcmread(path)
    del ds.StudyInstanceUID
    ds.save_as(path)
    with pytest.raises(CorruptDicomError, match=r"nostudy.dcm: .*Study Instance UID \(0020,000D\)"):
        read_header(path)


def test_is_dicomdir():
    assert is_dicomdir(_path("dicomdirtests/DICOMDIR")) is True
    assert is_dicomdir(_path("CT_small.dcm")) is False


def test_is_dicomdir_never_raises(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    assert is_dicomdir(tmp_path / "empty") is False
    assert is_dicomdir(tmp_path / "missing") is False
    assert is_dicomdir(tmp_path) is False
