"""Pixel decode: one frame of a DICOM file -> RadiographImage, with limits checked first.

pydicom is the one pixel path (DESIGN.md). Before anything is decoded the
header values are checked against the pixel budget and the file size, so a
crafted header declaring 30000 x 30000 x 1000 is refused without allocating.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from core.dicom.codestream import check_codestream_size
from core.dicom.completeness import (
    PIXEL_BUDGET, RLE_LOSSLESS, check_declared_size, check_rle_expansion, native_pixel_bytes,
)
from core.dicom.header import int_value, text_value, transfer_syntax_of
from core.dicom.jpeg_extended import available as jpeg_extended_available
from core.dicom.jpeg_extended import decode_jpeg_extended_frame, needs_imagecodecs
from core.dicom.reading import PIXEL_TAGS, OpenedDataset, damaged_file_guard, read_dataset
from core.dicom.transfer_syntax import (
    can_decode, compression_family, is_compressed, transfer_syntax_name,
)
from core.errors import CorruptDicomError, DicomError, ImageTooLargeError, UnsupportedDicomError
from core.imaging.colour import luminance
from core.imaging.display import apply_modality_lut_sequence, apply_rescale
from core.imaging.image import LookupTable, RadiographImage


_COLOUR = ("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_PARTIAL_420", "YBR_ICT", "YBR_RCT", "PALETTE COLOR")


@dataclass(frozen=True)
class PixelGeometry:
    """(0028,0010) Rows, (0028,0011) Columns, (0028,0008) Number of Frames,
    (0028,0002) Samples per Pixel, (0028,0100) Bits Allocated."""

    rows: int
    columns: int
    frames: int
    samples: int
    bits_allocated: int
    photometric: str = "MONOCHROME2"

    @property
    def samples_total(self) -> int:
        return self.rows * self.columns * self.frames * self.samples

    @property
    def native_bytes(self) -> int:
        """Bytes the uncompressed pixel data must hold (bit-packed for 1-bit images).

        Native YBR_FULL_422 stores two samples per pixel (Y Y Cb Cr per pair), PS3.3 C.7.6.3.1.2.
        """
        return native_pixel_bytes(self.rows, self.columns, self.frames, self.samples, self.bits_allocated,
                                  self.photometric)


def pixel_geometry(ds, path: str) -> PixelGeometry:
    rows = int_value(ds, "Rows", path, "(0028,0010)")
    columns = int_value(ds, "Columns", path, "(0028,0011)")
    if not rows or not columns:
        raise CorruptDicomError(path, "the image has no Rows/Columns (0028,0010/0011), so its pixels cannot be read")
    return PixelGeometry(
        rows=rows,
        columns=columns,
        frames=max(1, int_value(ds, "NumberOfFrames", path, "(0028,0008)", 1) or 1),
        samples=max(1, int_value(ds, "SamplesPerPixel", path, "(0028,0002)", 1) or 1),
        bits_allocated=int_value(ds, "BitsAllocated", path, "(0028,0100)", 16) or 16,
        photometric=(text_value(ds, "PhotometricInterpretation") or "MONOCHROME2").upper(),
    )


def check_pixel_budget(geometry: PixelGeometry, path: str, budget: int = PIXEL_BUDGET) -> None:
    """Refuse images whose declared rows x columns x frames x samples exceed ``budget``."""
    check_declared_size(path, geometry.rows, geometry.columns, geometry.frames, geometry.samples, budget)


def check_frame(frame: int, frames: int, path: str) -> None:
    if not 0 <= frame < frames:
        raise DicomError(
            path,
            f"frame {frame} does not exist; the file has {frames} frame(s), numbered 0 to {frames - 1}",
        )


def check_native_length(opened: OpenedDataset, geometry: PixelGeometry, ts: str | None) -> None:
    """Uncompressed pixel data must be as long as rows x columns x frames x bits say."""
    if is_compressed(ts):
        return
    elem = opened.dataset.get_item(0x7FE00010, keep_deferred=True)
    if elem is None:
        return
    length = getattr(elem, "length", None)
    value = getattr(elem, "value", None)
    if isinstance(value, (bytes, bytearray)):  # read (not deferred): a short read means a truncated file
        length = len(value) if length in (None, 0xFFFFFFFF) else min(length, len(value))
    if length == 0xFFFFFFFF:
        length = None
    if length is not None and length < geometry.native_bytes:
        raise CorruptDicomError(
            opened.path,
            f"the pixel data is truncated: {length:,} bytes present, "
            f"{geometry.native_bytes:,} needed for {geometry.rows} x {geometry.columns} pixels",
        )


def check_compressed_expansion(opened: OpenedDataset, geometry: PixelGeometry, ts: str | None) -> None:
    """Compressed data that cannot decode to the declared image is refused before a decoder allocates it.

    RLE has a hard bound (PS3.5 G.3.1, core.dicom.completeness.check_rle_expansion); JPEG, JPEG-LS and
    JPEG 2000 streams carry their own dimensions, checked against the header's before pydicom reserves
    the header's size (core.dicom.codestream; data that is not in fragment items decides nothing there).
    """
    if opened.pixel_value_tell is None:
        return
    if str(ts or "") == RLE_LOSSLESS:
        check_rle_expansion(opened.path, opened.file_size - opened.pixel_value_tell, geometry.native_bytes)
    else:
        check_codestream_size(opened.path, opened.pixel_value_tell, geometry.rows, geometry.columns,
                              compression_family(ts))


def _ensure_transfer_syntax(ds) -> str | None:
    """Files without a File Meta header still decode if their encoding is known."""
    ts = transfer_syntax_of(ds)
    if ts:
        return ts
    implicit, little = getattr(ds, "original_encoding", (None, None))
    if implicit is None or little is None:
        return None
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    uid = ImplicitVRLittleEndian if implicit else (ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
    if getattr(ds, "file_meta", None) is None:
        ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = uid
    return str(uid)


# GDCM aborts the whole process (an uncaught C++ exception -> std::terminate)
# on some damaged JPEG and JPEG 2000 streams, where the other plugins raise a
# Python exception. So GDCM is used only for transfer syntaxes no other
# installed plugin decodes (JPEG Lossless Process 14 with this install), and
# then only in a child process (core/dicom/isolated_decode.py).
PLUGIN_PREFERENCE = ("pylibjpeg", "pyjpegls", "pillow", "pydicom", "numpy")
UNSAFE_PLUGINS = ("gdcm",)


def decoding_plugin(ts: str | None) -> str:
    """The pydicom decoding plugin to use for ``ts``: '' for native data (pydicom's own reader, no plugin).

    Always a named plugin for compressed data: given a name, pydicom tries no
    other plugin when that one fails, so a failing safe plugin can never fall
    through to GDCM in this process. '' for a compressed syntax nothing here decodes.
    """
    if not ts or not is_compressed(ts):
        return ""
    from pydicom.pixels import get_decoder

    try:
        available = get_decoder(ts).available_plugins
    except (NotImplementedError, ValueError):
        return ""
    for name in PLUGIN_PREFERENCE:
        if name in available:
            return name
    return available[0] if available else ""


def _decoder_failure(path: str, ts: str | None, text: str) -> DicomError:
    """A decoder's exception text (all of it: pydicom puts each plugin's reason on its own line) as one sentence."""
    if "12-bit" in text or "precision" in text and "not support" in text:
        return UnsupportedDicomError(
            path, f"compressed with 12-bit {transfer_syntax_name(ts)}, which this installation cannot decode")
    if is_compressed(ts):
        return CorruptDicomError(path, f"the {compression_family(ts)} data is truncated or damaged and cannot be decoded")
    first_line = text.strip().splitlines()[0][:120].rstrip(".") if text.strip() else "no reason given"
    return CorruptDicomError(path, f"the pixel data cannot be decoded ({first_line})")


def decode_frame(opened: OpenedDataset, frame: int, ts: str | None) -> np.ndarray:
    """pydicom decode of one frame (YBR converted to RGB by pydicom); errors made readable.

    GDCM decodes run in the isolated child process; every other plugin (and
    native data) decodes here, where it is fast.
    """
    path = opened.path
    plugin = decoding_plugin(ts)
    if is_compressed(ts) and not plugin:
        raise UnsupportedDicomError(path, f"compressed with {transfer_syntax_name(ts)}, which this installation cannot decode")
    if plugin in UNSAFE_PLUGINS:
        from core.dicom.isolated_decode import DecoderFailed, decode_isolated

        try:
            return decode_isolated(path, frame, compression_family(ts), transfer_syntax_name(ts))
        except DecoderFailed as err:
            raise _decoder_failure(path, ts, str(err)) from None
    from pydicom.pixels import pixel_array

    try:
        return pixel_array(opened.dataset, index=frame, decoding_plugin=plugin)
    except MemoryError:
        raise ImageTooLargeError(path, "there is not enough memory to decode this image") from None
    except Exception as err:  # noqa: BLE001 - every decoder failure becomes one sentence
        raise _decoder_failure(path, ts, str(err) or type(err).__name__) from None


def _lut_from_item(item, ds, path: str, signed_input: bool) -> LookupTable:
    """(0028,3002) LUT Descriptor + (0028,3006) LUT Data of one LUT sequence item."""
    try:
        n_entries, first_mapped, bits = (int(v) for v in item.LUTDescriptor)
        n_entries = n_entries or 65536  # PS3.3 C.11.1.1: 0 means 2**16 entries
        elem = item["LUTData"]
        raw = elem.value
        if isinstance(raw, (bytes, bytearray)):
            little = getattr(ds, "original_encoding", (None, True))[1]
            little = True if little is None else little
            data = np.frombuffer(raw, dtype="<u2" if little else ">u2")[:n_entries]
        else:
            data = np.asarray(list(raw) if not np.isscalar(raw) else [raw])
    except (AttributeError, KeyError, TypeError, ValueError):
        raise CorruptDicomError(path, "a lookup table (LUT Descriptor/LUT Data) is incomplete") from None
    if signed_input and first_mapped >= 32768:
        first_mapped -= 65536  # descriptor value is SS when Pixel Representation is signed
    return LookupTable(first_mapped=first_mapped, bits=bits, data=data.astype(np.float32))


def _float_value(ds, keyword: str, default: float, path: str) -> float:
    value = ds.get(keyword)
    if value is None or value == "":
        return default
    try:
        return float(value[0] if not isinstance(value, (str, bytes, float, int)) and hasattr(value, "__getitem__") else value)
    except (TypeError, ValueError):
        raise CorruptDicomError(path, f"{keyword} is not a number ({str(value)[:20]!r})") from None


def _windows(ds) -> list[tuple[float, float]]:
    """(0028,1050) Window Center / (0028,1051) Window Width pairs; bad pairs dropped."""
    centers, widths = ds.get("WindowCenter"), ds.get("WindowWidth")
    if centers is None or widths is None:
        return []
    centers = list(centers) if hasattr(centers, "__iter__") and not isinstance(centers, str) else [centers]
    widths = list(widths) if hasattr(widths, "__iter__") and not isinstance(widths, str) else [widths]
    pairs = []
    for c, w in zip(centers, widths):
        try:
            c, w = float(c), float(w)
        except (TypeError, ValueError):
            continue
        if w > 0 and np.isfinite(c) and np.isfinite(w):
            pairs.append((c, w))
    return pairs


def load_dicom_image(path, frame: int = 0) -> RadiographImage:
    """Decode frame ``frame`` (0-based) of a DICOM file into modality units."""
    path = os.fspath(path)
    opened = read_dataset(path, stop_before_pixels=False)
    with damaged_file_guard(path):
        return _image_from_dataset(opened, frame)


def _image_from_dataset(opened: OpenedDataset, frame: int) -> RadiographImage:
    path, ds = opened.path, opened.dataset
    ts = _ensure_transfer_syntax(ds)
    if opened.pixel_element_lost:
        raise CorruptDicomError(path, f"the {compression_family(ts)} data is truncated")
    if not opened.pixel_tag_seen:
        if not opened.ended_cleanly or ("Rows" in ds and "Columns" in ds):  # cut off before the pixels
            raise CorruptDicomError(path, "the file is truncated: the image header is there but its pixel data is missing")
        raise DicomError(path, "it contains no pixel data (it may be a report or a document, not an image)")
    geometry = pixel_geometry(ds, path)
    check_pixel_budget(geometry, path)
    check_frame(frame, geometry.frames, path)
    bits_stored = int_value(ds, "BitsStored", path, "(0028,0101)", geometry.bits_allocated)
    signed = int_value(ds, "PixelRepresentation", path, "(0028,0103)", 0) == 1
    twelve_bit_jpeg = needs_imagecodecs(ts, bits_stored) and jpeg_extended_available()
    if ts and not twelve_bit_jpeg and not can_decode(ts):
        raise UnsupportedDicomError(path, f"compressed with {transfer_syntax_name(ts)}, which this installation cannot decode")
    check_native_length(opened, geometry, ts)
    check_compressed_expansion(opened, geometry, ts)

    if twelve_bit_jpeg:
        with damaged_file_guard(path):
            arr = decode_jpeg_extended_frame(ds, path, frame, geometry.frames, geometry.rows, geometry.columns,
                                             geometry.samples, bits_stored, signed)
    else:
        arr = decode_frame(opened, frame, ts)
    photometric = (text_value(ds, "PhotometricInterpretation") or "MONOCHROME2").upper()
    integral = np.issubdtype(arr.dtype, np.integer)

    if photometric == "PALETTE COLOR" and arr.ndim == 2:
        from pydicom.pixels import apply_color_lut

        try:
            arr = apply_color_lut(arr, ds)
        except Exception:  # noqa: BLE001
            raise CorruptDicomError(path, "its palette colour lookup table is missing or damaged") from None
    if arr.ndim == 3:  # RGB (pydicom already converted YBR_* to RGB) -> grey
        return RadiographImage(
            values=luminance(arr), photometric=photometric, invert=False, frame=frame,
            frames=geometry.frames, source_path=path, integral=False,
        )

    modality_lut = None
    if ds.get("ModalityLUTSequence"):
        modality_lut = _lut_from_item(ds.ModalityLUTSequence[0], ds, path, signed)
        values = apply_modality_lut_sequence(arr, modality_lut.first_mapped, modality_lut.data)
        slope, intercept = 1.0, 0.0
    else:
        slope = _float_value(ds, "RescaleSlope", 1.0, path)
        intercept = _float_value(ds, "RescaleIntercept", 0.0, path)
        values = apply_rescale(arr, slope, intercept)
        integral = integral and float(slope).is_integer() and float(intercept).is_integer()

    padding = ds.get("PixelPaddingValue")
    padding_value = None
    if padding is not None and not isinstance(padding, (bytes, bytearray)):
        try:
            p = np.array([int(padding)])
            padding_value = float(
                apply_modality_lut_sequence(p, modality_lut.first_mapped, modality_lut.data)[0]
                if modality_lut is not None else apply_rescale(p, slope, intercept)[0]
            )
        except (TypeError, ValueError):
            padding_value = None

    voi_lut = None
    if ds.get("VOILUTSequence"):
        try:
            voi_lut = _lut_from_item(ds.VOILUTSequence[0], ds, path, signed)
        except CorruptDicomError:
            voi_lut = None  # a broken VOI LUT falls back to the window; the image is still readable
    function = (text_value(ds, "VOILUTFunction") or "LINEAR").upper()
    if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
        function = "LINEAR"

    return RadiographImage(
        values=values,
        photometric=photometric,
        invert=photometric == "MONOCHROME1",
        windows=_windows(ds),
        voi_function=function,
        voi_lut=voi_lut,
        padding_value=padding_value,
        frame=frame,
        frames=geometry.frames,
        source_path=path,
        integral=bool(integral),
    )


__all__ = [
    "PIXEL_BUDGET", "PIXEL_TAGS", "PixelGeometry", "check_compressed_expansion", "check_frame", "check_native_length",
    "check_pixel_budget", "decode_frame", "load_dicom_image", "pixel_geometry",
]
