"""Background training dock: start/stop, stage, progress with ETA, live curves, log, trigger policy.

The training itself runs in :class:`gui.workers.train.TrainingThread`; this
widget only starts it, shows its events and reports the promote/reject
decision -- or, when nothing was trained, why. A run that resumed an
interrupted one says so and offers a fresh start (TrainConfig.resume=False).
Its contents scroll, so opening it never pushes the window past a small screen.
"""

from __future__ import annotations

import html
import os
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDockWidget, QFormLayout, QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton,
    QScrollArea, QSpinBox, QVBoxLayout, QWidget,
)

from gui.settings import DEFAULTS
from gui.widgets.curve import CurveWidget
from gui.workers.train import TrainingThread

STAGES = (("chain", "Next step of the chain"), ("target", "Target (fracture)"), ("body-part", "Body part (RadiNet)"),
          ("fast-refresh", "Fast refresh"), ("pretrain", "Pretrain (self-supervised)"))
# The chain (core.store.chain): pretrain if missing -> RadiNet -> the open study's target -> fast refresh.
CHAIN_CONTINUES_AFTER = ("pretrain", "body-part")     # these steps lead straight on to the next one
ERROR_COLOUR = "#ef9a9a"
RESUMED_PREFIX = "resumed after epoch"     # trainer.loop's log message when it continues an interrupted run


