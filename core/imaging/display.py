"""The display pipeline as pure array functions (PS3.3 C.11, PS3.4 N.2.1.1).

Modality LUT (rescale or LUT sequence) -> VOI (LUT sequence, or window, or a
robust percentile window) -> MONOCHROME1 inversion -> 8 bit. The dataset only
supplies parameters (core/dicom/pixels.py reads them); everything here works
on numpy arrays and is what the viewer, ``radinet render`` and the model
preprocessing share.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from core.imaging.image import RadiographImage

VOI_FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")


# --- Modality LUT -----------------------------------------------------------

def apply_rescale(stored: np.ndarray, slope: float = 1.0, intercept: float = 0.0) -> np.ndarray:
    """(0028,1053) Rescale Slope and (0028,1052) Rescale Intercept: stored * slope + intercept, float32."""
    out = np.asarray(stored).astype(np.float32)  # always a new array
    if slope != 1.0:
        out *= np.float32(slope)
    if intercept != 0.0:
        out += np.float32(intercept)
    return out


def apply_modality_lut_sequence(stored: np.ndarray, first_mapped: int, lut_data: np.ndarray) -> np.ndarray:
    """(0028,3000) Modality LUT Sequence: LUT Descriptor first mapped value + LUT Data, float32.

    Stored values below the first mapped value take the first entry, values
    past the table the last entry (PS3.3 C.11.1.1).
    """
    lut = np.asarray(lut_data, dtype=np.float32)
    index = np.clip(np.asarray(stored).astype(np.int64) - int(first_mapped), 0, len(lut) - 1)
    return lut[index]


# --- VOI --------------------------------------------------------------------

def apply_voi_lut_sequence(values: np.ndarray, first_mapped: int, bits: int, lut_data: np.ndarray) -> np.ndarray:
    """(0028,3010) VOI LUT Sequence: map values through LUT Data, scaled to [0, 1] float32.

    The output range of the LUT is 0 .. 2**bits - 1, bits being the third
    value of (0028,3002) LUT Descriptor.
    """
    lut = np.asarray(lut_data, dtype=np.float32) / np.float32(2 ** int(bits) - 1)
    index = np.clip(np.rint(values).astype(np.int64) - int(first_mapped), 0, len(lut) - 1)
    return np.clip(lut[index], 0.0, 1.0)


def window_line(center: float, width: float, function: str = "LINEAR") -> tuple[float, float]:
    """(scale, offset) with unit = values * scale + offset, before clipping to [0, 1].

    (0028,1050) Window Center, (0028,1051) Window Width, PS3.3 C.11.2.1.2:
    LINEAR uses c - 0.5 and w - 1 (width >= 1); LINEAR_EXACT uses c and w.
    """
    if function == "LINEAR_EXACT":
        w = max(float(width), 1e-6)
        return 1.0 / w, 0.5 - float(center) / w
    w1 = max(float(width), 1.0) - 1.0
    if w1 <= 0:  # a width of 1 is a threshold: x <= c - 0.5 -> 0, above -> 1
        return 1e6, -(float(center) - 0.5) * 1e6
    return 1.0 / w1, 0.5 - (float(center) - 0.5) / w1


def apply_window(values: np.ndarray, center: float, width: float, function: str = "LINEAR") -> np.ndarray:
    """(0028,1050) Window Center, (0028,1051) Window Width, (0028,1056) VOI LUT Function -> [0, 1] float32.

    PS3.3 C.11.2.1.2: LINEAR (default), LINEAR_EXACT and SIGMOID
    (y = 1 / (1 + exp(-4 (x - c) / w))).
    """
    function = (function or "LINEAR").upper()
    x = np.asarray(values, dtype=np.float32)
    if function == "SIGMOID":
        w = max(float(width), 1e-6)
        z = np.clip((x - np.float32(center)) * np.float32(-4.0 / w), -80, 80)
        return (1.0 / (1.0 + np.exp(z))).astype(np.float32)
    scale, offset = window_line(center, width, function)
    out = x * np.float32(scale)
    out += np.float32(offset)
    return np.clip(out, 0.0, 1.0, out=out)


def invert_monochrome1(unit: np.ndarray) -> np.ndarray:
    """(0028,0004) Photometric Interpretation MONOCHROME1: minimum is white; applied after VOI."""
    return 1.0 - unit


def unit_to_uint8(unit: np.ndarray) -> np.ndarray:
    """[0, 1] -> 0..255, rounded to nearest."""
    return (np.clip(unit, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def robust_window(values: np.ndarray, padding_value: float | None = None,
                  low: float = 0.5, high: float = 99.5) -> tuple[float, float]:
    """(center, width) spanning the low..high percentiles, ignoring (0028,0120) Pixel Padding Value.

    Used when the file carries no (0028,1050)/(0028,1051) window. Large
    images are subsampled on a regular grid (deterministic, ~1M samples).
    """
    v = np.asarray(values)
    step = max(1, int(np.sqrt(v.size / 1_000_000)))
    sample = v[::step, ::step] if v.ndim == 2 else v.ravel()[::step * step]
    sample = sample[np.isfinite(sample)]
    if padding_value is not None:
        kept = sample[sample != np.float32(padding_value)]
        sample = kept if kept.size else sample
    if sample.size == 0:
        return 0.5, 1.0
    lo, hi = (float(p) for p in np.percentile(sample, [low, high]))
    if hi <= lo:
        hi = lo + 1.0
    return (lo + hi) / 2.0, hi - lo


def default_window(image: RadiographImage) -> tuple[float, float]:
    """The first (0028,1050)/(0028,1051) pair when present, else the robust window."""
    if image.windows:
        return image.windows[0]
    return robust_window(image.values, image.padding_value)


def voi_unit(image: RadiographImage, window: tuple[float, float] | None = None) -> np.ndarray:
    """VOI stage only, [0, 1] float32: an explicit window, else the VOI LUT Sequence, else the default window."""
    if window is None and image.voi_lut is not None:
        lut = image.voi_lut
        return apply_voi_lut_sequence(image.values, lut.first_mapped, lut.bits, lut.data)
    center, width = window if window is not None else default_window(image)
    return apply_window(image.values, center, width, image.voi_function)


def to_display(image: RadiographImage, window: tuple[float, float] | None = None) -> np.ndarray:
    """8-bit 2-D view: VOI (LUT sequence or window) -> MONOCHROME1 inversion -> 0..255."""
    if window is None and image.voi_lut is not None or image.voi_function == "SIGMOID":
        unit = voi_unit(image, window)
        return unit_to_uint8(invert_monochrome1(unit) if image.invert else unit)
    center, width = window if window is not None else default_window(image)
    return _linear_to_uint8(image.values, center, width, image.voi_function, image.invert)


def _linear_to_uint8(values: np.ndarray, center: float, width: float, function: str, invert: bool) -> np.ndarray:
    """apply_window + inversion + 8 bit fused into one saturating pass (cv2.addWeighted)."""
    scale, offset = window_line(center, width, function)
    alpha, gamma = 255.0 * scale, 255.0 * offset
    if invert:
        alpha, gamma = -alpha, 255.0 - gamma
    src = values if values.dtype == np.float32 else values.astype(np.float32)
    if src.ndim == 2 and src.size:
        vmin, vmax, _, _ = cv2.minMaxLoc(src)
        # OpenCV's float -> uint8 saturation goes through int32; beyond that it wraps.
        if abs(alpha) * max(abs(vmin), abs(vmax)) + abs(gamma) < 2.0e9 and np.isfinite(vmin + vmax):
            return cv2.addWeighted(src, alpha, src, 0.0, gamma, dtype=cv2.CV_8U)
    unit = apply_window(src, center, width, function)
    return unit_to_uint8(invert_monochrome1(unit) if invert else unit)


class DisplayMapper:
    """Interactive window/level for one image, built once per image.

    LINEAR and LINEAR_EXACT windows are one fused saturating pass over the
    float values (cv2.addWeighted, ~4 ms on 2k x 2k here). SIGMOID and the
    VOI LUT Sequence go through a lookup table over the image's value range:
    integral values (most radiographs) map exactly; others are quantised to
    65,536 levels between their minimum and maximum, far finer than the 256
    grey levels shown.
    """

    LEVELS = 65536

    def __init__(self, image: RadiographImage):
        self.image = image
        if image.values.dtype != np.float32:
            self.image = image = dataclasses.replace(image, values=image.values.astype(np.float32))
        self.default = None if image.voi_lut is not None else default_window(image)
        self._index: np.ndarray | None = None
        self.exact = False

    def _build_index(self) -> None:
        values = self.image.values
        finite = values[np.isfinite(values)]
        vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        span = vmax - vmin
        self.exact = self.image.integral and span < self.LEVELS
        if self.exact:
            self.domain = np.arange(vmin, vmax + 1, dtype=np.float32)
            self._index = (values - np.float32(vmin)).astype(np.uint16)
        else:
            step = span / (self.LEVELS - 1) if span > 0 else 1.0
            self.domain = (vmin + np.arange(self.LEVELS, dtype=np.float64) * step).astype(np.float32)
            scaled = np.nan_to_num((values - np.float32(vmin)) * np.float32(1.0 / step) + np.float32(0.5))
            self._index = np.clip(scaled, 0, self.LEVELS - 1).astype(np.uint16)

    def lut(self, center: float | None = None, width: float | None = None) -> np.ndarray:
        """uint8 table over ``self.domain`` for this window (default VOI when None)."""
        if self._index is None:
            self._build_index()
        window = None if center is None or width is None else (center, width)
        if window is None and self.default is not None:
            window = self.default
        probe = dataclasses.replace(self.image, values=self.domain.reshape(1, -1))
        return to_display(probe, window).ravel()

    def map(self, center: float | None = None, width: float | None = None) -> np.ndarray:
        """uint8 2-D display image for this window; default VOI when center/width are None."""
        image = self.image
        window = None if center is None or width is None else (float(center), float(width))
        uses_lut = (window is None and image.voi_lut is not None) or image.voi_function == "SIGMOID"
        if not uses_lut:
            return to_display(image, window or self.default)
        if self._index is None:
            self._build_index()
        return np.take(self.lut(*(window or (None, None))), self._index)


def resize_raw(values: np.ndarray, size) -> np.ndarray:
    """Resize modality values BEFORE windowing (cv2 INTER_AREA when shrinking; DESIGN.md).

    ``size`` is an int (the long side becomes ``size``, aspect kept) or
    (height, width).
    """
    h, w = values.shape[:2]
    if isinstance(size, (int, np.integer)):
        scale = float(size) / max(h, w)
        new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    else:
        new_h, new_w = (int(s) for s in size)
    if (new_h, new_w) == (h, w):
        return values
    shrinking = new_h * new_w < h * w
    src = values if values.dtype == np.float32 else values.astype(np.float32)
    return cv2.resize(src, (new_w, new_h), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def render(path, frame: int = 0, window: tuple[float, float] | None = None, size: int | None = None) -> np.ndarray:
    """File -> 8-bit display image (what ``radinet render`` writes)."""
    from core.imaging.image import load_image

    image = load_image(path, frame)
    if size:
        image = dataclasses.replace(image, values=resize_raw(image.values, int(size)), integral=False)
    return to_display(image, window)
