"""Side panel: prediction, label and difficulty buttons, comment, report, label history.

Pure presentation: it shows what it is given and emits what the reader asked
for; the main window turns the requests into ReadingSession calls.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSlider,
    QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget,
)

from core.store.reading import LABEL_WORDS
from gui.report_html import report_html

TIER_COLOURS = {"negative": "#4caf50", "doubt": "#ffb300", "positive": "#ef5350"}
ERROR_COLOUR = "#ef9a9a"      # not a tier colour: an error must never look like a "negative" (green) result
NOTE_COLOUR = "#ffcc80"


class WrappedLabel(QLabel):
    """A word-wrapped label that always gets the lines its text needs.

    Inside a group box, a wrapped QLabel is laid out for the width it had
    when its text was set, so a long message was cut off; this one re-asks
    for its height whenever its text or its width changes.
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        needed = self.heightForWidth(max(self.width(), 50)) if self.text() else 0
        if needed != self.minimumHeight():
            self.setMinimumHeight(max(needed, 0))


class SidePanel(QWidget):
    label_requested = Signal(str)          # positive | negative | uncertain
    confirm_requested = Signal()
    grade_requested = Signal(str)          # easy | difficult
    comment_requested = Signal(str)
    heatmap_toggled = Signal(bool)
    opacity_changed = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("SidePanel")
        self.setMinimumWidth(370)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        # --- AI prediction
        self.ai_box = QGroupBox("AI prediction")
        ai = QVBoxLayout(self.ai_box)
        self.prediction_label = WrappedLabel("No model yet")
        self.prediction_label.setObjectName("PredictionLabel")
        self.prediction_label.setWordWrap(True)
        self.prediction_label.setTextFormat(Qt.TextFormat.RichText)
        ai.addWidget(self.prediction_label)
        self.heatmap_note = WrappedLabel("")      # why a view has no heatmap (e.g. predicted without one)
        self.heatmap_note.setObjectName("HeatmapNote")
        self.heatmap_note.setWordWrap(True)
        self.heatmap_note.setStyleSheet(f"color: {NOTE_COLOUR};")
        self.heatmap_note.hide()
        ai.addWidget(self.heatmap_note)
        row = QHBoxLayout()
        self.heatmap_button = QPushButton("Heatmap (H)")
        self.heatmap_button.setCheckable(True)
        self.heatmap_button.toggled.connect(self.heatmap_toggled)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(10, 100)
        self.opacity_slider.setValue(60)
        self.opacity_slider.setToolTip("Heatmap opacity")
        self.opacity_slider.valueChanged.connect(lambda v: self.opacity_changed.emit(v / 100.0))
        row.addWidget(self.heatmap_button)
        row.addWidget(self.opacity_slider)
        ai.addLayout(row)
        layout.addWidget(self.ai_box)

        # --- Label
        box = QGroupBox("Your reading")
        grid = QGridLayout(box)
        self.current_label = QLabel("Unlabelled")
        self.current_label.setWordWrap(True)
        grid.addWidget(self.current_label, 0, 0, 1, 3)
        self.label_buttons = {}
        for col, (value, key) in enumerate((("positive", "F"), ("negative", "N"), ("uncertain", "U"))):
            b = QPushButton(f"{LABEL_WORDS[value]} ({key})")
            b.setCheckable(True)
            b.setObjectName(f"label_{value}")
            b.clicked.connect(lambda _=False, v=value: self.label_requested.emit(v))
            grid.addWidget(b, 1, col)
            self.label_buttons[value] = b
        self.confirm_button = QPushButton("Confirm report label (Enter)")
        self.confirm_button.clicked.connect(self.confirm_requested)
        grid.addWidget(self.confirm_button, 2, 0, 1, 3)
        self.grade_buttons = {}
        for col, (grade, key) in enumerate((("easy", "E"), ("difficult", "D"))):
            b = QPushButton(f"{grade.capitalize()} ({key})")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, g=grade: self.grade_requested.emit(g))
            grid.addWidget(b, 3, col)
            self.grade_buttons[grade] = b
        self.comment_edit = QLineEdit()
        self.comment_edit.setPlaceholderText("Comment (C), Enter to save")
        self.comment_edit.returnPressed.connect(self._send_comment)
        grid.addWidget(self.comment_edit, 4, 0, 1, 3)
        layout.addWidget(box)

        # --- Report
        report_box = QGroupBox("Report")
        rl = QVBoxLayout(report_box)
        self.report_view = QTextBrowser()
        self._report_text: str | None = None       # the report shown, to keep its scroll on a repaint
        self.report_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        rl.addWidget(self.report_view)
        layout.addWidget(report_box, 2)

        # --- History
        history_box = QGroupBox("Label history")
        hl = QVBoxLayout(history_box)
        self.history = QTableWidget(0, 4)
        self.history.setHorizontalHeaderLabels(["When", "Who", "What", "Source"])
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.verticalHeader().setVisible(False)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        hl.addWidget(self.history)
        layout.addWidget(history_box, 2)
        # Clicking a button must not take the keyboard away from the image (or a half-typed comment).
        for button in self.findChildren(QPushButton):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.opacity_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def _send_comment(self) -> None:
        # Emitted even when empty: the window then just hands the keyboard back to the image.
        self.comment_requested.emit(self.comment_edit.text().strip())

    # ----------------------------------------------------------- show state
    def show_prediction(self, prediction: dict | None, model_text: str, blinded: bool = False,
                        error: str | None = None) -> None:
        self.ai_box.setVisible(not blinded)
        notes = [v.get("heatmap_note") for v in (prediction or {}).get("views", []) if v.get("heatmap_note")]
        self.heatmap_note.setText(notes[0] if notes else "")
        self.heatmap_note.setVisible(bool(notes))
        if prediction is None:
            if error:
                self.prediction_label.setText(f'<span style="color:{ERROR_COLOUR}">{html.escape(error)}</span>')
            else:
                self.prediction_label.setText(html.escape(model_text))
            return
        tier = prediction.get("tier") or ""
        colour = TIER_COLOURS.get(tier, "#bbbbbb")
        views = "  ".join(f"view {i + 1}: {v['probability']:.2f}" for i, v in enumerate(prediction.get("views", [])))
        # Which published model predicted it (its body part's own, or the all-parts one), in the reader's words.
        which = prediction.get("model_text") or f"model {prediction['model_id']}"
        self.prediction_label.setText(
            f'<span style="font-size:15pt; color:{colour}"><b>{tier.upper()}</b></span>'
            f'&nbsp; study p = {prediction["probability"]:.2f}<br>{views}'
            f'<br><span style="color:#999">{html.escape(which)}</span>')

    def show_reading(self, label, grade: str | None, blinded: bool = False) -> None:
        """``label``: the study's current core.store Label (or None)."""
        if blinded:
            self.current_label.setText("Blinded reading: answers are per view (Left/Right picks the view).")
        elif label is None:
            self.current_label.setText("Unlabelled")
        else:
            word = LABEL_WORDS.get(label.value, label.value)
            who = f"by {label.author}" if label.source == "radiologist" else "awaiting confirmation"
            self.current_label.setText(f"<b>{word}</b> ({label.source}, {who})")
        for value, b in self.label_buttons.items():
            b.setChecked(label is not None and label.source == "radiologist" and label.value == value and not blinded)
        self.confirm_button.setEnabled(label is not None and label.source != "radiologist" and not blinded)
        for g, b in self.grade_buttons.items():
            b.setChecked(grade == g and not blinded)     # an earlier grade would tell a reader-study reader too much

    def show_report(self, text: str | None, blinded: bool = False, deciding: dict | None = None,
                    analysis=None) -> None:
        """The report, and with ``deciding`` (core.reports.queue.deciding_sentence) what the report
        labeller made of it and the sentence that decided it, underlined in place; with ``analysis``
        (the labeller's context analysis of ``text``) its cues as the labeller found them."""
        # A reader study must not see the report's conclusion, nor the labeller's, either.
        if blinded:
            self.report_view.setHtml("<i>Hidden in blinded reading.</i>")
            self._report_text = None
            return
        # Repainting the same report (its analysis arrived) keeps where the reader had scrolled to.
        same = text is not None and text == self._report_text
        scroll = self.report_view.verticalScrollBar().value()
        self.report_view.setHtml(report_html(text, deciding, analysis))
        self._report_text = text
        if same:
            self.report_view.verticalScrollBar().setValue(scroll)

    def show_history(self, rows: list) -> None:
        self.history.setRowCount(len(rows))
        for i, r in enumerate(reversed(rows)):   # newest first
            what = LABEL_WORDS.get(r["value"], r["value"]) if r["value"] else f"undo of #{r['retracts']}"
            for col, text in enumerate((r["created_at"][5:16].replace("T", " "), r["author"], what, r["source"])):
                self.history.setItem(i, col, QTableWidgetItem(text))
