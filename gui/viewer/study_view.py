"""Hanging protocol: every view of the study side by side, each fit to its pane.

Presets, invert, rotate/flip and reset act on the active pane when the reader
has picked one with Left/Right or a click, and on all panes otherwise;
heatmap visibility and opacity act on all panes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from gui.viewer.image_view import ImageView
from gui.viewer.view_state import ViewState


class StudyView(QWidget):
    cursor_info = Signal(str)
    active_changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(2)
        # The reading keys act while the image has the keyboard; a click on any pane gives it back.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.panes: list[ImageView] = []
        self.image_ids: list[int] = []
        self.active = -1
        self.heatmap_visible = False
        self.heatmap_opacity = 0.6
        self.set_message("No study open")

    # ---------------------------------------------------------------- content
    def _ensure_panes(self, n: int) -> None:
        while len(self.panes) < n:
            pane = ImageView(self)
            index = len(self.panes)
            pane.activated.connect(lambda i=index: self.set_active(i))
            pane.cursor_info.connect(self.cursor_info)
            self.layout_.addWidget(pane)
            self.panes.append(pane)
        for i, pane in enumerate(self.panes):
            pane.setVisible(i < n)

    def set_message(self, message: str) -> None:
        self._ensure_panes(1)
        self._ensure_panes_visible(1)
        self.panes[0].set_image(None, message=message)
        self.image_ids = []

    def _ensure_panes_visible(self, n: int) -> None:
        for i, pane in enumerate(self.panes):
            pane.setVisible(i < n)

    def set_study(self, image_rows: list, images: list, errors: list) -> None:
        """Show decoded ``images`` (DisplayImage or None) for the study's ``image_rows``."""
        n = max(1, len(image_rows))
        self._ensure_panes(n)
        self.image_ids = [r["id"] for r in image_rows]
        for i, (row, image, error) in enumerate(zip(image_rows, images, errors)):
            title = f"{row['view'] or 'View'} {i + 1}/{len(image_rows)}"
            if image is None:
                self.panes[i].set_image(None, title, error or "Cannot display this image")
                continue
            state = image.state or ViewState(image.values, invert=image.invert, tag_windows=list(image.windows),
                                             padding_value=image.padding_value, source=image.source)
            self.panes[i].set_image(state, title)
        if not image_rows:
            self.panes[0].set_image(None, message="This study has no images")
        self.set_active(-1)
        self.apply_heatmap_settings()

    def set_heatmaps(self, heatmaps: dict) -> None:
        """``heatmaps``: image_id -> float32 heatmap (or None)."""
        for pane, image_id in zip(self.panes, self.image_ids):
            pane.set_heatmap(heatmaps.get(image_id))

    def clear_heatmaps(self) -> None:
        for pane in self.panes:
            pane.set_heatmap(None)

    # ----------------------------------------------------------------- panes
    def visible_panes(self) -> list[ImageView]:
        return [p for p in self.panes[: max(1, len(self.image_ids))] if p.state is not None]

    def targets(self) -> list[ImageView]:
        if 0 <= self.active < len(self.image_ids) and self.panes[self.active].state is not None:
            return [self.panes[self.active]]
        return self.visible_panes()

    def set_active(self, index: int) -> None:
        self.active = index
        for i, pane in enumerate(self.panes):
            pane.active = i == index
            pane.update()
        self.active_changed.emit(index)

    def step_view(self, delta: int) -> None:
        n = len(self.image_ids)
        if n:
            self.set_active((self.active + delta) % n if self.active >= 0 else (0 if delta > 0 else n - 1))

    def active_image_id(self) -> int | None:
        return self.image_ids[self.active] if 0 <= self.active < len(self.image_ids) else None

    # --------------------------------------------------------------- actions
    def _each(self, fn, rerender: bool = True) -> None:
        for pane in self.targets():
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
        self._each(lambda s: s.apply_preset(preset))
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
        self._each(ViewState.fit, rerender=False)

    def actual_size(self) -> None:
        self._each(ViewState.actual_size, rerender=False)

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
