"""A strip of small pictures of the study's views; a click brings that view on screen and makes it active.

Thumbnails are windowed from a strided sample of the already-decoded values
(about 64 px tall), so building them costs a few ms on the GUI thread and no
file is read here. The buttons take no keyboard focus: the reading keys stay
with the image.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from gui.viewer.rendering import window_to_uint8

THUMB_PX = 64


def thumbnail_pixels(state, size: int = THUMB_PX) -> np.ndarray:
    """uint8 picture of a ViewState at its current window, at most ``size`` px on its long side."""
    rows, cols = state.values.shape
    step = max(1, int(np.ceil(max(rows, cols) / size)))
    small = state.values[::step, ::step]
    return np.ascontiguousarray(window_to_uint8(small, state.center, state.width, state.invert))


def _icon(pixels: np.ndarray) -> QIcon:
    h, w = pixels.shape
    image = QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(image))


class ThumbnailStrip(QWidget):
    picked = Signal(int)         # the view index clicked

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("ThumbnailStrip")
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(4, 2, 4, 2)
        self.layout_.setSpacing(4)
        self.layout_.addStretch(1)
        self.buttons: list[QToolButton] = []

    def set_views(self, titles: list[str], states: list) -> None:
        for button in self.buttons:
            self.layout_.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        for i, (title, state) in enumerate(zip(titles, states)):
            button = QToolButton(self)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setText(title)
            button.setToolTip(f"Show {title}")
            button.setIconSize(QSize(THUMB_PX, THUMB_PX))
            if state is not None:
                button.setIcon(_icon(thumbnail_pixels(state)))
            button.clicked.connect(lambda _checked=False, k=i: self.picked.emit(k))
            self.layout_.insertWidget(i, button)
            self.buttons.append(button)

    def set_current(self, index: int) -> None:
        for i, button in enumerate(self.buttons):
            button.setChecked(i == index)
