"""Measurement calibration (PS3.3 10.7.1, C.8.11.4) and length/angle maths; corner text; tag rows."""

from __future__ import annotations

import math

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from core.imaging.annotations import corner_text, dicom_date, person_name
from core.imaging.measure import angle, angle_text, length, length_text
from core.imaging.spacing import UNCALIBRATED, measurement_spacing
from core.imaging.tag_rows import read_tag_rows, tag_rows


def _ds(**fields) -> Dataset:
    ds = Dataset()
    for k, v in fields.items():
        setattr(ds, k, v)
    return ds


# ------------------------------------------------------------------ spacing
def test_pixel_spacing_alone_is_used_as_stored():
    s = measurement_spacing(_ds(PixelSpacing=["0.2", "0.3"]))
    assert (s.row_mm, s.col_mm, s.source) == (0.2, 0.3, "pixel_spacing")
    assert "Pixel Spacing" in s.description and s.unit == "mm"


def test_imager_pixel_spacing_alone_is_at_the_detector():
    s = measurement_spacing(_ds(ImagerPixelSpacing=["0.15", "0.15"]))
    assert (s.row_mm, s.col_mm, s.source) == (0.15, 0.15, "imager_pixel_spacing")
    assert "detector" in s.description and "Imager Pixel Spacing" in s.description


def test_ermf_divides_the_imager_pixel_spacing():
    s = measurement_spacing(_ds(ImagerPixelSpacing=["0.15", "0.12"], EstimatedRadiographicMagnificationFactor="1.2"))
    assert s.source == "imager_pixel_spacing_ermf"
    assert s.row_mm == pytest.approx(0.125) and s.col_mm == pytest.approx(0.1)
    assert "1.2" in s.description and "estimated" in s.description


def test_both_equal_means_not_corrected():
    s = measurement_spacing(_ds(PixelSpacing=["0.15", "0.15"], ImagerPixelSpacing=["0.15", "0.15"]))
    assert s.source == "imager_pixel_spacing" and "not corrected" in s.description


def test_both_different_means_calibrated_pixel_spacing_wins():
    s = measurement_spacing(_ds(PixelSpacing=["0.13", "0.13"], ImagerPixelSpacing=["0.15", "0.15"],
                                PixelSpacingCalibrationType="GEOMETRY"))
    assert (s.row_mm, s.source) == (0.13, "pixel_spacing")
    assert "geometric magnification" in s.description


@pytest.mark.parametrize("fields", [
    {}, {"PixelSpacing": ["0", "0.1"]}, {"ImagerPixelSpacing": ["-1", "0.1"]},
    {"ImagerPixelSpacing": ["0.1", "0.1", "0.1"]}, {"ImagerPixelSpacing": ["nan", "0.1"]},
])
def test_missing_or_unusable_spacing_is_uncalibrated(fields):
    s = measurement_spacing(_ds(**fields))
    assert s == UNCALIBRATED and not s.calibrated and s.unit == "px"
    assert "uncalibrated (px)" in s.description


def test_text_that_is_no_number_is_uncalibrated():
    ds = Dataset()
    ds.add_new(0x00280030, "LO", "abc")       # (0028,0030) Pixel Spacing written by a broken exporter
    assert measurement_spacing(ds) == UNCALIBRATED


def test_zero_ermf_is_ignored_not_divided_by():
    s = measurement_spacing(_ds(ImagerPixelSpacing=["0.2", "0.2"], EstimatedRadiographicMagnificationFactor="0"))
    assert (s.row_mm, s.source) == (0.2, "imager_pixel_spacing")


def test_single_value_is_square_pixels():
    s = measurement_spacing(_ds(PixelSpacing="0.25"))
    assert (s.row_mm, s.col_mm) == (0.25, 0.25)


def test_bundled_ct_file_reads_its_pixel_spacing():
    from pydicom import dcmread
    from pydicom.data import get_testdata_file

    path = get_testdata_file("CT_small.dcm")
    if path is None:
        pytest.skip("CT_small.dcm not bundled")
    ds = dcmread(path, stop_before_pixels=True)
    s = measurement_spacing(ds)
    assert s.source == "pixel_spacing" and s.row_mm == pytest.approx(float(ds.PixelSpacing[0]))


