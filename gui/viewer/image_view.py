"""One image pane: paints a ViewState, turns mouse input into ViewState calls.

Wheel zooms about the cursor, left-drag pans, right-drag changes window
(horizontal) and level (vertical). The windowed 8-bit image is recomputed only
when window/level/invert/rotation change; zoom and pan only repaint.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.viewer.rendering import colour_heatmap
from gui.viewer.view_state import ViewState, orient


def _gray_qimage(array: np.ndarray) -> QImage:
    # .copy(): the QImage owns its pixels (about 1 ms for 2k x 2k). A QImage that borrows a
    # numpy buffer must not outlive it; owning the copy rules that out entirely.
    array = np.ascontiguousarray(array)
    h, w = array.shape
    return QImage(array.data, w, h, array.strides[0], QImage.Format.Format_Grayscale8).copy()


def _rgba_qimage(array: np.ndarray) -> QImage:
    array = np.ascontiguousarray(array)
    h, w, _ = array.shape
    return QImage(array.data, w, h, array.strides[0], QImage.Format.Format_RGBA8888).copy()


class ImageView(QWidget):
    activated = Signal()                  # clicked: becomes the active pane
    cursor_info = Signal(str)             # "x 120  y 340  value 1834"
    state_changed = Signal()              # window/level or geometry changed (status bar refresh)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setMinimumSize(160, 160)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.state: ViewState | None = None
        self.title = ""
        self.message = ""
        self.active = False
        self.heatmap: np.ndarray | None = None
        self.heatmap_visible = False
        self.heatmap_opacity = 0.6
        self._frame: QImage | None = None
        self._overlay: QImage | None = None
        self._drag = None

    # ------------------------------------------------------------------ API
    def set_image(self, state: ViewState | None, title: str = "", message: str = "") -> None:
        self.state, self.title, self.message = state, title, message
        self.heatmap = None
        self._overlay = None
        self.refresh()

    def set_heatmap(self, heat: np.ndarray | None) -> None:
        self.heatmap = heat
        self._overlay = None
        self.update()

    def refresh(self) -> None:
        """Re-map the pixels (after a window/level, invert or orientation change)."""
        self._frame = _gray_qimage(self.state.render()) if self.state is not None else None
        self._overlay = None
        self.update()
        self.state_changed.emit()

    def _overlay_image(self) -> QImage | None:
        if self.heatmap is None or self.state is None:
            return None
        if self._overlay is None:
            rgba = colour_heatmap(self.heatmap)
            rgba = orient(rgba, self.state.rotation, self.state.flip_h)
            self._overlay = _rgba_qimage(rgba)
        return self._overlay

    # ------------------------------------------------------------ painting
    def _target_rect(self) -> QRectF:
        s = self.state.scale(self.width(), self.height())
        rows, cols = self.state.displayed_shape()
        x = (self.width() - cols * s) / 2 + self.state.pan[0]
        y = (self.height() - rows * s) / 2 + self.state.pan[1]
        return QRectF(x, y, cols * s, rows * s)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(0, 0, 0))
        if self._frame is not None:
            target = self._target_rect()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(target, self._frame)
            overlay = self._overlay_image() if self.heatmap_visible else None
            if overlay is not None:
                p.setOpacity(self.heatmap_opacity)
                p.drawImage(target, overlay)
                p.setOpacity(1.0)
        p.setPen(QColor(230, 230, 230))
        f = QFont(self.font())
        f.setPointSizeF(max(8.0, f.pointSizeF()))
        p.setFont(f)
        if self.title:
            p.drawText(8, 18, self.title)
        if self.state is not None:
            zoom = self.state.scale(self.width(), self.height())
            text = f"W {self.state.width:.0f}  L {self.state.center:.0f}  {self.state.preset_name}  {zoom * 100:.0f} %"
            # MONOCHROME1 is shown inverted by default (bone white); only a change from that is news.
            if self.state.invert != self.state.initial_invert:
                text += "  inverted"
            p.drawText(8, self.height() - 8, text)
        if self.message:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        if self.active:
            p.setPen(QPen(QColor(64, 156, 255), 2))
            p.drawRect(self.rect().adjusted(1, 1, -1, -1))
        p.end()

    # --------------------------------------------------------------- mouse
    def wheelEvent(self, event) -> None:
        if self.state is None:
            return
        factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        before = self._target_rect()
        pos = event.position()
        self.state.zoom_by(factor, self.width(), self.height())
        after = self._target_rect()
        # Keep the point under the cursor fixed.
        fx = (pos.x() - before.x()) / max(before.width(), 1e-6)
        fy = (pos.y() - before.y()) / max(before.height(), 1e-6)
        self.state.pan_by(pos.x() - (after.x() + fx * after.width()), pos.y() - (after.y() + fy * after.height()))
        self.update()
        self.state_changed.emit()

    def mousePressEvent(self, event) -> None:
        self.activated.emit()
        self._drag = (event.button(), event.position())

    def mouseReleaseEvent(self, event) -> None:
        self._drag = None

    def mouseDoubleClickEvent(self, event) -> None:
        if self.state is not None:
            self.state.fit()
            self.update()

    def mouseMoveEvent(self, event) -> None:
        pos: QPointF = event.position()
        if self.state is None:
            return
        if self._drag is not None:
            button, last = self._drag
            dx, dy = pos.x() - last.x(), pos.y() - last.y()
            self._drag = (button, pos)
            if button == Qt.MouseButton.LeftButton:
                self.state.pan_by(dx, dy)
                self.update()
            elif button == Qt.MouseButton.RightButton:
                self.state.adjust_window(d_center=-dy, d_width=dx)
                self.refresh()
        hit = self.state.screen_to_pixel(pos.x(), pos.y(), self.width(), self.height())
        if hit is None:
            self.cursor_info.emit("")
        else:
            row, col = hit
            self.cursor_info.emit(f"x {col}  y {row}  value {self.state.pixel_value(row, col):.0f}")

    def contextMenuEvent(self, event) -> None:
        event.accept()   # right button is window/level, not a menu
