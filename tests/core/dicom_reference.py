"""Expected values for pydicom's bundled test files, and builders for synthetic DICOM.

Like pydicom's ``tests/pixels/pixels_reference.py``: one row per file with
the transfer syntax it covers, the decoded shape of one frame, the frame
count, the photometric interpretation as stored, the range of the values
after the Modality LUT (colour -> BT.601 luminance) and a few spot values.
Values for colour files are luminance: pure red (255, 0, 0) at (0, 0) of the
SC_rgb family gives 0.299 * 255 = 76.245.
Files missing from the installed pydicom are skipped, never downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ref:
    name: str
    transfer_syntax: str
    shape: tuple[int, int]
    frames: int
    photometric: str
    vmin: float
    vmax: float
    spots: dict
    windows: list


EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
RLE = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
JPEG_LS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEG_LS_NEAR = "1.2.840.10008.1.2.4.81"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
J2K = "1.2.840.10008.1.2.4.91"

REFERENCE = [
    # grey, Modality LUT = rescale
    Ref("CT_small.dcm", EXPLICIT_LE, (128, 128), 1, "MONOCHROME2", -896.0, 1167.0, {(0, 0): -849.0, (64, 64): 904.0}, []),
    Ref("MR_small.dcm", EXPLICIT_LE, (64, 64), 1, "MONOCHROME2", 127.0, 2145.0, {(0, 0): 905.0, (32, 32): 182.0}, [(600.0, 1600.0)]),
    Ref("MR_small_implicit.dcm", IMPLICIT_LE, (64, 64), 1, "MONOCHROME2", 127.0, 2145.0, {(0, 0): 905.0, (32, 32): 182.0}, [(600.0, 1600.0)]),
    Ref("MR_small_bigendian.dcm", EXPLICIT_BE, (64, 64), 1, "MONOCHROME2", 127.0, 2145.0, {(0, 0): 905.0, (32, 32): 182.0}, [(600.0, 1600.0)]),
    Ref("MR_small_expb.dcm", EXPLICIT_BE, (64, 64), 1, "MONOCHROME2", 127.0, 2145.0, {(0, 0): 905.0, (32, 32): 182.0}, [(600.0, 1600.0)]),
    Ref("MR_small_RLE.dcm", RLE, (64, 64), 1, "MONOCHROME2", 127.0, 2145.0, {(0, 0): 905.0, (32, 32): 182.0}, [(600.0, 1600.0)]),
    Ref("MR_small_jp2klossless.dcm", J2K_LOSSLESS, (64, 64), 1, "MONOCHROME2", 127.0, 2145.0, {(0, 0): 905.0, (32, 32): 182.0}, [(600.0, 1600.0)]),
    Ref("MR_small_jpeg_ls_lossless.dcm", JPEG_LS_LOSSLESS, (64, 64), 1, "MONOCHROME2", 127.0, 2145.0, {(0, 0): 905.0, (32, 32): 182.0}, [(600.0, 1600.0)]),
    Ref("MR_small_padded.dcm", EXPLICIT_LE, (64, 64), 1, "MONOCHROME2", 127.0, 2145.0, {(0, 0): 905.0, (32, 32): 182.0}, [(600.0, 1600.0)]),
    Ref("JPEG2000.dcm", J2K, (1024, 256), 1, "MONOCHROME2", -30.0, 245.0, {(0, 0): 0.0, (512, 128): 7.0}, []),
    Ref("693_J2KI.dcm", J2K, (512, 512), 1, "MONOCHROME2", -3995.0, 1812.0, {(0, 0): -3040.0, (256, 256): 32.0}, [(40.0, 100.0)]),
    Ref("J2K_pixelrep_mismatch.dcm", J2K_LOSSLESS, (512, 512), 1, "MONOCHROME2", -2000.0, 1896.0, {(0, 0): -2000.0, (256, 256): 27.0}, [(40.0, 100.0)]),
    Ref("JPEGLSNearLossless_16.dcm", JPEG_LS_NEAR, (50, 10), 1, "MONOCHROME2", 0.0, 65535.0, {(0, 0): 65535.0, (25, 5): 255.0}, []),
    Ref("image_dfl.dcm", DEFLATED, (512, 512), 1, "MONOCHROME2", 0.0, 255.0, {(0, 0): 213.0, (256, 256): 65.0}, []),
    Ref("examples_overlay.dcm", EXPLICIT_LE, (300, 484), 1, "MONOCHROME2", 0.0, 1123.0, {(0, 0): 0.0, (150, 242): 136.0}, [(450.0, 790.0)]),
    Ref("liver_1frame.dcm", EXPLICIT_LE, (512, 512), 1, "MONOCHROME2", 0.0, 1.0, {(0, 0): 0.0, (256, 256): 1.0}, []),
    # multi-frame (frame 0 by default)
    Ref("rtdose.dcm", IMPLICIT_LE, (10, 10), 15, "MONOCHROME2", 795000.0, 1254000.0, {(0, 0): 1249000.0, (5, 5): 978000.0}, []),
    Ref("rtdose_rle.dcm", RLE, (10, 10), 15, "MONOCHROME2", 795000.0, 1254000.0, {(0, 0): 1249000.0, (5, 5): 978000.0}, []),
    Ref("SC_rgb_rle_2frame.dcm", RLE, (100, 100), 2, "RGB", 0.0, 255.0, {(0, 0): 76.245, (50, 50): 142.478}, []),
    Ref("examples_ybr_color.dcm", JPEG_BASELINE, (240, 320), 30, "YBR_FULL_422", 0.0, 191.881, {(0, 0): 1.467, (120, 160): 7.0}, []),
    # colour -> luminance
    Ref("SC_rgb_jpeg_gdcm.dcm", JPEG_LOSSLESS_SV1, (100, 100), 1, "RGB", 0.0, 255.0, {(0, 0): 76.245, (50, 50): 142.478}, []),
    Ref("SC_rgb_jpeg_dcmtk.dcm", JPEG_BASELINE, (100, 100), 1, "YBR_FULL", 0.0, 255.0, {(0, 0): 75.946, (50, 50): 142.755}, []),
    Ref("SC_rgb_dcmtk_+eb+cy+np.dcm", JPEG_BASELINE, (100, 100), 1, "YBR_FULL_422", 0.0, 255.0, {(0, 0): 75.946, (50, 50): 140.13}, []),
    Ref("SC_rgb_rle.dcm", RLE, (100, 100), 1, "RGB", 0.0, 255.0, {(0, 0): 76.245, (50, 50): 142.478}, []),
    Ref("SC_ybr_full_422_uncompressed.dcm", EXPLICIT_LE, (100, 100), 1, "YBR_FULL_422", 0.0, 255.0, {(0, 0): 75.946, (50, 50): 142.755}, []),
    Ref("SC_rgb_small_odd_big_endian.dcm", EXPLICIT_BE, (3, 3), 1, "RGB", 89.97, 158.0, {(0, 0): 138.329, (1, 1): 89.97}, []),
    Ref("ExplVR_BigEnd.dcm", EXPLICIT_BE, (60, 80), 1, "RGB", 123.0, 255.0, {(0, 0): 171.0, (30, 40): 225.93}, []),
    Ref("SC_rgb_gdcm_KY.dcm", J2K, (100, 100), 1, "RGB", 0.0, 255.0, {(0, 0): 76.245, (50, 50): 142.478}, []),
    Ref("examples_jpeg2k.dcm", J2K_LOSSLESS, (480, 640), 1, "YBR_RCT", 0.0, 255.0, {(0, 0): 0.0, (240, 320): 12.0}, []),
    Ref("examples_palette.dcm", EXPLICIT_LE, (350, 800), 1, "PALETTE COLOR", 0.0, 65280.0, {(0, 0): 14892.288, (175, 400): 256.0}, []),
    # 12-bit JPEG Extended through imagecodecs (core/dicom/jpeg_extended.py); the spot
    # values (420, 140) = 244 and (230, 120) = 95 are pydicom's published reference
    # (tests/pixels/pixels_reference.py, JPGE_BAD and JPGE_16_12_1_0_1F_M2).
    Ref("JPEG-lossy.dcm", JPEG_EXTENDED, (1024, 256), 1, "MONOCHROME2", 0.0, 264.0, {(420, 140): 244.0, (230, 120): 95.0}, []),
    Ref("JPGExtended.dcm", JPEG_EXTENDED, (1024, 256), 1, "MONOCHROME2", 0.0, 264.0, {(420, 140): 244.0, (230, 120): 95.0}, []),
]

# 12-bit JPEG Extended: pydicom's installed plugins cannot decode these here (GDCM's
# wheel lacks 12-bit IJG; pylibjpeg-libjpeg is GPL), so our decode is checked against
# pydicom's published values above instead of its pixel_array.
TWELVE_BIT_JPEG = ["JPEG-lossy.dcm", "JPGExtended.dcm"]
UNSUPPORTED_12BIT_JPEG = TWELVE_BIT_JPEG   # when imagecodecs is missing: a clear "cannot decode" sentence

# DICOM without pixel data: a "no pixel data" sentence, never a traceback.
NO_PIXEL_DATA = ["rtplan.dcm", "test-SR.dcm", "reportsi.dcm", "waveform_ecg.dcm"]


def bundled_file(name: str) -> str | None:
    """Path of a pydicom bundled test file, or None when not installed (never downloads)."""
    from pydicom.data import get_testdata_file

    try:
        return get_testdata_file(name, download=False)
    except (ValueError, OSError):  # pragma: no cover - depends on the installed pydicom
        return None


def write_dicom(path, pixels: np.ndarray, *, photometric: str = "MONOCHROME2", signed: bool | None = None,
                bits_stored: int | None = None, frames: int | None = None, transfer_syntax: str = EXPLICIT_LE,
                **attributes) -> str:
    """A minimal valid DICOM file (CR image) with ``pixels`` as native pixel data.

    ``attributes`` are extra dataset keywords (WindowCenter=..., RescaleSlope=...).
    """
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import generate_uid

    pixels = np.asarray(pixels)
    if signed is None:
        signed = pixels.dtype.kind == "i"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"  # CR Image Storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = transfer_syntax
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID = "SYNTH001"
    ds.Modality = "CR"
    ds.Rows, ds.Columns = pixels.shape[-2], pixels.shape[-1]
    if frames is not None:
        ds.NumberOfFrames = frames
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored = bits_stored or pixels.dtype.itemsize * 8
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if signed else 0
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    big = transfer_syntax == EXPLICIT_BE
    data = pixels.astype(pixels.dtype.newbyteorder(">" if big else "<"))
    ds.PixelData = data.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return str(path)


def refused_with_traced_peak(path, error_type):
    """Render ``path``, which must be refused with ``error_type``: (the error, peak bytes traced meanwhile).

    For lying headers: the refusal must come before a decoder reserves what the header claims.
    """
    import tracemalloc

    import pytest

    from core.imaging.image import load_image

    tracemalloc.start()
    try:
        with pytest.raises(error_type) as info:
            load_image(path)
        return info.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
