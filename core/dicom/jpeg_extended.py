"""12-bit JPEG Extended (Process 2 and 4), transfer syntax 1.2.840.10008.1.2.4.51, decoded with imagecodecs.

Older CR systems send exactly this. pydicom's installed plugins cannot decode
it here: the python-gdcm wheel lacks 12-bit IJG ("Unsupported JPEG data
precision 12"), pylibjpeg-libjpeg would but is GPL, and Pillow reads 8-bit
JPEG only. imagecodecs (BSD-3) wraps libjpeg-turbo built with 12-bit support:
``jpeg8_decode`` returns uint16 samples. Checked against pydicom's published
reference values for its JPEG-lossy.dcm / JPGExtended.dcm (pixel (420, 140) =
244, (230, 120) = 95; tests/core/dicom_reference.py).

Frames are split out of the encapsulated (7FE0,0010) Pixel Data with pydicom
(PS3.5 A.4); imagecodecs only sees one frame's JPEG stream.
"""

from __future__ import annotations

import numpy as np

from core.errors import CorruptDicomError, ImageTooLargeError

JPEG_EXTENDED_12BIT = "1.2.840.10008.1.2.4.51"


def needs_imagecodecs(ts: str | None, bits_stored: int | None) -> bool:
    """True for JPEG Extended with more than 8 bits stored: the one case pydicom's plugins cannot decode here."""
    return str(ts or "") == JPEG_EXTENDED_12BIT and (bits_stored or 8) > 8


def available() -> bool:
    try:
        import imagecodecs
    except ImportError:
        return False
    return bool(getattr(imagecodecs, "JPEG8", None) and imagecodecs.JPEG8.available)


def decode_jpeg_extended_frame(ds, path: str, frame: int, frames: int, rows: int, columns: int, samples: int,
                               bits_stored: int, signed: bool) -> np.ndarray:
    """One frame as (rows, columns[, samples]) integers; CorruptDicomError for a damaged stream."""
    import imagecodecs
    from pydicom.encaps import get_frame

    try:
        stream = get_frame(ds.PixelData, frame, number_of_frames=frames)
    except Exception:  # noqa: BLE001 - pydicom's fragment parser raises several types on bad items
        raise CorruptDicomError(path, "the JPEG data is truncated or damaged (its frames cannot be found)") from None
    try:
        arr = imagecodecs.jpeg8_decode(stream)
    except MemoryError:
        raise ImageTooLargeError(path, "there is not enough memory to decode this image") from None
    except Exception:  # noqa: BLE001 - imagecodecs raises JpegError and friends on damaged streams
        raise CorruptDicomError(path, "the JPEG data is truncated or damaged and cannot be decoded") from None
    expected = (rows, columns) if samples == 1 else (rows, columns, samples)
    if arr.shape != expected:
        raise CorruptDicomError(path, f"the JPEG data holds a {'x'.join(map(str, arr.shape))} image but the header "
                                      f"declares {'x'.join(map(str, expected))}")
    arr = arr.astype(np.uint16, copy=False)
    if signed:
        # (0028,0103) Pixel Representation 1: the JPEG stores the two's complement bit pattern
        # of Bits Stored bits as an unsigned sample; sign-extend it.
        arr = arr.astype(np.int32)
        arr[arr >= 1 << (bits_stored - 1)] -= 1 << bits_stored
        arr = arr.astype(np.int16)
    return arr
