"""Hanging protocol: the study's views in a 1×1, 1×2 or 2×2 grid, a thumbnail strip, synchronised panes.

``auto`` (the default) puts every view side by side: PA + lateral in a 1×2,
three views in a 1×3, four or more in a 2×2. A fixed layout shows a page of
the study's views; picking a view (Left/Right, a click on a pane or on its
thumbnail) brings its page on screen. ``active`` is always an index into
the study's views (what blinded answers are filed under), not a pane number.

Presets, fit and 1:1 act on the active pane when the reader has picked one
and on all panes otherwise -- on all panes whenever synchronisation is on,
which also carries a right-drag window/level and a wheel zoom from one pane
to the others (Weasis' and OHIF's synchronised viewports). Invert, rotate,
flip and reset stay per pane. Heatmap visibility and opacity act on all panes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from gui.viewer.image_view import ImageView
from gui.viewer.measurement import Measurement
from gui.viewer.thumbnail_strip import ThumbnailStrip
from gui.viewer.view_state import ViewState

LAYOUTS = {"auto": None, "1x1": (1, 1), "1x2": (1, 2), "2x2": (2, 2)}


def auto_shape(n_views: int) -> tuple[int, int]:
    """Every view on screen: 1 -> 1×1, 2 (PA + lateral) -> 1×2, 3 -> 1×3, 4 or more -> 2×2 pages."""
    if n_views <= 1:
        return 1, 1
    if n_views <= 3:
        return 1, n_views
    return 2, 2


class StudyView(QWidget):
    cursor_info = Signal(str)
    active_changed = Signal(int)
    measured = Signal(str)            # a completed measurement's text and the calibration it used
    measurement_completed = Signal(int, object)   # (image id, Measurement): the window saves it
    tool_stopped = Signal()           # Escape put the measuring tool away (the window unchecks its action)

    def __init__(self, parent=None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        outer.addWidget(self.grid_host, 1)
        self.thumbnails = ThumbnailStrip(self)
        self.thumbnails.picked.connect(self.set_active)
        self.thumbnails.hide()
        outer.addWidget(self.thumbnails)
        # The reading keys act while the image has the keyboard; a click on any pane gives it back.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.panes: list[ImageView] = []
        self.image_ids: list[int] = []
        self.active = -1
        self.offset = 0                    # the first view on the current page
        self.layout_mode = "auto"
        self.sync = True
        self.overlay_visible = True        # the reader's toggle
        self.blinded = False               # a blinded reading session: no patient overlay whatever the toggle
        self.tool: str | None = None
        self.heatmap_visible = False
        self.heatmap_opacity = 0.6
        self._rows: list = []
        self._images: list = []
        self._errors: list = []
        self._heatmaps: dict = {}
        self._headers: dict = {}           # image_id -> core.imaging.view_header.ViewHeader
        self._shape: tuple[int, int] | None = None
        self.set_message("No study open")

    # ---------------------------------------------------------------- layout
    def grid_shape(self) -> tuple[int, int]:
        return LAYOUTS.get(self.layout_mode) or auto_shape(len(self.image_ids))

    def page_size(self) -> int:
        rows, cols = self.grid_shape()
        return rows * cols

    def set_layout(self, mode: str) -> None:
        if mode not in LAYOUTS:
            raise ValueError(f"unknown layout {mode}")
        self.layout_mode = mode
        n = self.page_size()
        self.offset = (self.active // n) * n if self.active >= 0 else 0
        if self.image_ids:
            self._show_page()

    def _arrange(self) -> None:
        rows, cols = self.grid_shape() if self.image_ids else (1, 1)
        n = rows * cols
        while len(self.panes) < n:
            pane = ImageView(self.grid_host)
            index = len(self.panes)
            pane.activated.connect(lambda i=index: self._pane_clicked(i))
            pane.cursor_info.connect(self.cursor_info)
            pane.window_changed.connect(lambda p=pane: self._sync_window(p))
            pane.zoom_changed.connect(lambda p=pane: self._sync_zoom(p))
            pane.measured.connect(self.measured)
            pane.completed.connect(lambda m, i=index: self._completed(i, m))
            self.panes.append(pane)
        if self._shape != (rows, cols):
            for pane in self.panes:
                self.grid.removeWidget(pane)
            for j in range(n):
                self.grid.addWidget(self.panes[j], j // cols, j % cols)
            self._shape = (rows, cols)
        for j, pane in enumerate(self.panes):
            pane.setVisible(j < n)

    def _completed(self, pane_index: int, measurement) -> None:
        view = self.offset + pane_index
        if view < len(self.image_ids):
            self.measurement_completed.emit(self.image_ids[view], measurement)

    def _pane_clicked(self, pane_index: int) -> None:
        view = self.offset + pane_index
        if view < len(self.image_ids):
            self.set_active(view)

    # ---------------------------------------------------------------- content
    def set_message(self, message: str) -> None:
        self.image_ids, self._rows, self._images, self._errors = [], [], [], []
        self._arrange()
        self.panes[0].set_image(None, message=message)
        self.panes[0].header = None
        self.thumbnails.hide()

    def set_study(self, image_rows: list, images: list, errors: list, saved: dict | None = None) -> None:
        """Show decoded ``images`` (DisplayImage or None) for the study's ``image_rows``.

        ``saved``: image_id -> the workspace's measurements of that image (anything with kind, points
        and id, e.g. core.store.measurements.StoredMeasurement). Given, they replace whatever a cached
        image still carries: the workspace is the truth. None keeps the images' own measurements.
        """
        self.image_ids = [r["id"] for r in image_rows]
        self._rows, self._images, self._errors = list(image_rows), list(images), list(errors)
        self._heatmaps = {}
        self._headers = {k: v for k, v in self._headers.items() if k in self.image_ids}
        self.offset, self.active = 0, -1
        for image_id, image in zip(self.image_ids, images):
            if image is not None and image.state is None:
                image.state = ViewState(image.values, invert=image.invert, tag_windows=list(image.windows),
                                        padding_value=image.padding_value, source=image.source)
            if image is not None and saved is not None:
                image.state.measurements = _measurements(saved, image_id)
        if not image_rows:
            self.set_message("This study has no images")
            return
        self._show_page()
        self.thumbnails.set_views([self._title(i) for i in range(len(self.image_ids))],
                                  [im.state if im is not None else None for im in images])
        self.thumbnails.setVisible(len(self.image_ids) > 1)
        self.set_active(-1)
        self.apply_heatmap_settings()

    def _title(self, i: int) -> str:
        return f"{self._rows[i]['view'] or 'View'} {i + 1}/{len(self._rows)}"

    def _show_page(self) -> None:
        self._arrange()
        for j in range(self.page_size()):
            pane, view = self.panes[j], self.offset + j
            if view >= len(self.image_ids):
                pane.set_image(None)
                pane.header = None
                continue
            image, error = self._images[view], self._errors[view]
            if image is None:
                pane.set_image(None, self._title(view), error or "Cannot display this image")
            else:
                pane.set_image(image.state, self._title(view))
            pane.set_heatmap(self._heatmaps.get(self.image_ids[view]))
            pane.header = self._headers.get(self.image_ids[view])
            pane.active = view == self.active
            pane.overlay_visible = self.overlay_shown()
            pane.set_tool(self.tool)

    def set_headers(self, headers: dict) -> None:
        """``headers``: image_id -> ViewHeader (corner text, measurement spacing), read off the GUI thread."""
        self._headers.update(headers)
        for j, pane in enumerate(self.panes[: self.page_size()]):
            view = self.offset + j
            if view < len(self.image_ids):
                pane.header = self._headers.get(self.image_ids[view])
                pane.update()

    def set_heatmaps(self, heatmaps: dict) -> None:
        """``heatmaps``: image_id -> float32 heatmap (or None)."""
        self._heatmaps = dict(heatmaps)
        for j, pane in enumerate(self.panes[: self.page_size()]):
            view = self.offset + j
            pane.set_heatmap(self._heatmaps.get(self.image_ids[view]) if view < len(self.image_ids) else None)

    def clear_heatmaps(self) -> None:
        self._heatmaps = {}
        for pane in self.panes:
            pane.set_heatmap(None)

    # ----------------------------------------------------------------- panes
    def displayed(self) -> list[tuple[int, ImageView]]:
        """(view index, pane) for the panes of the current page that show a view."""
        n = min(self.page_size(), max(0, len(self.image_ids) - self.offset))
        return [(self.offset + j, self.panes[j]) for j in range(n)]

    def visible_panes(self) -> list[ImageView]:
        return [pane for _view, pane in self.displayed() if pane.state is not None]

    def targets(self) -> list[ImageView]:
        for view, pane in self.displayed():
            if view == self.active and pane.state is not None:
                return [pane]
        return self.visible_panes()

    def set_active(self, index: int) -> None:
        n = self.page_size()
        if 0 <= index < len(self.image_ids) and not (self.offset <= index < self.offset + n):
            self.offset = (index // n) * n
            self._show_page()
        self.active = index
        for j, pane in enumerate(self.panes):
            pane.active = self.offset + j == index and index >= 0
            pane.update()
        self.thumbnails.set_current(index)
        self.active_changed.emit(index)

    def step_view(self, delta: int) -> None:
        n = len(self.image_ids)
        if n:
            self.set_active((self.active + delta) % n if self.active >= 0 else (0 if delta > 0 else n - 1))

    def active_image_id(self) -> int | None:
        return self.image_ids[self.active] if 0 <= self.active < len(self.image_ids) else None

    # ---------------------------------------------------------- synchronising
    def set_sync(self, on: bool) -> None:
        self.sync = on

    def _sync_window(self, source: ImageView) -> None:
        if not self.sync or source.state is None:
            return
        for pane in self.visible_panes():
            if pane is not source:
                pane.state.center, pane.state.width = source.state.center, source.state.width
                pane.state.preset_name = source.state.preset_name
                pane.refresh()

    def _sync_zoom(self, source: ImageView) -> None:
        """The same magnification (screen pixels per image pixel) on every pane; pans stay each pane's own."""
        if not self.sync or source.state is None:
            return
        scale = source.state.scale(source.width(), source.height())
        for pane in self.visible_panes():
            if pane is not source:
                pane.state.zoom = scale
                pane.update()

    # ---------------------------------------------------------------- overlay
    def overlay_shown(self) -> bool:
        return self.overlay_visible and not self.blinded

    def set_overlay_visible(self, visible: bool) -> None:
        self.overlay_visible = visible
        self._apply_overlay()

    def set_blinded(self, blinded: bool) -> None:
        self.blinded = blinded
        self._apply_overlay()

    def _apply_overlay(self) -> None:
        for pane in self.panes:
            pane.overlay_visible = self.overlay_shown()
            pane.update()

    # ------------------------------------------------------------ measuring
    def set_tool(self, tool: str | None) -> None:
        """None (pan), length or angle: left clicks on any pane place the tool's points."""
        self.tool = tool
        for pane in self.panes:
            pane.set_tool(tool)

    def keyPressEvent(self, event) -> None:
        """Escape while measuring: first drops the half-placed measurement, then puts the tool away.

        Two steps, as in Weasis and OHIF: a stray first click is undone without
        losing the tool; a second Escape goes back to panning.
        """
        if event.key() == Qt.Key.Key_Escape and not event.modifiers() and self.tool:
            if not any([pane.cancel_pending() for pane in self.panes]):
                self.set_tool(None)
                self.tool_stopped.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def set_saved_measurements(self, saved: dict) -> None:
        """Replace the study's measurements with the workspace's (``saved`` as in :meth:`set_study`):
        another window or reader saved or cleared some while this study was open."""
        for image_id, image in zip(self.image_ids, self._images):
            if image is not None and image.state is not None:
                image.state.measurements[:] = _measurements(saved, image_id)
        for pane in self.panes:
            pane.update()

    def clear_measurements(self) -> None:
        for image in self._images:
            if image is not None and image.state is not None:
                image.state.measurements.clear()
        for pane in self.panes:
            pane.clear_measurements()

    # --------------------------------------------------------------- actions
    def _each(self, fn, rerender: bool = True, synced: bool = False) -> None:
        for pane in (self.visible_panes() if synced and self.sync else self.targets()):
            fn(pane.state)
            if rerender:
                pane.refresh()
            else:
                pane.update()

    def apply_preset_key(self, key: str) -> bool:
        targets = self.targets()
        preset = targets[0].state.preset_for_key(key) if targets else None
        if preset is None:
            return False
        self._each(lambda s: s.apply_preset(preset), synced=True)
        return True

    def toggle_invert(self) -> None:
        self._each(ViewState.toggle_invert)

    def rotate(self) -> None:
        self._each(ViewState.rotate)

    def flip(self) -> None:
        self._each(ViewState.toggle_flip)

    def reset(self) -> None:
        self._each(ViewState.reset)

    def fit(self) -> None:
        self._each(ViewState.fit, rerender=False, synced=True)

    def actual_size(self) -> None:
        self._each(ViewState.actual_size, rerender=False, synced=True)

    def set_heatmap_visible(self, visible: bool) -> None:
        self.heatmap_visible = visible
        self.apply_heatmap_settings()

    def set_heatmap_opacity(self, opacity: float) -> None:
        self.heatmap_opacity = opacity
        self.apply_heatmap_settings()

    def apply_heatmap_settings(self) -> None:
        for pane in self.panes:
            pane.heatmap_visible = self.heatmap_visible
            pane.heatmap_opacity = self.heatmap_opacity
            pane.update()


def _measurements(saved: dict, image_id: int) -> list:
    """The viewer's Measurements of one image from the workspace's (kind, points, id) records."""
    return [Measurement(m.kind, [tuple(p) for p in m.points], m.id) for m in saved.get(image_id, [])]
