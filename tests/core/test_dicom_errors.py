"""Bad inputs give one clear sentence naming the file, never a traceback or an allocation."""

from __future__ import annotations

import shutil
import struct
import tracemalloc

import cv2
import numpy as np
import pytest

from core.dicom.header import read_header
from core.dicom.pixels import load_dicom_image
from core.errors import (
    CorruptDicomError, DicomError, ImageTooLargeError, NotDicomError, UnsupportedDicomError,
)
from core.imaging.image import load_image
from tests.core.dicom_reference import bundled_file, refused_with_traced_peak, write_dicom


def _one_sentence(err: Exception, filename: str) -> str:
    text = str(err)
    assert "\n" not in text and text.startswith(f"{filename}:"), text
    return text


def _copy(name: str, tmp_path) -> str:
    src = bundled_file(name)
    if src is None:
        pytest.skip(f"{name} is not bundled with this pydicom")
    return shutil.copy(src, tmp_path / name)


@pytest.mark.parametrize("reader", [read_header, load_image])
def test_empty_file(tmp_path, reader):
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    with pytest.raises(NotDicomError) as info:
        reader(path)
    assert "empty" in _one_sentence(info.value, "empty.dcm")


@pytest.mark.parametrize("reader", [read_header, load_image])
def test_random_bytes(tmp_path, reader):
    path = tmp_path / "noise.dcm"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(NotDicomError) as info:
        reader(path)
    assert "not a DICOM file" in _one_sentence(info.value, "noise.dcm")


def test_png_renamed_dcm_is_refused_by_the_dicom_reader_but_loads_as_an_image(tmp_path):
    path = tmp_path / "xray.dcm"
    grey = (np.arange(40 * 30).reshape(40, 30) % 251).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "x.png"), grey)
    (tmp_path / "x.png").rename(path)
    for reader in (read_header, load_dicom_image):
        with pytest.raises(NotDicomError) as info:
            reader(path)
        assert "PNG" in _one_sentence(info.value, "xray.dcm")
    image = load_image(path)  # by content, not by extension
    np.testing.assert_array_equal(image.values, grey.astype(np.float32))


def test_sixteen_bit_png_keeps_its_values(tmp_path):
    values = (np.arange(64 * 32).reshape(64, 32) * 17).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "deep.png"), values)
    image = load_image(tmp_path / "deep.png")
    assert image.values.max() > 255  # never 8-bit-clipped
    np.testing.assert_array_equal(image.values, values.astype(np.float32))


def test_truncated_bitmap(tmp_path):
    ok, buf = cv2.imencode(".png", np.full((64, 64), 7, np.uint8))
    (tmp_path / "cut.png").write_bytes(buf.tobytes()[:60])
    with pytest.raises(DicomError) as info:
        load_image(tmp_path / "cut.png")
    assert "truncated or damaged" in _one_sentence(info.value, "cut.png")


@pytest.mark.parametrize("keep", [100, 131, 300, 600, 1500, 5000, -600])
def test_truncated_native_file(tmp_path, keep):
    path = _copy("MR_small.dcm", tmp_path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:keep])
    with pytest.raises(DicomError) as info:
        load_image(path)
    assert isinstance(info.value, (NotDicomError, CorruptDicomError))
    _one_sentence(info.value, "MR_small.dcm")


def test_pixel_data_shorter_than_the_image_needs(tmp_path):
    path = _copy("MR_small.dcm", tmp_path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-600])
    with pytest.raises(CorruptDicomError) as info:
        load_image(path)
    assert "pixel data is truncated" in _one_sentence(info.value, "MR_small.dcm")


