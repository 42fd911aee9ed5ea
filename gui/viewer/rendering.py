"""Window/level mapping for interactive display, pure numpy.

The decoded values are kept as float32 after the Modality LUT; every
window/level change re-maps them through a 256-level lookup table instead of
decoding again. When the values are whole numbers in a 16-bit range (nearly
every CR/DX file: (0028,1053) Rescale Slope 1) a per-image index array is built
once and each re-map is one ``np.take`` -- a few ms on a 2k x 2k radiograph.
"""

from __future__ import annotations

import numpy as np

_SAMPLE_TARGET = 250_000


def subsample(values: np.ndarray, padding_value: float | None = None) -> np.ndarray:
    """A strided sample of the pixel values for percentile windows.

    Pixels equal to (0028,0120) Pixel Padding Value are left out so the
    collimator border does not drag the window down.
    """
    step = max(1, int(np.sqrt(values.size / _SAMPLE_TARGET)))
    sample = values[::step, ::step].ravel()
    if padding_value is not None:
        kept = sample[sample != padding_value]
        if kept.size:
            sample = kept
    return sample


def percentile_window(sample: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """(center, width) spanning the ``low``..``high`` percentiles -- (0028,1050)/(0028,1051) semantics."""
    if sample.size == 0:
        return 0.5, 1.0
    lo, hi = np.percentile(sample, [low, high])
    if hi <= lo:
        hi = lo + 1.0
    return float((lo + hi) / 2), float(hi - lo)


class WindowMapper:
    """Maps one image's values to uint8 for any window, reusing a cached index.

    Implements the linear VOI function of PS3.3 C.11.2.1.2.1 ((0028,1050)
    Window Center, (0028,1051) Window Width) followed by MONOCHROME1 inversion.
    """

    def __init__(self, values: np.ndarray):
        self.values = values
        self._index = None
        self._offset = 0.0
        finite = values[:: max(1, values.shape[0] // 64), :: max(1, values.shape[1] // 64)]
        vmin, vmax = float(np.min(values)), float(np.max(values))
        if (vmax - vmin) < 65536 and np.all(np.mod(finite, 1) == 0):
            index = values - vmin
            if np.all(np.mod(index, 1) == 0):
                self._index = index.astype(np.uint16)
                self._offset = vmin
                self._levels = int(vmax - vmin) + 1

    def __call__(self, center: float, width: float, invert: bool) -> np.ndarray:
        if self._index is not None:
            levels = np.arange(self._levels, dtype=np.float32) + self._offset
            lut = window_to_uint8(levels, center, width, invert)
            return np.take(lut, self._index)
        return window_to_uint8(self.values, center, width, invert)


def mapper_for(values: np.ndarray, source=None):
    """``fn(center, width, invert) -> uint8``: core's DisplayMapper for a RadiographImage, else WindowMapper."""
    if source is not None and hasattr(source, "voi_function"):
        try:
            from core.imaging.display import DisplayMapper
        except ImportError:
            return WindowMapper(values)
        return CoreMapper(DisplayMapper(source), bool(source.invert))
    return WindowMapper(values)


class CoreMapper:
    """Wraps core.imaging.display.DisplayMapper (VOI function, VOI LUT, MONOCHROME1) with a user invert toggle."""

    def __init__(self, mapper, image_invert: bool):
        self.mapper, self.image_invert = mapper, image_invert

    def __call__(self, center: float, width: float, invert: bool) -> np.ndarray:
        out = self.mapper.map(center, width)
        if invert != self.image_invert:
            out = np.subtract(255, out, dtype=np.uint8)
        return out


def window_to_uint8(values: np.ndarray, center: float, width: float, invert: bool = False) -> np.ndarray:
    """Linear window ((0028,1050) Window Center, (0028,1051) Window Width) to 0..255, inverted for MONOCHROME1."""
    width = max(float(width), 1e-3)
    lo = center - width / 2.0
    scaled = (np.asarray(values, dtype=np.float32) - np.float32(lo)) * np.float32(255.0 / width)
    np.clip(scaled, 0, 255, out=scaled)
    out = scaled.astype(np.uint8)
    if invert:
        np.subtract(255, out, out=out)
    return out


# A class activation map is a few cells upsampled smoothly to the image; colouring it at the
# image's own size (millions of pixels) cost tens of ms of the GUI thread per study for no
# visible detail. The pane draws this smaller copy over the same rectangle, smoothly scaled.
HEATMAP_DISPLAY_SIDE = 512


def heatmap_for_display(heat: np.ndarray, max_side: int = HEATMAP_DISPLAY_SIDE) -> np.ndarray:
    """The heatmap area-averaged down so its long side is at most ``max_side`` (unchanged if smaller)."""
    heat = np.asarray(heat, dtype=np.float32)
    rows, cols = heat.shape[:2]
    factor = max(rows, cols) / max_side
    if factor <= 1:
        return heat
    import cv2

    size = (max(1, round(cols / factor)), max(1, round(rows / factor)))    # cv2 wants (width, height)
    return cv2.resize(np.nan_to_num(heat), size, interpolation=cv2.INTER_AREA)


def colour_heatmap(heat: np.ndarray) -> np.ndarray:
    """RGBA uint8 of a heatmap on the absolute [0, 1] scale (not min-max per image).

    Colours and opacity are core.imaging.heatmap's, the same as the CLI's
    overlay PNGs: transparent up to its floor (0.5, no evidence either way),
    opaque at 1; the pane then paints it at the reader's opacity slider.
    """
    from core.imaging.heatmap import colourise, opacity

    heat = np.clip(np.nan_to_num(np.asarray(heat, dtype=np.float32)), 0.0, 1.0)
    rgba = np.empty(heat.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = colourise(heat)
    rgba[..., 3] = (opacity(heat, max_alpha=1.0) * 255 + 0.5).astype(np.uint8)
    return rgba
