"""Pixel decode over pydicom's bundled files: our values against the table and against pydicom."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import DicomError, UnsupportedDicomError
from core.imaging.image import load_image
from tests.core.dicom_reference import (
    NO_PIXEL_DATA, REFERENCE, TWELVE_BIT_JPEG, UNSUPPORTED_12BIT_JPEG, bundled_file,
)


def _path_or_skip(name: str) -> str:
    path = bundled_file(name)
    if path is None:
        pytest.skip(f"{name} is not bundled with this pydicom")
    return path


def _pydicom_reference(path: str, frame: int) -> np.ndarray:
    """What pydicom itself gives: Modality LUT for grey, BT.601 luminance of RGB for colour."""
    import pydicom
    from pydicom.pixels import apply_color_lut, apply_modality_lut

    ds = pydicom.dcmread(path)
    arr = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        arr = arr[frame]
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        arr = apply_color_lut(arr, ds)
    if arr.ndim == 3:
        rgb = arr.astype(np.float64)
        return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    return apply_modality_lut(arr, ds).astype(np.float64)


def test_reference_covers_every_required_transfer_syntax():
    from tests.core import dicom_reference as r

    covered = {ref.transfer_syntax for ref in REFERENCE}
    required = {r.EXPLICIT_LE, r.IMPLICIT_LE, r.EXPLICIT_BE, r.DEFLATED, r.RLE, r.JPEG_BASELINE, r.JPEG_EXTENDED,
                r.JPEG_LOSSLESS_SV1, r.JPEG_LS_LOSSLESS, r.JPEG_LS_NEAR, r.J2K_LOSSLESS, r.J2K}
    assert required <= covered


@pytest.mark.parametrize("ref", REFERENCE, ids=[r.name for r in REFERENCE])
def test_decode_matches_reference_table(ref):
    from core.dicom.header import transfer_syntax_of
    import pydicom

    path = _path_or_skip(ref.name)
    assert transfer_syntax_of(pydicom.dcmread(path, stop_before_pixels=True)) == ref.transfer_syntax
    image = load_image(path)
    assert image.values.dtype == np.float32 and image.values.ndim == 2
    assert image.values.shape == ref.shape
    assert (image.frame, image.frames) == (0, ref.frames)
    assert image.photometric == ref.photometric
    assert image.invert is False
    assert float(image.values.min()) == pytest.approx(ref.vmin, abs=1e-2)
    assert float(image.values.max()) == pytest.approx(ref.vmax, rel=1e-6, abs=1e-2)
    for (y, x), expected in ref.spots.items():
        assert float(image.values[y, x]) == pytest.approx(expected, abs=1e-2), (y, x)
    assert image.windows[:1] == ref.windows


@pytest.mark.parametrize("ref", REFERENCE, ids=[r.name for r in REFERENCE])
def test_decode_equals_pydicom_pixel_array(ref):
    if ref.name in TWELVE_BIT_JPEG:
        pytest.skip("pydicom's installed plugins cannot decode 12-bit JPEG; checked against its published values")
    path = _path_or_skip(ref.name)
    last = ref.frames - 1
    for frame in sorted({0, last}):
        ours = load_image(path, frame=frame).values
        expected = _pydicom_reference(path, frame)
        np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-2)


def test_frames_differ_and_are_selected_by_index():
    path = _path_or_skip("SC_rgb_rle_2frame.dcm")
    first, second = load_image(path, 0), load_image(path, 1)
    assert second.frame == 1 and second.frames == 2
    # pydicom's 2-frame RGB test file stores the colour-inverted image in frame 1.
    assert float(first.values[0, 0]) == pytest.approx(0.299 * 255, abs=1e-3)
    assert float(second.values[0, 0]) == pytest.approx(0.587 * 255 + 0.114 * 255, abs=1e-3)


@pytest.mark.parametrize("frame", [15, -1, 1000])
def test_out_of_range_frame_is_a_clear_error(frame):
    path = _path_or_skip("rtdose.dcm")
    with pytest.raises(DicomError) as info:
        load_image(path, frame=frame)
    message = str(info.value)
    assert message.startswith("rtdose.dcm:") and f"frame {frame}" in message and "15 frame" in message


@pytest.mark.parametrize("name", UNSUPPORTED_12BIT_JPEG)
def test_12_bit_jpeg_extended_without_imagecodecs_is_reported_as_undecodable(name, monkeypatch):
    import core.dicom.pixels as pixels

    path = _path_or_skip(name)
    monkeypatch.setattr(pixels, "jpeg_extended_available", lambda: False)
    with pytest.raises(UnsupportedDicomError) as info:
        load_image(path)
    assert str(info.value) == (
        f"{name}: compressed with 12-bit JPEG Extended (Process 2 and 4), which this installation cannot decode")


@pytest.mark.parametrize("name", NO_PIXEL_DATA)
def test_files_without_pixel_data_say_so(name):
    path = _path_or_skip(name)
    with pytest.raises(DicomError, match="no pixel data"):
        load_image(path)


def test_palette_colour_is_converted_through_its_lut_not_read_as_indices():
    import pydicom

    path = _path_or_skip("examples_palette.dcm")
    indices = pydicom.dcmread(path).pixel_array
    values = load_image(path).values
    assert indices.max() <= 255 < values.max()  # 16-bit palette entries, not 8-bit indices


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_12_bit_jpeg_is_one_sentence(tmp_path, cut):
    """Damaged 12-bit JPEG streams reach imagecodecs; its errors become our sentence, never a crash."""
    src = _path_or_skip("JPGExtended.dcm")
    data = open(src, "rb").read()
    start = data.index(b"\xff\xd8\xff")          # the JPEG stream inside the fragment
    damaged = bytearray(data)
    end = start + int((len(data) - start) * cut)
    damaged[end:len(data) - 8] = b"\0" * (len(data) - 8 - end)   # keep the item structure, lose the entropy data
    path = tmp_path / "damaged.dcm"
    path.write_bytes(bytes(damaged))
    try:
        image = load_image(path)
    except DicomError as err:
        assert str(err).startswith("damaged.dcm:") and "\n" not in str(err)
    else:  # libjpeg may decode a zero-filled tail as a (wrong) image: still no crash
        assert image.values.shape == (1024, 256)


def test_12_bit_jpeg_decode_matches_imagecodecs_directly():
    """The modality-LUT path adds nothing to these files (no rescale): values are the decoded samples."""
    import imagecodecs
    import pydicom
    from pydicom.encaps import get_frame

    path = _path_or_skip("JPEG-lossy.dcm")
    ds = pydicom.dcmread(path)
    direct = imagecodecs.jpeg8_decode(get_frame(ds.PixelData, 0, number_of_frames=1))
    np.testing.assert_array_equal(load_image(path).values, direct.astype(np.float32))