def test_header_scan_does_not_need_the_pixels(tmp_path):
    path = _copy("MR_small.dcm", tmp_path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-600])  # pixels damaged, header intact
    assert read_header(path, check_pixel_data=False).rows == 64
    with pytest.raises(CorruptDicomError, match="pixel data declares 8,192 bytes but only 7,730 are present"):
        read_header(path)   # the import's scan: completeness checked from offsets, pixels still unread


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_truncated_jpeg_2000(tmp_path, fraction):
    path = _copy("JPEG2000.dcm", tmp_path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[: int(len(data) * fraction)])
    with pytest.raises(CorruptDicomError) as info:
        load_image(path)
    text = _one_sentence(info.value, "JPEG2000.dcm")
    assert "truncated" in text


def _pixel_length_offset(data: bytes) -> int:
    """Offset of the 4-byte value length of (7FE0,0010) OW in an explicit-LE file."""
    at = data.rindex(b"\xe0\x7f\x10\x00OW\x00\x00")
    return at + 8


def test_declared_pixel_length_beyond_the_file_is_refused(tmp_path):
    path = write_dicom(tmp_path / "liar.dcm", np.zeros((8, 8), np.uint16))
    data = bytearray(open(path, "rb").read())
    struct.pack_into("<I", data, _pixel_length_offset(bytes(data)), 0x7FFFFFF0)
    open(path, "wb").write(bytes(data))
    with pytest.raises(CorruptDicomError) as info:
        load_image(path)
    assert "truncated" in _one_sentence(info.value, "liar.dcm")


def test_pixel_budget_is_checked_before_allocating(tmp_path):
    """A tiny file declaring 30000 x 30000 x 1000 frames fails fast, without a MemoryError."""
    path = write_dicom(tmp_path / "huge.dcm", np.zeros((4, 4), np.uint16), frames=1000)
    data = bytearray(open(path, "rb").read())
    for tag in (b"\x28\x00\x10\x00US\x02\x00", b"\x28\x00\x11\x00US\x02\x00"):  # Rows, Columns
        at = data.index(tag) + 8
        struct.pack_into("<H", data, at, 30000)
    open(path, "wb").write(bytes(data))
    assert read_header(path, check_pixel_data=False).pixel_count == 30000 * 30000 * 1000
    with pytest.raises(ImageTooLargeError):
        read_header(path)   # import refuses it too, with the same sentence
    tracemalloc.start()
    try:
        with pytest.raises(ImageTooLargeError) as info:
            load_image(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024
    text = _one_sentence(info.value, "huge.dcm")
    assert "30000 x 30000" in text and "1000 frame" in text and "limit" in text


def test_unknown_compression_is_named(tmp_path):
    """JPEG XL (newer than this pydicom) -> 'compressed with JPEG XL, which ... cannot decode'."""
    import pydicom
    from pydicom.encaps import encapsulate

    path = write_dicom(tmp_path / "jxl.dcm", np.zeros((8, 8), np.uint8))
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.201"  # same length as the JPEG XL UID
    ds.PixelData = encapsulate([b"\xff\x0a" + b"\0" * 30])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.save_as(path)
    data = open(path, "rb").read()
    # pydicom 3.0 refuses to write a transfer syntax it does not know: patch the UID in place.
    open(path, "wb").write(data.replace(b"1.2.840.10008.1.2.4.201", b"1.2.840.10008.1.2.4.112", 1))
    with pytest.raises(UnsupportedDicomError) as info:
        load_image(path)
    assert _one_sentence(info.value, "jxl.dcm") == \
        "jxl.dcm: compressed with JPEG XL, which this installation cannot decode"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DicomError, match="does not exist"):
        load_image(tmp_path / "nope.dcm")
    with pytest.raises(DicomError, match="folder"):
        read_header(tmp_path)


def test_non_numeric_attribute_is_named(tmp_path):
    path = _copy("badVR.dcm", tmp_path)
    with pytest.raises(CorruptDicomError) as info:
        load_image(path)
    assert "(0028,0008)" in _one_sentence(info.value, "badVR.dcm")


