"""PNG/JPEG radiographs (MURA-style trees): 8- or 16-bit, read unchanged by OpenCV."""

from __future__ import annotations

import os
import struct

import cv2
import numpy as np

from core.errors import DicomError, ImageTooLargeError
from core.imaging.colour import luminance
from core.imaging.image import RadiographImage

# Same budget as DICOM (core.dicom.pixels.PIXEL_BUDGET), checked from the PNG header.
PIXEL_BUDGET = 400_000_000


class BitmapError(DicomError):
    """A PNG or JPEG radiograph cannot be decoded."""


def _png_size(head: bytes) -> tuple[int, int] | None:
    """(height, width) from the PNG IHDR chunk, read before decoding."""
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return height, width


def load_bitmap(path, frame: int = 0) -> RadiographImage:
    """Decode a PNG or JPEG file as a grey radiograph (colour -> BT.601 luminance)."""
    path = os.fspath(path)
    if frame != 0:
        raise DicomError(path, f"frame {frame} does not exist; the file has 1 frame, numbered 0")
    try:
        raw = np.fromfile(path, dtype=np.uint8)  # np.fromfile + imdecode: non-ASCII paths work too
    except OSError as err:
        raise BitmapError(path, f"the file cannot be read ({err.strerror or err})") from None
    size = _png_size(raw[:24].tobytes())
    if size and size[0] * size[1] * 4 > PIXEL_BUDGET:
        raise ImageTooLargeError(path, f"the image declares {size[0]} x {size[1]} pixels, more than the limit")
    decoded = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED)
    if decoded is None or decoded.size == 0:
        raise BitmapError(path, "the image data is truncated or damaged and cannot be decoded")
    if decoded.ndim == 3:
        bgr = decoded[..., :3]
        values = luminance(np.ascontiguousarray(bgr[..., ::-1]))
        photometric = "RGB"
        integral = False
    else:
        values = decoded.astype(np.float32)
        photometric = "MONOCHROME2"
        integral = True
    return RadiographImage(
        values=values, photometric=photometric, invert=False, windows=[], voi_function="LINEAR",
        voi_lut=None, padding_value=None, frame=0, frames=1, source_path=path, integral=integral,
    )
