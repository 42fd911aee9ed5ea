"""What the viewer needs from one image's header besides its pixels: corner text and measurement spacing.

Read with ``stop_before_pixels`` on a worker thread. A PNG/JPEG (MURA-style
trees) or a header that cannot be read still gets an overlay from the
workspace's own fields and is measured in pixels ("uncalibrated").
"""

from __future__ import annotations

from dataclasses import dataclass

from core.imaging.annotations import CornerText, corner_text
from core.imaging.spacing import UNCALIBRATED, Spacing, measurement_spacing


@dataclass(frozen=True)
class ViewHeader:
    corners: CornerText
    spacing: Spacing


def read_view_header(path: str, fallback: dict | None = None) -> ViewHeader:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, OSError, ValueError, EOFError):
        # Not DICOM (PNG/JPEG) or unreadable: the pixel path reports the file's own error.
        return ViewHeader(corner_text(None, fallback), UNCALIBRATED)
    return ViewHeader(corner_text(ds, fallback), measurement_spacing(ds))