def test_gdcm_is_not_used_where_a_safer_plugin_exists():
    from core.dicom.pixels import decoding_plugin
    from tests.core import dicom_reference as r

    for ts in (r.J2K, r.J2K_LOSSLESS, r.JPEG_BASELINE, r.JPEG_EXTENDED, r.JPEG_LS_LOSSLESS, r.RLE):
        assert decoding_plugin(ts) not in ("gdcm", ""), ts
    assert decoding_plugin(r.EXPLICIT_LE) == ""  # native: pydicom's own path


def test_damaged_jpeg_2000_that_aborts_gdcm_is_a_clear_error(tmp_path):
    """One byte in the JPEG 2000 header made GDCM call std::terminate (process abort).

    Run in a subprocess so a regression fails this test instead of killing pytest.
    """
    import subprocess
    import sys
    from pathlib import Path

    path = _copy("JPEG2000.dcm", tmp_path)
    data = bytearray(Path(path).read_bytes())
    data[3092] = 169
    Path(path).write_bytes(bytes(data))
    code = ("from core.imaging.image import load_image\n"
            "from core.errors import DicomError\n"
            f"try:\n    load_image({str(path)!r}); print('decoded')\n"
            "except DicomError as e:\n    print(e)\n")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.strip() in ("decoded", "JPEG2000.dcm: the JPEG 2000 data is truncated or damaged and cannot be decoded")


def test_a_damaged_transfer_syntax_uid_is_not_echoed_into_the_message():
    """Found by the mutation corpus: a flipped byte put a newline into (0002,0010) and into the sentence."""
    from core.dicom.transfer_syntax import transfer_syntax_name

    assert transfer_syntax_name("1.2\n840.10008.1.2.4.90") == "an invalid transfer syntax (its UID is damaged)"
    assert transfer_syntax_name("1.2.840.10008.1.2.4.90") == "JPEG 2000 Image Compression (Lossless Only)"
    assert transfer_syntax_name("1.2.3.4") == "an unknown transfer syntax (1.2.3.4)"


def test_rle_declaring_more_than_its_data_can_hold_is_refused_before_allocating(tmp_path):
    """A 6 KB RLE file claiming 19999 x 19999 pixels made pydicom's RLE decoder fill ~850 MB before failing."""
    import pydicom

    ds = pydicom.dcmread(_copy("MR_small_RLE.dcm", tmp_path))
    ds.Rows, ds.Columns = 19999, 19999
    path = tmp_path / "rle_lie.dcm"
    ds.save_as(path)
    error, peak = refused_with_traced_peak(path, CorruptDicomError)
    assert "cannot hold the 799,920,002 bytes" in _one_sentence(error, "rle_lie.dcm")
    assert peak < 20 << 20
    from core.importing.probe import probe_file

    probe = probe_file(path)   # import refuses it too, with the same reason
    assert probe.kind == "rejected" and "cannot hold the 799,920,002 bytes" in probe.error


def test_the_rle_bound_is_the_standard_s_own():
    """PS3.5 G.3.1: 2 bytes decode to at most 128, so 64 x the data is allowed and one byte more is not."""
    from core.dicom.completeness import check_rle_expansion

    check_rle_expansion("x.dcm", 1000, 64_000)
    with pytest.raises(CorruptDicomError):
        check_rle_expansion("x.dcm", 1000, 64_001)


def test_rle_of_a_uniform_image_compresses_close_to_the_bound_and_still_decodes(tmp_path):
    """The most compressible image there is (every pixel equal) must not be taken for a lying header."""
    from pydicom.uid import RLELossless

    pixels = np.full((512, 512), 1234, dtype=np.uint16)
    path = write_dicom(tmp_path / "uniform.dcm", pixels)
    import pydicom

    ds = pydicom.dcmread(path)
    ds.compress(RLELossless, encoding_plugin="pydicom")
    ds.save_as(path)
    compressed = len(ds.PixelData)
    assert pixels.nbytes / compressed > 40   # near the 64:1 bound, so the check really is exercised
    image = load_image(path)
    assert image.values.shape == (512, 512) and float(image.values.min()) == float(image.values.max()) == 1234.0