# ------------------------------------------------------------------ measure
def test_length_uses_row_and_column_spacing_separately():
    s = measurement_spacing(_ds(PixelSpacing=["0.5", "0.2"]))
    assert length((0, 0), (10, 0), s) == pytest.approx(5.0)      # 10 rows * 0.5 mm
    assert length((0, 0), (0, 10), s) == pytest.approx(2.0)      # 10 columns * 0.2 mm
    assert length((0, 0), (3, 4), UNCALIBRATED) == pytest.approx(5.0)
    assert length_text(5.04, s) == "5.0 mm"
    assert length_text(120.4, UNCALIBRATED) == "120 px (uncalibrated)"


def test_angle_in_physical_space():
    assert angle((0, 10), (0, 0), (10, 0), UNCALIBRATED) == pytest.approx(90.0)
    assert angle((0, 10), (0, 0), (0, -3), UNCALIBRATED) == pytest.approx(180.0)
    assert angle((0, 0), (0, 0), (1, 1), UNCALIBRATED) is None
    # 45 degrees in pixels is not 45 degrees when rows are twice as far apart as columns
    s = measurement_spacing(_ds(PixelSpacing=["0.2", "0.1"]))
    assert angle((0, 10), (0, 0), (10, 10), s) == pytest.approx(math.degrees(math.atan2(2.0, 1.0)))
    assert angle_text(90.04) == "90.0°" and angle_text(None) == "—"


# ------------------------------------------------------------------ corners
def test_corner_text_from_a_header():
    ds = _ds(PatientName="DOE^JANE^Q", PatientID="P123", PatientSex="F", PatientAge="034Y", StudyDate="20240131",
             StudyDescription="XR WRIST", AccessionNumber="A9", ViewPosition="PA", Laterality="L")
    c = corner_text(ds)
    assert c.top_left == ["DOE, JANE Q", "ID P123", "F 034Y"]
    assert c.top_right == ["2024-01-31", "XR WRIST", "Acc A9", "PA · Left"]
    assert c.marker == "L"
    # (0020,0062) Image Laterality is the image's own and wins over the series' (0020,0060)
    ds.ImageLaterality = "R"
    assert corner_text(ds).marker == "R"


def test_corner_text_without_a_header_uses_the_workspace_fields():
    c = corner_text(None, {"patient_key": "patient00001", "study_date": "20200101", "view": "LAT"})
    assert c.top_left == ["ID patient00001"] and c.top_right == ["2020-01-01", "LAT"] and c.marker == ""
    assert person_name("SMITH") == "SMITH" and dicom_date("2020") == "2020"


# ------------------------------------------------------------------ tag rows
def test_tag_rows_nest_sequences_and_leave_out_pixel_data():
    ds = _ds(PatientID="P1", Modality="CR")
    item = _ds(CodeValue="T-15460", CodeMeaning="Wrist")
    ds.AnatomicRegionSequence = Sequence([item])
    ds.PixelData = b"\0" * 64
    ds["PixelData"].VR = "OW"
    rows = tag_rows(ds)
    tags = [r.tag for r in rows]
    assert "(7FE0,0010)" not in tags
    assert "(0010,0020)" in tags
    seq = next(r for r in rows if r.vr == "SQ")
    assert seq.value == "1 item(s)" and seq.children[0].name == "Item 1"
    assert [c.value for c in seq.children[0].children] == ["T-15460", "Wrist"]


def test_read_tag_rows_of_a_bundled_file_and_of_a_png(tmp_path):
    from pydicom.data import get_testdata_file

    from core.errors import NotDicomError

    path = get_testdata_file("CT_small.dcm")
    if path is not None:
        rows = read_tag_rows(path)
        assert any(r.tag == "(0002,0010)" for r in rows)          # file meta first
        assert not any(r.tag == "(7FE0,0010)" for r in rows)
    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(NotDicomError, match="no DICOM header"):
        read_tag_rows(str(png))
