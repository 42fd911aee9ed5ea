"""A small line plot of training loss and validation AUC (QtCharts is not in PySide6-Essentials).

After the run it also shows the AUC the promotion decision used: the best
epoch's (the trainer keeps the best epoch's weights), which is not the last
epoch's whenever the last epoch was worse.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget


class CurveWidget(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(80)
        self.loss: list[float] = []
        self.auc: list[float] = []
        self.promoted_auc: float | None = None

    def clear(self) -> None:
        self.loss, self.auc, self.promoted_auc = [], [], None
        self.update()

    def set_promoted_auc(self, value: float) -> None:
        self.promoted_auc = float(value)
        self.update()

    def caption(self) -> str:
        """The AUC text: the last epoch's while training, then the one the promotion used."""
        text = f"val AUC {self.auc[-1]:.3f} (last epoch)" if self.auc else "val AUC"
        if self.promoted_auc is not None:
            text += f" | {self.promoted_auc:.3f} (best epoch, used for promotion)"
        return text

    def add_loss(self, value: float) -> None:
        self.loss.append(float(value))
        self.loss = self.loss[-2000:]
        self.update()

    def add_auc(self, value: float) -> None:
        self.auc.append(float(value))
        self.update()

    def _line(self, p: QPainter, values: list[float], lo: float, hi: float, colour: str) -> None:
        if len(values) < 1:
            return
        w, h, m = self.width(), self.height(), 6
        span = max(hi - lo, 1e-9)
        n = max(len(values) - 1, 1)
        poly = QPolygonF([QPointF(m + (w - 2 * m) * i / n, h - m - (h - 2 * m) * (v - lo) / span)
                          for i, v in enumerate(values)])
        p.setPen(QPen(QColor(colour), 1.5))
        p.drawPolyline(poly)
        if len(values) == 1:
            p.drawEllipse(poly[0], 2, 2)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#1e1e1e"))
        if self.loss:
            self._line(p, self.loss, min(self.loss), max(self.loss), "#64b5f6")
        if self.auc:
            self._line(p, self.auc, 0.5, 1.0, "#ffb74d")
        if self.promoted_auc is not None:   # a dashed level line at the AUC that was used
            y = self.height() - 6 - (self.height() - 12) * (self.promoted_auc - 0.5) / 0.5
            p.setPen(QPen(QColor("#ffb74d"), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(6, y), QPointF(self.width() - 6, y))
        p.setPen(QColor("#64b5f6"))
        p.drawText(8, 14, f"loss {self.loss[-1]:.3f}" if self.loss else "loss")
        p.setPen(QColor("#ffb74d"))
        p.drawText(110, 14, self.caption())
        p.setPen(QColor("#666"))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        p.end()
