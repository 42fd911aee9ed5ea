"""The models panel: every registered model, publish one by hand, roll back, compare two.

A dock listing the registry (core.store.model_overview): parent, scope/body
part, date, the validation figure with its 95 % CI, the data the model saw
and the last decision with its reason. Publishing by hand first shows the
model's CI and why the promotion rule kept it as a candidate, and asks.
Reading the registry, publishing (a child process: it may export ONNX with
torch), rolling back and comparing two models on the same validation
studies all run in gui.workers.job.JobThread, with progress and Cancel; the
GUI thread only fills the table.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDockWidget, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton,
    QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget,
)

from core.evaluation import compare
from gui.workers import model_jobs
from gui.workers.job import JobThread

# The figure and the data come first: they are what a reader judges a model by.
COLUMNS = ("", "Model", "Scope", "Validation (95 % CI)", "Data seen", "Stage", "Parent", "Created", "Last decision")
ERROR_COLOUR = "#ef9a9a"
SPLITS = (("val", "validation split"), ("test", "test split"), ("all", "all labelled studies"))


def _ask(parent, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Yes
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)     # Enter never publishes by accident
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box.exec() == QMessageBox.StandardButton.Yes


class ModelsPanel(QDockWidget):
    models_changed = Signal()        # a model was published or rolled back from here

    def __init__(self, workspace, author: str = "", publish_fn=None, compare_fn=None, parent=None):
        super().__init__("Models", parent)
        self.setObjectName("ModelsPanel")
        self.workspace = workspace
        self.author = author
        self.publish_fn = publish_fn or model_jobs.publish_by_hand     # tests inject a stand-in
        self.compare_fn = compare_fn or compare.compare_models
        self.confirm = lambda title, text: _ask(self, title, text)     # tests replace it and read the text
        self.models: list = []
        self.job: JobThread | None = None
        self.last_comparison: dict | None = None
        self._refresh_after: str | None = None      # a message to keep once the list is read again

        body = QWidget()
        layout = QVBoxLayout(body)
        bar = QHBoxLayout()
        self.refresh_button = QPushButton("Refresh")
        self.publish_button = QPushButton("Publish…")
        self.publish_button.setToolTip("Use the selected model for predictions (shows its figures and asks first)")
        self.rollback_button = QPushButton("Roll back…")
        self.rollback_button.setToolTip("Withdraw the selected published model; the one published before it "
                                        "takes over")
        self.compare_button = QPushButton("Compare two…")
        self.compare_button.setToolTip("Select two fracture models (AUC) or two body-part models (accuracy): "
                                       "both are scored on the same studies")
        self.split_box = QComboBox()
        for key, text in SPLITS:
            self.split_box.addItem(text, key)
        for w in (self.refresh_button, self.publish_button, self.rollback_button, self.compare_button):
            bar.addWidget(w)
        bar.addWidget(QLabel("on"))
        bar.addWidget(self.split_box)
        bar.addStretch(1)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        bar.addWidget(self.progress)
        bar.addWidget(self.cancel_button)
        layout.addLayout(bar)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)   # model ids differ at the end
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self.setWidget(body)

        self.refresh_button.clicked.connect(self.refresh)
        self.publish_button.clicked.connect(self.publish_selected)
        self.rollback_button.clicked.connect(self.rollback_selected)
        self.compare_button.clicked.connect(self.compare_selected)
        self.cancel_button.clicked.connect(self.cancel)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self._on_selection()

    # ------------------------------------------------------------------ jobs
    def busy(self) -> bool:
        return self.job is not None and self.job.isRunning()

    def _run(self, what: str, fn, on_done, cancellable: bool = True) -> bool:
        if self.busy():
            self._set_status("Another task of this panel is still running.", error=True)
            return False
        self._set_status(what)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.setVisible(cancellable)
        self.job = JobThread(fn, self)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(on_done)
        self.job.failed.connect(lambda message: self._set_status(message, error=True))
        self.job.finished.connect(self._on_job_finished)
        for w in (self.publish_button, self.rollback_button, self.compare_button, self.refresh_button):
            w.setEnabled(False)
        self.job.start()
        return True

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{done}/{total}")
        if message:
            self.progress.setToolTip(message)

    def _on_job_finished(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.refresh_button.setEnabled(True)
        self._on_selection()
        if self._refresh_after is not None:      # the registry changed: read it again
            self.refresh()

    def cancel(self) -> None:
        if self.busy():
            self.job.cancel()
            self._set_status("Cancelling…")

    def shutdown(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job.wait()

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(f"color: {ERROR_COLOUR};" if error else "")
        self.status.setText(text)

    # --------------------------------------------------------------- listing
    def refresh(self) -> bool:
        workspace = self.workspace
        return self._run("Reading the model registry…", lambda progress, stop: model_jobs.load_overview(workspace),
                         self._show_models, cancellable=False)

    def _show_models(self, models: list) -> None:
        keep = {m.model_id for m in self.selected()}
        self.models = list(models)
        self.table.setRowCount(len(self.models))
        for i, m in enumerate(self.models):
            cells = ("★" if m.published else "", m.model_id, m.scope, m.figure, m.data_seen, m.stage,
                     m.parent_id or "—", (m.created_at or "")[:16].replace("T", " "),
                     f"{m.last_event or ''}: {m.reason or ''}")
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        for col, widest in ((1, 230), (3, 250), (4, 300), (6, 230), (8, 300)):
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), widest))
        for i, m in enumerate(self.models):
            if m.model_id in keep:
                self.table.selectRow(i)
        published = sum(m.published for m in self.models)
        self._set_status(f"{len(self.models)} model(s), {published} published (★)." if self.models else
                         "No models yet: train one from the Training dock (Ctrl+T).")
        if self._refresh_after:
            self._set_status(f"{self._refresh_after} {self.status.text()}")
        self._refresh_after = None
        self._on_selection()

    def selected(self) -> list:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}) if self.table.model() else []
        return [self.models[r] for r in rows if r < len(self.models)]

    def _on_selection(self) -> None:
        chosen = self.selected()
        idle = not self.busy()
        one = chosen[0] if len(chosen) == 1 else None
        self.publish_button.setEnabled(idle and one is not None and not one.published and one.task != "pretrain")
        self.rollback_button.setEnabled(idle and one is not None and one.published)
        self.compare_button.setEnabled(idle and len(chosen) == 2)
        if one is not None:
            self.details.setHtml(self._details_html(one))

    @staticmethod
    def _details_html(m) -> str:
        e = html.escape
        rows = [("Model", m.model_id), ("Scope", f"{m.scope} (body part {m.body_part})"),
                ("Stage", m.stage), ("Architecture", f"{m.architecture}" + (f" at {m.image_size} px"
                                                                            if m.image_size else "")),
                ("Parent", m.parent_id or "none"), ("Started from", m.init or "not recorded"),
                ("Created", m.created_at), ("Validation", m.figure), ("Data seen", m.data_seen),
                ("Published", "yes (in use)" if m.published else "no"),
                ("Promotion rule", m.rule_reason or "not recorded"),
                ("Last decision", f"{m.last_event or ''}: {m.reason or ''}"),
                ("ONNX", "exported" if m.has_onnx else "missing (exported when published)")]
        return "<table>" + "".join(f"<tr><td valign='top'><b>{e(k)}</b>&nbsp;</td><td>{e(str(v))}</td></tr>"
                                   for k, v in rows) + "</table>"

    # --------------------------------------------------------------- actions
    def publish_selected(self) -> bool:
        chosen = self.selected()
        if len(chosen) != 1:
            return False
        m = chosen[0]
        why = m.rule_reason or "the promotion rule recorded no reason"
        text = (f"Publish {m.model_id} for {m.scope}?\n\n"
                f"Validation: {m.figure}\nData seen: {m.data_seen}\n\n"
                f"The promotion rule did not publish it: {why}\n\n"
                "Once published, it predicts every study in this workspace (the worklist's AI column is "
                "recomputed). You can roll back afterwards.")
        if not self.confirm("Publish a model by hand", text):
            self._set_status("Nothing was published.")
            return False
        workspace, author, fn = self.workspace, self.author, self.publish_fn
        reason = f"published by hand in the workstation by {author}"
        return self._run(f"Publishing {m.model_id}…",
                         lambda progress, stop: fn(workspace, m.model_id, reason, author, stop),
                         lambda result: self._after_change(f"{m.model_id} is now the published {m.scope} model."))

    def rollback_selected(self) -> bool:
        chosen = self.selected()
        if len(chosen) != 1 or not chosen[0].published:
            return False
        m = chosen[0]
        if not self.confirm("Roll back the published model",
                            f"Withdraw {m.model_id}, the published {m.scope} model?\n\nThe model published "
                            "before it (if any) predicts again; the withdrawn one stays in the list."):
            self._set_status("Nothing was rolled back.")
            return False
        workspace, author = self.workspace, self.author
        return self._run(f"Rolling back {m.model_id}…",
                         lambda progress, stop: model_jobs.rollback(workspace, m.scope, author),
                         lambda result: self._after_change(f"{result[0]} withdrawn; published {m.scope} model is "
                                                           f"now {result[1] or 'none'}."), cancellable=False)

    def _after_change(self, message: str) -> None:
        self._refresh_after = message
        self._set_status(message)
        self.models_changed.emit()

    def compare_selected(self) -> bool:
        chosen = self.selected()
        if len(chosen) != 2:
            return False
        a, b = chosen
        workspace, split, fn = self.workspace, self.split_box.currentData(), self.compare_fn
        return self._run(f"Comparing {a.model_id} with {b.model_id}…",
                         lambda progress, stop: fn(workspace, a.model_id, b.model_id, split=split, progress=progress,
                                                   stop=stop),
                         self._show_comparison)

    def _show_comparison(self, result: dict) -> None:
        self.last_comparison = result
        text = compare.describe_comparison(result)
        self.details.setHtml("<b>Comparison on the same studies</b><br>" +
                             html.escape(text).replace("\n", "<br>"))
        self._set_status("Comparison finished.")