def _clock(epoch_seconds: float) -> str:
    return time.strftime("%H:%M", time.localtime(epoch_seconds))


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
        self.train_in_process: bool | None = None   # None: the real trainer in a process, a test's train_fn here
        self.thread: TrainingThread | None = None
        self.labels_since_training = 0
        self.body_part: str | None = None          # the open study's, for the chain's target step
        self._chain_step = None                     # the core.store.chain.ChainStep running, if any
        self._failure: str | None = None          # why the last run trained nothing
        self._restart_fresh = False               # "Start afresh" pressed: start again once stopped
        self._last_result_model: str | None = None  # the model the last run saved, if any
        self._last_fields: dict = {}
        self._started_at = 0.0
        self._first_event = False
        self._waiting_timer = QTimer(self)
        self._waiting_timer.setInterval(1000)
        self._waiting_timer.timeout.connect(self._show_waiting)
        body = QWidget()
        layout = QVBoxLayout(body)
        form = QFormLayout()
        self.stage_box = QComboBox()
        for key, text in STAGES:
            self.stage_box.addItem(text, key)
        self.epochs_box = QSpinBox()
        self.epochs_box.setRange(1, 500)
        self.epochs_box.setValue(int(self.settings.get("epochs", DEFAULTS["epochs"])))
        self.auto_box = QSpinBox()
        self.auto_box.setRange(0, 10_000)
        self.auto_box.setSpecialValueText("manual only")
        self.auto_box.setSuffix(" new labels")
        self.auto_box.setValue(int(self.settings.get("auto_after", 0)))
        form.addRow("Stage", self.stage_box)
        self.chain_label = QLabel("")
        self.chain_label.setWordWrap(True)
        self.chain_label.setTextFormat(Qt.TextFormat.RichText)
        form.addRow("", self.chain_label)
        self.chain_through = QCheckBox("Go on through the chain up to the fracture model")
        self.chain_through.setToolTip("After pretraining and RadiNet, start the next step without waiting")
        form.addRow("", self.chain_through)
        self.stage_box.currentIndexChanged.connect(lambda _i: self.show_chain())
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
        resume_row = QHBoxLayout()
        self.resume_notice = QLabel("")
        self.resume_notice.setWordWrap(True)
        self.fresh_button = QPushButton("Start afresh")
        self.fresh_button.setToolTip("Stop, forget the interrupted run and train from the start")
        self.fresh_button.clicked.connect(self.start_afresh)
        resume_row.addWidget(self.resume_notice, 1)
        resume_row.addWidget(self.fresh_button)
        self.resume_notice.hide()
        self.fresh_button.hide()
        layout.addLayout(resume_row)
        self.curve = CurveWidget()
        layout.addWidget(self.curve)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.result_label)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        self.log.setMinimumHeight(48)
        layout.addWidget(self.log, 1)
        # Scroll instead of growing: the dock's contents are ~500 px tall, more than a 1000-px
        # screen has left under the worklist, viewer and status bar.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.setMinimumHeight(120)
        self.setWidget(scroll)
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

    # ------------------------------------------------------------------ chain
    def set_body_part(self, body_part: str | None) -> None:
        """The open study's body part: the chain's target step trains that body part's model."""
        from core.store.chain import next_step  # noqa: F401 - fail here, not at start, if missing

        known = {"shoulder", "humerus", "elbow", "forearm", "wrist", "hand", "finger"}
        part = (body_part or "").strip().lower()
        self.body_part = part if part in known else None
        if self.isVisible():
            self.show_chain()

    def chain_step(self):
        """What 'Next step of the chain' trains now (a registry read of a few rows)."""
        from core.store.chain import next_step

        with self.workspace.connect() as store:
            return next_step(store, self.body_part)

    def show_chain(self) -> None:
        if self.stage_box.currentData() != "chain" or self.is_running():
            self.chain_label.setText("")
            return
        try:
            step = self.chain_step()
        except Exception as err:  # noqa: BLE001 - the dock still works with a stage chosen by hand
            self.chain_label.setText(f"The chain cannot be read: {err}")
            return
        self.chain_label.setText(f"Next: <b>{html.escape(step.title)}</b>, from {self._parent_text(step)}. "
                                 f"{html.escape(step.why)}")

    @staticmethod
    def _parent_text(step) -> str:
        if step.parent_id is None:
            return "random weights"
        return f"{html.escape(step.parent_id)} ({'published' if step.parent_published else 'a candidate'})"

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.show_chain()

    def start(self, extra: dict | None = None) -> bool:
        if self.is_running():
            return False
        extra = dict(extra or {})
        self._chain_step = None
        if extra.get("stage", self.stage_box.currentData()) == "chain":
            step = self.chain_step()
            self._chain_step = step
            # init stays "auto": the trainer resolves the same parent (core.store.chain mirrors it).
            extra.update({"stage": step.stage, "body_part": step.body_part, "init": "auto"})
        from core.store.activity import running_training

        other = running_training(self.workspace.path, exclude_pid=None)
        if other is not None:
            # Most likely `radinet train` in a terminal: a second run would compete for the processor
            # and for the same resume checkpoints, and torch alone would take many seconds to load.
            self._set_status(f"A {other.get('stage', '')} training run started from the {other.get('origin', '?')} "
                             f"at {_clock(other.get('started', time.time()))} (process {other.get('pid')}) is "
                             "still running in this workspace. Wait for it to finish, then start here.", error=True)
            self.show()
            return False
        fields = {**self.config_fields(), **extra}
        self._last_fields = dict(fields)
        self._failure = None
        self._last_result_model = None
        self._restart_fresh = False
        self.resume_notice.hide()
        self.fresh_button.hide()
        self.curve.clear()
        self.result_label.setText("")
        self.progress.setRange(0, 0)   # busy until the first batch says how many
        self._started_at = time.monotonic()
        self._first_event = False
        self._set_status("Starting: loading the training libraries…")
        self._waiting_timer.start()
        if self._chain_step is not None:
            step = self._chain_step
            self.chain_label.setText(f"Running: <b>{html.escape(step.title)}</b>, from {self._parent_text(step)}.")
            self._log(f"Chain step: {step.title}, from {step.parent_id or 'random weights'}. {step.why}")
        self._log(f"Start: stage {fields['stage']}, {fields['epochs']} epoch(s)"
                  + ("" if fields.get("resume", True) else ", from the start (no resume)"))
        self.thread = TrainingThread(self.workspace, fields, train_fn=self.train_fn, parent=self,
                                     in_process=self.train_in_process)
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
            self._set_status("Stopping after the current batch…")
            self.stop_button.setEnabled(False)

    def start_afresh(self) -> None:
        """The run resumed an interrupted one; the reader wants a clean start instead."""
        self.fresh_button.setEnabled(False)
        if self.is_running():
            self._restart_fresh = True
            self.stop()
        else:
            self.start({**self._last_fields, "resume": False})

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(f"color: {ERROR_COLOUR};" if error else "")
        self.status.setText(text)

    def _show_waiting(self) -> None:
        """Until the trainer's first event, say how long it has been loading (not a frozen message)."""
        if self._first_event or not self.is_running():
            self._waiting_timer.stop()
            return
        seconds = time.monotonic() - self._started_at
        busy = ""
        if hasattr(os, "getloadavg") and os.getloadavg()[0] > (os.cpu_count() or 1):
            busy = " The processor is busy with other work, which slows this down."
        self._set_status(f"Starting: loading the training libraries… {seconds:.0f} s.{busy}")

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
        if not self._first_event:
            self._first_event = True
            self._waiting_timer.stop()
            if ev.kind in ("start", "log"):
                self._set_status("Preparing the training images…")
        if ev.kind == "batch":
            total = max(1, ev.batches * max(1, ev.epochs))
            done = (max(ev.epoch, 1) - 1) * ev.batches + ev.batch
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            loss = "" if ev.loss is None else f"loss {ev.loss:.4f}"
            self._set_status(f"{ev.stage}: epoch {ev.epoch}/{ev.epochs}, batch {ev.batch}/{ev.batches}  "
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
            if ev.kind == "log" and ev.message.startswith(RESUMED_PREFIX):
                self.resume_notice.setText(f"Continuing an interrupted run ({ev.message}); "
                                           "same stage, settings and data.")
                self.resume_notice.show()
                self.fresh_button.setEnabled(True)
                self.fresh_button.show()
        elif ev.kind == "done":
            self._on_done(ev)

    def _on_done(self, ev) -> None:
        result = ev.result or {}
        self._last_result_model = result.get("model_id")
        auc = (result.get("val") or {}).get("auc")
        if auc is not None:
            self.curve.set_promoted_auc(auc)     # the best epoch's, which the promotion decision used
        reason = html.escape(result.get("reason") or ev.message or "")
        if result.get("model_id") is None:
            # Stopped (or nothing to publish): no model exists, so there is nothing to name.
            text = ("Stopped before the end: no model was saved. Starting the same training again resumes "
                    "from the last finished epoch." if result.get("stopped") else f"No model was saved. {reason}")
            self.result_label.setText(f'<span style="color:#ffb300"><b>{text}</b></span>')
            self._log(text)
            return
        promoted = bool(result.get("promoted"))
        colour = "#4caf50" if promoted else "#ffb300"
        word = "promoted (now in use)" if promoted else "not promoted"
        self.result_label.setText(f'<span style="color:{colour}"><b>Model {html.escape(result["model_id"])} '
                                  f"{word}</b></span><br>{reason}")
        self._log(f"Done: {result['model_id']} {word}. {result.get('reason') or ''}")
        if promoted:
            self.model_published.emit(result)

    def _on_failed(self, message: str) -> None:
        self._failure = message
        self._log(message)
        self._set_status(f"Nothing was trained: {message}", error=True)

    def _on_finished(self) -> None:
        self._waiting_timer.stop()
        stopped = self.thread is not None and self.thread.stop_event.is_set()
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if not (stopped or self._failure) else 0)
        if self._failure:
            pass                                   # the reason stays on screen
        elif stopped:
            self._set_status("Stopped.")
            self._log("Stopped by the user.")
        else:
            self._set_status("Finished.")
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.running_changed.emit(False)
        step, self._chain_step = self._chain_step, None
        trained = not (stopped or self._failure) and self._last_result_model is not None
        if (step is not None and trained and step.stage in CHAIN_CONTINUES_AFTER and self.chain_through.isChecked()
                and not self._restart_fresh):
            self._log(f"Chain: {step.title} done; going on with the next step.")
            self.start({**self._last_fields, "stage": "chain"})
            return
        self.show_chain()
        if self._restart_fresh:
            self._restart_fresh = False
            self._log("Starting afresh: the interrupted run is not resumed.")
            self.start({**self._last_fields, "resume": False})
