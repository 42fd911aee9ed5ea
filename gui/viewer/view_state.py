"""Qt-free state of one image pane: window/level, zoom, pan, rotation, flip, invert.

The widget (:mod:`gui.viewer.image_view`) only turns mouse and key events into
calls on this object and paints what :meth:`ViewState.render` returns; the
state itself can be tested without Qt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from gui.viewer import rendering


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    kind: str            # tags | auto | percentiles
    low: float = 0.0
    high: float = 100.0


@lru_cache(maxsize=1)
def load_presets() -> tuple[Preset, ...]:
    """Window/level presets from resources/window_presets.json."""
    text = resources.files("resources").joinpath("window_presets.json").read_text(encoding="utf-8")
    return tuple(Preset(**p) for p in json.loads(text)["presets"])


@dataclass
class ViewState:
    """What one pane shows of one image; every field is user-adjustable and resettable."""

    values: np.ndarray                   # float32 (rows, cols) after (0028,1052/1053) Modality LUT
    invert: bool = False                 # (0028,0004) MONOCHROME1 starts inverted
    tag_windows: list = field(default_factory=list)   # [(center, width)] from (0028,1050)/(0028,1051)
    padding_value: float | None = None   # (0028,0120) Pixel Padding Value, ignored by the auto window
    center: float = 0.0
    width: float = 1.0
    zoom: float | None = None            # None: fit to pane
    pan: tuple[float, float] = (0.0, 0.0)  # image offset in screen pixels from centred
    rotation: int = 0                    # multiples of 90 degrees, clockwise
    flip_h: bool = False
    preset_name: str = ""
    source: object = None                # core RadiographImage: its DisplayMapper does the VOI stage
    measurements: list = field(default_factory=list)   # gui.viewer.measurement.Measurement, in image coordinates
    _initial_invert: bool = False

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float32)
        self._initial_invert = self.invert
        self._sample = rendering.subsample(self.values, self.padding_value)
        self._mapper = rendering.mapper_for(self.values, self.source)
        self.reset_window()

    # ------------------------------------------------------------ window/level
    def reset_window(self) -> None:
        """The file's first window if it has one, else the robust automatic window."""
        self.apply_preset(load_presets()[0] if self.tag_windows else load_presets()[1])

    def apply_preset(self, preset: Preset) -> None:
        if preset.kind == "tags" and self.tag_windows:
            self.center, self.width = (float(v) for v in self.tag_windows[0])
        elif preset.kind in ("tags", "auto"):
            self.center, self.width = rendering.percentile_window(self._sample, 0.5, 99.5)
        else:
            self.center, self.width = rendering.percentile_window(self._sample, preset.low, preset.high)
        self.width = max(self.width, 1e-3)
        self.preset_name = preset.name if (preset.kind != "tags" or self.tag_windows) else "Auto"

    def preset_for_key(self, key: str) -> Preset | None:
        return next((p for p in load_presets() if p.key == key), None)

    def adjust_window(self, d_center: float, d_width: float) -> None:
        """Right-drag: horizontal changes width, vertical changes level (screen pixels -> value units).

        The step scales with the current width so the drag feels the same on
        12-bit and 16-bit data.
        """
        step = max(self.width, 1.0) / 256.0
        self.width = max(1e-3, self.width + d_width * step)
        self.center = self.center + d_center * step
        self.preset_name = "Custom"

    @property
    def initial_invert(self) -> bool:
        """True for MONOCHROME1, whose standard presentation is the inverse of its stored values."""
        return self._initial_invert

    def toggle_invert(self) -> None:
        self.invert = not self.invert

    # --------------------------------------------------------------- geometry
    def rotate(self, quarter_turns: int = 1) -> None:
        self.rotation = (self.rotation + quarter_turns) % 4

    def toggle_flip(self) -> None:
        self.flip_h = not self.flip_h

    def reset(self) -> None:
        self.zoom, self.pan, self.rotation, self.flip_h = None, (0.0, 0.0), 0, False
        self.invert = self._initial_invert
        self.reset_window()

    def displayed_shape(self) -> tuple[int, int]:
        rows, cols = self.values.shape
        return (cols, rows) if self.rotation % 2 else (rows, cols)

    def fit_scale(self, pane_w: int, pane_h: int) -> float:
        rows, cols = self.displayed_shape()
        return max(1e-3, min(pane_w / cols, pane_h / rows))

    def scale(self, pane_w: int, pane_h: int) -> float:
        return self.zoom if self.zoom is not None else self.fit_scale(pane_w, pane_h)

    def zoom_by(self, factor: float, pane_w: int, pane_h: int) -> None:
        self.zoom = float(np.clip(self.scale(pane_w, pane_h) * factor, 0.02, 32.0))

    def fit(self) -> None:
        self.zoom, self.pan = None, (0.0, 0.0)

    def actual_size(self) -> None:
        self.zoom, self.pan = 1.0, (0.0, 0.0)

    def pan_by(self, dx: float, dy: float) -> None:
        self.pan = (self.pan[0] + dx, self.pan[1] + dy)

    def screen_to_pixel(self, x: float, y: float, pane_w: int, pane_h: int) -> tuple[int, int] | None:
        """Pane coordinates -> (row, col) in ``values``, or None outside the image."""
        s = self.scale(pane_w, pane_h)
        rows, cols = self.displayed_shape()
        ox = (pane_w - cols * s) / 2 + self.pan[0]
        oy = (pane_h - rows * s) / 2 + self.pan[1]
        u, v = (x - ox) / s, (y - oy) / s           # displayed-image coordinates
        if not (0 <= u < cols and 0 <= v < rows):
            return None
        # display = flip(rotate(values)): undo the flip, then the rotation.
        if self.flip_h:
            u = cols - u          # continuous coordinates: pixel k spans [k, k+1)
        r0, c0 = self.values.shape
        return _unrotate(int(v), int(u), self.rotation, r0, c0)

    def _origin(self, pane_w: int, pane_h: int) -> tuple[float, float, float]:
        s = self.scale(pane_w, pane_h)
        rows, cols = self.displayed_shape()
        return (pane_w - cols * s) / 2 + self.pan[0], (pane_h - rows * s) / 2 + self.pan[1], s

    def screen_to_image(self, x: float, y: float, pane_w: int, pane_h: int) -> tuple[float, float]:
        """Pane coordinates -> continuous (row, col) on ``values`` (pixel k spans [k, k+1)); not clipped.

        Measurements are kept in these coordinates so that zoom, pan, rotation
        and flip never change what was measured.
        """
        ox, oy, s = self._origin(pane_w, pane_h)
        u, v = (x - ox) / s, (y - oy) / s
        rows, cols = self.values.shape
        if self.flip_h:
            u = self.displayed_shape()[1] - u
        rot = self.rotation % 4
        if rot == 0:
            return v, u
        if rot == 1:
            return rows - u, v
        if rot == 2:
            return rows - v, cols - u
        return u, cols - v

    def image_to_screen(self, row: float, col: float, pane_w: int, pane_h: int) -> tuple[float, float]:
        """Continuous (row, col) on ``values`` -> pane coordinates (the inverse of :meth:`screen_to_image`)."""
        rows, cols = self.values.shape
        rot = self.rotation % 4
        if rot == 0:
            v, u = row, col
        elif rot == 1:
            v, u = col, rows - row
        elif rot == 2:
            v, u = rows - row, cols - col
        else:
            v, u = cols - col, row
        if self.flip_h:
            u = self.displayed_shape()[1] - u
        ox, oy, s = self._origin(pane_w, pane_h)
        return ox + u * s, oy + v * s

    def pixel_value(self, row: int, col: int) -> float:
        return float(self.values[row, col])

    # --------------------------------------------------------------- render
    def render(self) -> np.ndarray:
        """uint8 (rows, cols) of the windowed image, rotated and flipped for display."""
        out = self._mapper(self.center, self.width, self.invert)
        return orient(out, self.rotation, self.flip_h)


def orient(array: np.ndarray, rotation: int, flip_h: bool) -> np.ndarray:
    """Rotate clockwise by quarter turns, then mirror left-right, as displayed."""
    out = np.rot90(array, k=-rotation) if rotation else array
    if flip_h:
        out = out[:, ::-1]
    return np.ascontiguousarray(out)


def _unrotate(v: int, u: int, rotation: int, rows: int, cols: int) -> tuple[int, int]:
    """(row v, col u) on the image turned clockwise ``rotation`` times -> (row, col) on the original."""
    r, c = v, u
    rot = rotation % 4
    if rot == 0:
        return r, c
    if rot == 1:   # displayed (r, c) <- original (rows-1-c, r)
        return rows - 1 - c, r
    if rot == 2:
        return rows - 1 - r, cols - 1 - c
    return c, cols - 1 - r
