"""Background training dock: start/stop, stage, progress with ETA, live curves, log, trigger policy.

The training itself runs in :class:`gui.workers.train.TrainingThread`; this
widget only starts it, shows its events and reports the promote/reject decision.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDockWidget, QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QSpinBox,
    QVBoxLayout, QWidget,
)

from gui.widgets.curve import CurveWidget
from gui.workers.train import TrainingThread

STAGES = (("target", "Target (fracture)"), ("body-part", "Body part (RadiNet)"), ("fast-refresh", "Fast refresh"))


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f"ETA {seconds // 60}:{seconds % 60:02d}"


class TrainingDock(QDockWidget):
    model_published = Signal(dict)         # the trainer's "done" result when a model was promoted
    running_changed = Signal(bool)

    def __init__(self, workspace, settings=None, train_fn=None, parent=None):
        super().__init__("Background training", parent)
        self.setObjectName("TrainingDock")
        self.workspace = workspace
        self.settings = settings or {}
        self.train_fn = train_fn
        self.thread: TrainingThread | None = None
        self.labels_since_training = 0
        body = QWidget()
        layout = QVBoxLayout(body)
        form = QFormLayout()
        self.stage_box = QComboBox()
        for key, text in STAGES:
            self.stage_box.addItem(text, key)
        self.epochs_box = QSpinBox()
        self.epochs_box.setRange(1, 500)
        self.epochs_box.setValue(int(self.settings.get("epochs", 10)))
        self.auto_box = QSpinBox()
        self.auto_box.setRange(0, 10_000)
        self.auto_box.setSpecialValueText("manual only")
        self.auto_box.setSuffix(" new labels")
        self.auto_box.setValue(int(self.settings.get("auto_after", 0)))
        form.addRow("Stage", self.stage_box)
        form.addRow("Epochs", self.epochs_box)
        form.addRow("Start automatically after", self.auto_box)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start training")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setFormat("%p %")
        self.status = QLabel("Idle")
        self.status.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.curve = CurveWidget()
        layout.addWidget(self.curve)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.result_label)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        layout.addWidget(self.log, 1)
        self.setWidget(body)
        self.start_button.clicked.connect(lambda: self.start())
        self.stop_button.clicked.connect(self.stop)

    # ---------------------------------------------------------------- control
    def is_running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def config_fields(self) -> dict:
        fields = {"stage": self.stage_box.currentData(), "epochs": self.epochs_box.value()}
        for key in ("device", "architecture", "image_size", "batch_size", "max_images", "author"):
            if self.settings.get(key) not in (None, ""):
                fields[key] = self.settings[key]
        # Leave one core to the reader: a CPU run on every core starves the GUI thread.
        import os

        fields.setdefault("threads", max(1, (os.cpu_count() or 2) - 1))
        return fields

    def start(self, extra: dict | None = None) -> bool:
        if self.is_running():
            return False
        fields = {**self.config_fields(), **(extra or {})}
        self.curve.clear()
        self.result_label.setText("")
        self.progress.setRange(0, 0)   # busy until the first batch says how many
        self.status.setText("Starting (loading the training libraries)…")
        self._log(f"Start: stage {fields['stage']}, {fields['epochs']} epoch(s)")
        self.thread = TrainingThread(self.workspace, fields, train_fn=self.train_fn, parent=self)
        self.thread.event.connect(self._on_event)
        self.thread.failed.connect(self._on_failed)
        self.thread.finished.connect(self._on_finished)
        self.labels_since_training = 0
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.thread.start(priority=self.thread.Priority.LowPriority)
        self.running_changed.emit(True)
        return True

    def stop(self) -> None:
        if self.is_running():
            self.thread.stop()
            self.status.setText("Stopping after the current batch…")
            self.stop_button.setEnabled(False)

    def note_new_label(self) -> None:
        """Called for every new radiologist label: may trigger a fast refresh."""
        self.labels_since_training += 1
        n = self.auto_box.value()
        if n and self.labels_since_training >= n and not self.is_running():
            self._log(f"{self.labels_since_training} new labels: starting a fast refresh automatically.")
            self.stage_box.setCurrentIndex(self.stage_box.findData("fast-refresh"))
            self.start()

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        if self.thread is not None:
            self.thread.stop()
            self.thread.wait(timeout_ms)

    # ----------------------------------------------------------------- events
    def _log(self, text: str) -> None:
        self.log.appendPlainText(text)

    def _on_event(self, ev) -> None:
        if ev.kind == "batch":
            total = max(1, ev.batches * max(1, ev.epochs))
            done = (max(ev.epoch, 1) - 1) * ev.batches + ev.batch
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            loss = "" if ev.loss is None else f"loss {ev.loss:.4f}"
            self.status.setText(f"{ev.stage}: epoch {ev.epoch}/{ev.epochs}, batch {ev.batch}/{ev.batches}  "
                                f"{loss}  {_eta(ev.eta_s)}")
            if ev.loss is not None:
                self.curve.add_loss(ev.loss)
        elif ev.kind == "epoch":
            val = ev.val or {}
            if "auc" in val and val["auc"] is not None:
                self.curve.add_auc(val["auc"])
            parts = ", ".join(f"{k} {v:.3f}" for k, v in val.items() if isinstance(v, (int, float)))
            self._log(f"Epoch {ev.epoch}/{ev.epochs}: {parts}")
        elif ev.kind in ("log", "start"):
            if ev.message:
                self._log(ev.message)
        elif ev.kind == "done":
            result = ev.result or {}
            promoted = bool(result.get("promoted"))
            reason = result.get("reason") or ev.message or ""
            colour = "#4caf50" if promoted else "#ffb300"
            word = "promoted (now in use)" if promoted else "not promoted"
            self.result_label.setText(f'<span style="color:{colour}"><b>Model {result.get("model_id", "")} '
                                      f"{word}</b></span><br>{reason}")
            self._log(f"Done: {word}. {reason}")
            if promoted:
                self.model_published.emit(result)

    def _on_failed(self, message: str) -> None:
        self._log(message)
        self.status.setText(message)

    def _on_finished(self) -> None:
        stopped = self.thread is not None and self.thread.stop_event.is_set()
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if not stopped else 0)
        if stopped:
            self.status.setText("Stopped.")
            self._log("Stopped by the user.")
        elif not self.status.text().startswith("Training"):
            self.status.setText("Finished.")
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.running_changed.emit(False)
