"""RadiographImage: one decoded frame in modality units, plus how to display it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class LookupTable:
    """A LUT from (0028,3002) LUT Descriptor + (0028,3006) LUT Data.

    ``first_mapped`` is the input value mapped to ``data[0]``; inputs below it
    map to the first entry and inputs past the end to the last entry.
    ``bits`` is the descriptor's third value (bits per entry), which fixes the
    output range 0 .. 2**bits - 1.
    """

    first_mapped: int
    bits: int
    data: np.ndarray

    @property
    def max_output(self) -> float:
        return float(2 ** self.bits - 1)


@dataclass
class RadiographImage:
    values: np.ndarray  # 2-D float32 grey AFTER the Modality LUT (colour -> luminance); never 8-bit-clipped
    photometric: str  # (0028,0004) as stored, e.g. MONOCHROME1
    invert: bool  # True for MONOCHROME1: display inverts after VOI
    windows: list[tuple[float, float]] = field(default_factory=list)  # (center, width), first = default
    voi_function: str = "LINEAR"  # (0028,1056) LINEAR | LINEAR_EXACT | SIGMOID
    voi_lut: LookupTable | None = None  # (0028,3010) VOI LUT Sequence, first item
    padding_value: float | None = None  # (0028,0120) Pixel Padding Value, after the Modality LUT
    frame: int = 0
    frames: int = 1
    source_path: str = ""
    integral: bool = False  # every value is a whole number (lets DisplayMapper use an exact LUT)

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape  # type: ignore[return-value]


def load_image(path, frame: int = 0) -> RadiographImage:
    """Decode one frame of a DICOM file, or a PNG/JPEG radiograph (MURA-style trees).

    The file type is decided by content, not by the extension: a PNG renamed
    .dcm is read as a PNG. Raises the DicomError family (core.errors).
    """
    from core.dicom.reading import file_kind, read_head

    path = os.fspath(path)
    kind = file_kind(read_head(path))
    if kind in ("png", "jpeg"):
        from core.imaging.bitmap import load_bitmap

        return load_bitmap(path, frame)
    from core.dicom.pixels import load_dicom_image

    return load_dicom_image(path, frame)
