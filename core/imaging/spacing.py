"""Which pixel spacing a length or angle on a projection radiograph is measured with.

A radiograph can carry two spacings, and they do not mean the same thing:

* (0018,1164) Imager Pixel Spacing -- the spacing at the *detector* (PS3.3
  C.8.11.4 DX Detector Module, 10.7.1.1). An object in the patient lies
  between the tube and the detector, so measured with this spacing it is
  magnified (typically 5-20 % on a radiograph).
* (0028,0030) Pixel Spacing -- "in the patient" (PS3.3 C.7.6.2.1.1 and
  10.7.1.3; for DX, C.8.11.4): the spacing after a correction for geometric
  magnification or a calibration against an object of known size. When it
  equals Imager Pixel Spacing nothing was corrected.
* (0018,1114) Estimated Radiographic Magnification Factor (ERMF, C.8.11.7
  X-Ray Acquisition Dose Module): the modality's estimate of that
  magnification; Imager Pixel Spacing / ERMF estimates the spacing in the patient.

The decision follows cornerstone3D's ``getProjectionRadiographPixelSpacing``
(what OHIF measures with), which follows PS3.3 section 10.7.1:

1. Pixel Spacing only: use it; whether it was calibrated cannot be told.
2. Both, equal (or an ERMF is given): the spacing is the detector's; divide by
   the ERMF when there is one.
3. Both, different: Pixel Spacing was calibrated/corrected; use it.
4. Imager Pixel Spacing only: the detector's, divided by the ERMF when given.
5. Neither (or only unusable values): measure in pixels, "uncalibrated (px)".

(0028,0A02) Pixel Spacing Calibration Type (GEOMETRY | FIDUCIAL, C.7.6.19)
is named in the description when present. Qt-free and pure: it reads a
pydicom Dataset (or any mapping-like object with ``get``), nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

_SAME = 1e-6        # two spacings "equal" within this many mm (cornerstone uses the same tolerance)


@dataclass(frozen=True)
class Spacing:
    """The spacing measurements use; ``row_mm``/``col_mm`` are None when uncalibrated."""

    row_mm: float | None         # between the centres of adjacent rows (the first value of the pair)
    col_mm: float | None         # between the centres of adjacent columns (the second value)
    source: str                  # pixel_spacing | imager_pixel_spacing | imager_pixel_spacing_ermf | none
    description: str             # one line for the reader, e.g. "mm at the detector (Imager Pixel Spacing)"

    @property
    def calibrated(self) -> bool:
        return self.row_mm is not None and self.col_mm is not None

    @property
    def unit(self) -> str:
        return "mm" if self.calibrated else "px"


UNCALIBRATED = Spacing(None, None, "none", "uncalibrated (px): no Pixel Spacing or Imager Pixel Spacing in the file")


def _pair(value) -> tuple[float, float] | None:
    """A (row, column) spacing pair from a DS multi-value, or None when it is missing or unusable.

    PS3.3 10.7.1.3: two positive values, row spacing first. A single value
    (seen in the wild) is taken as square pixels.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    items = value.split("\\") if isinstance(value, str) else (list(value) if hasattr(value, "__iter__") else [value])
    try:
        values = [float(v) for v in items]
    except (TypeError, ValueError):
        return None
    if len(values) == 1:
        values = values * 2
    if len(values) != 2 or not all(v > 0 and v == v and v != float("inf") for v in values):
        return None
    return values[0], values[1]


def _positive(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 and number == number and number != float("inf") else None


def _calibration_note(ds) -> str:
    """(0028,0A02) Pixel Spacing Calibration Type and (0028,0A04) its description, when present."""
    kind = str(ds.get("PixelSpacingCalibrationType", "") or "").strip().upper()
    if kind == "GEOMETRY":
        return ", corrected for geometric magnification"
    if kind == "FIDUCIAL":
        return ", calibrated against an object of known size"
    return ""


def measurement_spacing(ds) -> Spacing:
    """The spacing to measure a projection radiograph with, and a sentence naming where it came from.

    ``ds``: a pydicom Dataset (headers only is enough). Reads (0028,0030) Pixel
    Spacing, (0018,1164) Imager Pixel Spacing, (0018,1114) Estimated
    Radiographic Magnification Factor and (0028,0A02) Pixel Spacing Calibration Type.
    """
    pixel = _pair(ds.get("PixelSpacing"))
    imager = _pair(ds.get("ImagerPixelSpacing"))
    ermf = _positive(ds.get("EstimatedRadiographicMagnificationFactor"))

    if pixel is not None and imager is None:                                         # case 1
        return Spacing(*pixel, "pixel_spacing", f"mm (Pixel Spacing{_calibration_note(ds)})")
    if imager is not None:
        same = pixel is not None and all(abs(a - b) < _SAME for a, b in zip(pixel, imager))
        if pixel is not None and not same and ermf is None:                           # case 3
            return Spacing(*pixel, "pixel_spacing",
                           f"mm in the patient (Pixel Spacing{_calibration_note(ds) or ', calibrated'})")
        if ermf is not None:                                                           # cases 2 and 4, ERMF
            return Spacing(imager[0] / ermf, imager[1] / ermf, "imager_pixel_spacing_ermf",
                           f"mm estimated in the patient (Imager Pixel Spacing / magnification {ermf:g})")
        return Spacing(*imager, "imager_pixel_spacing",                               # cases 2 and 4
                       "mm at the detector (Imager Pixel Spacing; not corrected for magnification)")
    return UNCALIBRATED                                                                # case 5
