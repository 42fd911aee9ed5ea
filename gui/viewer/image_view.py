"""One image pane: paints a ViewState, turns mouse input into ViewState calls.

Wheel zooms about the cursor, left-drag pans, right-drag changes window
(horizontal) and level (vertical). The windowed 8-bit image is recomputed only
when window/level/invert/rotation change; zoom and pan only repaint.

With a measuring tool on (length or angle), left clicks place its points
instead of panning. The corners show the patient/study overlay when the
study view allows it (never in blinded reading); patient data is painted,
never logged.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.viewer.measurement import Measurement
from gui.viewer.rendering import colour_heatmap, heatmap_for_display
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


def _text(p: QPainter, x: float, y: float, text: str) -> None:
    """Text at (x, y) in the pen's colour over a 1-px dark shadow: legible on black air and on
    white collimation borders or bone alike (the corner overlay sits on both)."""
    colour = p.pen().color()
    p.setPen(QColor(0, 0, 0))
    p.drawText(QPointF(x + 1, y + 1), text)
    p.setPen(colour)
    p.drawText(QPointF(x, y), text)


class ImageView(QWidget):
    activated = Signal()                  # clicked: becomes the active pane
    cursor_info = Signal(str)             # "x 120  y 340  value 1834"
    state_changed = Signal()              # window/level or geometry changed (status bar refresh)
    window_changed = Signal()             # the reader dragged window/level here (synchronised views follow)
    zoom_changed = Signal()               # the reader zoomed here (synchronised views follow)
    measured = Signal(str)                # a measurement was completed: its text and calibration
    completed = Signal(object)            # ... and the Measurement itself, to be saved for this pane's image

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
        self._overlay_key = None          # (rotation, flip) the overlay was coloured for
        self._drag = None
        self.header = None                # core.imaging.view_header.ViewHeader: corner text and spacing
        self.overlay_visible = True
        self.tool: str | None = None      # None (pan) | length | angle
        self._pending: Measurement | None = None
        self._hover: QPointF | None = None

    # ------------------------------------------------------------------ API
    def set_image(self, state: ViewState | None, title: str = "", message: str = "") -> None:
        self.state, self.title, self.message = state, title, message
        self._pending = None
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
        self.update()
        self.state_changed.emit()

    def set_tool(self, tool: str | None) -> None:
        self.tool, self._pending = tool, None
        self.setCursor(Qt.CursorShape.CrossCursor if tool else Qt.CursorShape.ArrowCursor)
        self.update()

    def spacing(self):
        return self.header.spacing if self.header is not None else None

    def _overlay_image(self) -> QImage | None:
        if self.heatmap is None or self.state is None:
            return None
        # The colours depend on the heatmap and the orientation only: a window/level change
        # (refresh) keeps them.
        key = (self.state.rotation, self.state.flip_h)
        if self._overlay is None or self._overlay_key != key:
            rgba = colour_heatmap(heatmap_for_display(self.heatmap))
            rgba = orient(rgba, self.state.rotation, self.state.flip_h)
            self._overlay, self._overlay_key = _rgba_qimage(rgba), key
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
        line = QFontMetrics(f).height()
        if self.title:
            _text(p, 8, 18, self.title)
        if self.overlay_visible and self.header is not None and self.state is not None:
            self._paint_corners(p, line)
        if self.state is not None:
            self._paint_measurements(p)
            zoom = self.state.scale(self.width(), self.height())
            text = f"W {self.state.width:.0f}  L {self.state.center:.0f}  {self.state.preset_name}  {zoom * 100:.0f} %"
            # MONOCHROME1 is shown inverted by default (bone white); only a change from that is news.
            if self.state.invert != self.state.initial_invert:
                text += "  inverted"
            _text(p, 8, self.height() - 8, text)
            if self.tool or self.state.measurements:
                _text(p, 8, self.height() - 8 - line, QFontMetrics(f).elidedText(
                    "Measured in " + self._spacing_text(), Qt.TextElideMode.ElideRight, self.width() - 16))
        if self.message:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        if self.active:
            p.setPen(QPen(QColor(64, 156, 255), 2))
            p.drawRect(self.rect().adjusted(1, 1, -1, -1))
        p.end()

    def _spacing_text(self) -> str:
        spacing = self.spacing()
        return spacing.description if spacing is not None else "uncalibrated (px): no calibration read yet"

    def _paint_corners(self, p: QPainter, line: int) -> None:
        corners = self.header.corners
        fm = p.fontMetrics()
        half = max(40, (self.width() - 24) // 2)      # each side keeps to its half: narrow panes elide, never overlap
        for i, text in enumerate(corners.top_left):
            _text(p, 8, 18 + line * (i + 1), fm.elidedText(text, Qt.TextElideMode.ElideRight, half))
        for i, text in enumerate(corners.top_right):
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, half)
            _text(p, self.width() - 8 - fm.horizontalAdvance(text), 18 + line * i, text)
        if corners.marker:
            big = QFont(p.font())
            big.setPointSizeF(p.font().pointSizeF() * 2.2)
            big.setBold(True)
            p.save()
            p.setFont(big)
            width = QFontMetrics(big).horizontalAdvance(corners.marker)
            _text(p, self.width() - 10 - width, 18 + line * len(corners.top_right) + QFontMetrics(big).ascent(),
                  corners.marker)
            p.restore()

    def _screen(self, point) -> QPointF:
        x, y = self.state.image_to_screen(point[0], point[1], self.width(), self.height())
        return QPointF(x, y)

    def _paint_measurements(self, p: QPainter) -> None:
        items = list(self.state.measurements) + ([self._pending] if self._pending is not None else [])
        if not items:
            return
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        colour = QColor(255, 214, 0)
        for m in items:
            pts = [self._screen(pt) for pt in m.points]
            if m is self._pending and self._hover is not None:
                pts.append(self._hover)
            p.setPen(QPen(colour, 2))
            for a, b in zip(pts, pts[1:]):
                p.drawLine(a, b)
            for pt in pts:
                p.drawEllipse(pt, 3, 3)
            text = m.text(self.spacing()) if m.complete else ""
            if text and pts:
                anchor = pts[1] if m.kind == "angle" else pts[-1]
                p.setPen(colour)
                _text(p, anchor.x() + 8, anchor.y() - 8, text)
        p.restore()

    def _place_point(self, pos: QPointF) -> None:
        if self._pending is None:
            self._pending = Measurement(self.tool)
        self._pending.points.append(self.state.screen_to_image(pos.x(), pos.y(), self.width(), self.height()))
        if self._pending.complete:
            done, self._pending = self._pending, None
            self.state.measurements.append(done)
            self.measured.emit(f"{'Length' if done.kind == 'length' else 'Angle'} {done.text(self.spacing())}"
                               f" — {self._spacing_text()}")
            self.completed.emit(done)
        self.update()

    def cancel_pending(self) -> bool:
        """Drop a measurement whose points are not all placed yet; True when there was one."""
        had = self._pending is not None
        self._pending, self._hover = None, None
        self.update()
        return had

    def clear_measurements(self) -> None:
        if self.state is not None:
            self.state.measurements.clear()
        self._pending = None
        self.update()

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
        self.zoom_changed.emit()

    def mousePressEvent(self, event) -> None:
        self.activated.emit()
        if self.tool and self.state is not None and event.button() == Qt.MouseButton.LeftButton:
            self._place_point(event.position())
            return
        self._drag = (event.button(), event.position())

    def mouseReleaseEvent(self, event) -> None:
        self._drag = None

    def mouseDoubleClickEvent(self, event) -> None:
        if self.tool and self.state is not None and event.button() == Qt.MouseButton.LeftButton:
            self._place_point(event.position())      # two quick clicks are two points, not "fit"
            return
        if self.state is not None:
            self.state.fit()
            self.update()

    def mouseMoveEvent(self, event) -> None:
        pos: QPointF = event.position()
        if self.state is None:
            return
        if self._pending is not None:
            self._hover = pos
            self.update()
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
                self.window_changed.emit()
        hit = self.state.screen_to_pixel(pos.x(), pos.y(), self.width(), self.height())
        if hit is None:
            self.cursor_info.emit("")
        else:
            row, col = hit
            self.cursor_info.emit(f"x {col}  y {row}  value {self.state.pixel_value(row, col):.0f}")

    def contextMenuEvent(self, event) -> None:
        event.accept()   # right button is window/level, not a menu
