"""JPEG, JPEG-LS and JPEG 2000 headers that declare more than their codestream holds (issue 14).

pydicom sizes its output from (0028,0010)/(0028,0011) before decoding, so a small file
claiming 19,999 x 19,999 pixels made it reserve about 760 MB; the codestream's own frame
header (SOF / SOF55 / SIZ) says what the data really holds.
"""

from __future__ import annotations

import shutil

import pydicom
import pytest
from pydicom.data import get_testdata_file

from core.dicom.codestream import codestream_size, first_fragment
from core.dicom.reading import read_dataset
from core.dicom.transfer_syntax import compression_family
from core.errors import CorruptDicomError
from core.imaging.image import load_image
from tests.core.dicom_reference import refused_with_traced_peak

# One bundled file per family the check reads, with a decoder in this install.
FILES = {"JPEG": "SC_rgb_jpeg_dcmtk.dcm", "JPEG-LS": "MR_small_jpeg_ls_lossless.dcm",
         "JPEG 2000": "MR_small_jp2klossless.dcm"}
ALL_COMPRESSED = ["693_J2KI.dcm", "GDCMJ2K_TextGBR.dcm", "JPEG-lossy.dcm", "JPEG2000.dcm", "JPGExtended.dcm",
                  "JPEGLSNearLossless_16.dcm", "SC_rgb_jpeg_app14_dcmd.dcm", "SC_rgb_small_odd_jpeg.dcm",
                  "examples_jpeg2k.dcm", "examples_ybr_color.dcm", "SC_rgb_gdcm_KY.dcm", *FILES.values()]


def _size_of(path: str) -> tuple[tuple[int, int] | None, tuple[int, int]]:
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    opened = read_dataset(path, stop_before_pixels=False)
    family = compression_family(str(ds.file_meta.TransferSyntaxUID))
    return codestream_size(first_fragment(path, opened.pixel_value_tell), family), (ds.Rows, ds.Columns)


@pytest.mark.parametrize("name", ALL_COMPRESSED)
def test_the_codestream_size_of_every_bundled_file_is_its_header_s(name):
    found, header = _size_of(get_testdata_file(name))
    assert found == header


@pytest.mark.parametrize("family", sorted(FILES))
def test_a_header_claiming_more_than_its_codestream_is_refused_before_allocating(family, tmp_path):
    source = tmp_path / "source.dcm"
    shutil.copy(get_testdata_file(FILES[family]), source)
    ds = pydicom.dcmread(source)
    rows, columns = ds.Rows, ds.Columns
    load_image(source)                                   # the untouched file decodes
    ds.Rows, ds.Columns = 10000, 10000                   # under the 400-megapixel budget, RGB too
    path = tmp_path / "lie.dcm"
    ds.save_as(path)
    error, peak = refused_with_traced_peak(path, CorruptDicomError)
    sentence = f"the {family} data is damaged: its header declares 10000 x 10000 pixels but the compressed " \
               f"image holds {rows} x {columns}"
    assert sentence in str(error) and str(error).count("\n") == 0
    assert peak < 20 << 20
    from core.importing.probe import probe_file

    probe = probe_file(path)                             # import refuses it too, with the same reason
    assert probe.kind == "rejected" and sentence in probe.error


def test_a_header_declaring_less_than_its_codestream_is_left_to_the_decoder(tmp_path):
    """Only a header that claims more can make pydicom reserve more than the data holds."""
    source = tmp_path / "small.dcm"
    shutil.copy(get_testdata_file(FILES["JPEG 2000"]), source)
    ds = pydicom.dcmread(source)
    ds.Rows = ds.Rows // 2
    ds.save_as(source)
    try:
        load_image(source)
    except CorruptDicomError as err:
        assert "header declares" not in str(err)


def test_unreadable_or_missing_frame_headers_decide_nothing():
    assert codestream_size(b"", "JPEG") is None and codestream_size(b"\xff\xd8\xff", "JPEG") is None
    assert codestream_size(b"\xff\x4f\xff\x51\x00", "JPEG 2000") is None
    assert codestream_size(b"\x00" * 64, "RLE") is None
