"""Labelling from reports in the workstation: run it (with progress and Cancel), then review what it was unsure of.

``ReportLabelling`` runs the CLI's ``reports label`` code in a JobThread
(gui/workers/report_labelling.py) and opens the review queue. The
``ReviewQueueDialog`` lists the studies the labeller would not decide alone
(most doubtful first) with the report sentence that decided its guess; the
radiologist accepts a suggestion (written as their own label through the
reading session, so Undo and the worklist follow), rejects it (a rejection
row, no label: the study stays unlabelled in the worklist and leaves the
queue until a later labeller run suggests again) or opens the study to read it.

No key writes a label here: the dialog has no shortcuts, Enter does nothing
(no default button), Accept and Reject never hold the keyboard focus (a
focused button clicks on Space, the main window's "next study" key), and the
main window's reading keys do not reach it (they are window shortcuts of the
main window). Only a click on Accept, for the row it is on, writes a label --
exactly one; only a click on Reject writes a rejection.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from core.store.reading import LABEL_WORDS
from gui.workers import report_labelling
from gui.workers.job import JobThread

COLUMNS = ("Patient", "Accession", "Body part", "Suggestion", "p (fracture)", "Deciding sentence", "Decision")
ERROR_COLOUR = "#ef9a9a"


class ReviewQueueDialog(QDialog):
    open_study = Signal(int)
    labelled = Signal(object)             # the reading session's Action of an accepted suggestion

    def __init__(self, workspace, store, session, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Report suggestions to review")
        self.setModal(False)
        self.resize(1000, 520)
        self.workspace, self.store, self.session = workspace, store, session
        self.items: list = []
        self.decisions: dict[int, str] = {}        # study_id -> "accepted" | "rejected" (this dialog)
        self.job: JobThread | None = None
        layout = QVBoxLayout(self)
        self.info = QLabel("Loading the review queue…")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.accept_button = QPushButton("Accept suggestion")
        self.accept_button.setToolTip("Write the suggested label as your own (Undo with Ctrl+Z in the main window)")
        self.reject_button = QPushButton("Reject")
        self.reject_button.setToolTip("Dismiss this suggestion: no label is written; the study stays unlabelled in "
                                      "the worklist and leaves this queue")
        self.open_button = QPushButton("Open study")
        self.close_button = QPushButton("Close")
        for b in (self.accept_button, self.reject_button, self.open_button, self.close_button):
            b.setAutoDefault(False)
            b.setDefault(False)
            row.addWidget(b)
        # A focused button clicks on Space -- the main window's "next study" key. Accept and Reject never
        # take the keyboard focus, so only a deliberate click on them decides anything.
        for b in (self.accept_button, self.reject_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row.insertStretch(3, 1)
        layout.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.accept_button.clicked.connect(self.accept_current)
        self.reject_button.clicked.connect(self.reject_current)
        self.open_button.clicked.connect(self._open_current)
        self.close_button.clicked.connect(self.close)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._update_buttons()

    # -------------------------------------------------------------- loading
    def load(self) -> None:
        workspace = self.workspace
        self.job = JobThread(lambda progress, stop: report_labelling.load_review_items(workspace), self)
        self.job.succeeded.connect(self._show_items)
        self.job.failed.connect(lambda m: self._set_status(m, error=True))
        self.job.start()

    def _show_items(self, items: list) -> None:
        self.items = list(items)
        self.table.setRowCount(len(self.items))
        for i, it in enumerate(self.items):
            cells = (it.patient_key, it.accession, it.body_part, LABEL_WORDS.get(it.value, it.value),
                     f"{it.probability:.2f}", it.sentence or "", self.decisions.get(it.study_id, ""))
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(5, min(self.table.columnWidth(5), 420))
        self.info.setText(f"{len(self.items)} stud{'y' if len(self.items) == 1 else 'ies'} the report labeller was "
                          "not sure enough to label, most doubtful first. Accept writes the suggestion as your "
                          "label; Reject dismisses it without a label." if self.items else
                          "No report suggestions are waiting for review.")
        if self.items:
            self.table.selectRow(0)
        self._update_buttons()

    def shutdown(self) -> None:
        if self.job is not None:
            self.job.wait()

    # -------------------------------------------------------------- deciding
    def current(self):
        rows = self.table.selectionModel().selectedRows() if self.table.model() else []
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def _update_buttons(self) -> None:
        it = self.current()
        pending = it is not None and it.study_id not in self.decisions
        self.accept_button.setEnabled(pending)
        self.reject_button.setEnabled(pending)
        self.open_button.setEnabled(it is not None)
        if it is not None:
            self.accept_button.setText(f"Accept: {LABEL_WORDS.get(it.value, it.value)}")

    def _mark(self, it, decision: str) -> None:
        self.decisions[it.study_id] = decision
        row = self.items.index(it)
        self.table.setItem(row, len(COLUMNS) - 1, QTableWidgetItem(decision))
        if row + 1 < len(self.items):
            self.table.selectRow(row + 1)
        self._update_buttons()

    def accept_current(self):
        """The one place this dialog writes: one radiologist label for the selected suggestion."""
        from core.store.review import accept

        it = self.current()
        if it is None or it.study_id in self.decisions:
            return None
        action = accept(self.store, self.session, it)
        if action is None:
            return self._changed_meanwhile(it)
        self._set_status(f"Saved {action.text} by {self.session.author} {action.at} "
                         f"({it.patient_key or it.study_id}).")
        self._mark(it, f"accepted: {action.text}")
        self.labelled.emit(action)
        return action

    def reject_current(self):
        """Dismiss the selected suggestion: a rejection row, never a label; its row id, or None."""
        from core.errors import RadinetError
        from core.store.review import reject

        it = self.current()
        if it is None or it.study_id in self.decisions:
            return None
        try:
            row_id = reject(self.store, it, self.session.author)
        except RadinetError as err:
            self._set_status(str(err), error=True)
            return None
        if row_id is None:
            return self._changed_meanwhile(it)
        self._set_status(f"Rejected by {self.session.author}: no label written; the study stays unlabelled in the "
                         f"worklist and leaves this queue ({it.patient_key or it.study_id}).")
        self._mark(it, "rejected (no label)")
        return row_id

    def _changed_meanwhile(self, it) -> None:
        """An accept or reject refused because the suggestion is no longer the study's newest one waiting."""
        self._set_status("Not saved: this study was labelled or re-suggested meanwhile. Reload the queue.",
                         error=True)
        self._mark(it, "changed meanwhile")
        return None

    def _open_current(self) -> None:
        it = self.current()
        if it is not None:
            self.open_study.emit(it.study_id)

    def keyPressEvent(self, event) -> None:
        # Enter/Return would trigger a default button or accept() the dialog; here they do nothing.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(f"color: {ERROR_COLOUR};" if error else "")
        self.status.setText(text)


class ReportLabelling(QWidget):
    """Runs 'Label unlabelled studies from reports…' and then shows the review queue (a hidden helper widget)."""

    finished = Signal(object)             # the summary, or None when it failed or was cancelled
    labelled = Signal(object)             # an accepted suggestion's Action (from the review dialog)

    def __init__(self, workspace, store, session, show_banner, hide_banner, parent=None):
        super().__init__(parent)
        self.hide()
        self.workspace, self.store, self.session = workspace, store, session
        self.show_banner, self.hide_banner = show_banner, hide_banner
        self.job: JobThread | None = None
        self.dialog: ReviewQueueDialog | None = None
        self.last_summary: dict | None = None
        self.last_error: str | None = None
        self.confirm = lambda title, text: QMessageBox.question(
            self.parentWidget(), title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel) == QMessageBox.StandardButton.Yes
        self.inform = lambda title, text: QMessageBox.information(self.parentWidget(), title, text)

    def running(self) -> bool:
        return self.job is not None and self.job.isRunning()

    def start(self) -> bool:
        if self.running():
            return False
        if not self.confirm("Label unlabelled studies from reports", (
                "The report labeller learns from the studies that already have a radiologist or imported label, "
                f"then labels unlabelled studies only where it reaches precision {report_labelling.DEFAULT_PRECISION} "
                "in cross-validation (source: nlp; a radiologist's label always wins). The studies it is not sure "
                "about are listed for your review; nothing is labelled from that list unless you accept it.\n\n"
                "The same as 'radinet reports label'. Start?")):
            return False
        workspace = self.workspace
        self.last_summary, self.last_error = None, None
        self.job = JobThread(lambda progress, stop: report_labelling.label_from_reports(workspace, progress, stop),
                             self)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_done)
        self.job.failed.connect(self._on_failed)
        self.show_banner("Labelling unlabelled studies from their reports…", self.job.cancel)
        self.job.start()
        return True

    def _on_progress(self, done: int, total: int, message: str) -> None:
        parent = self.parentWidget()
        if parent is not None and hasattr(parent, "_on_banner_progress"):
            parent._on_banner_progress(done, total, message)

    def _on_done(self, summary: dict) -> None:
        self.hide_banner()
        self.last_summary = summary
        self.finished.emit(summary)
        self.inform("Labelled from reports", report_labelling.summary_text(summary))
        if summary.get("review_queue"):
            self.show_queue()

    def _on_failed(self, message: str) -> None:
        self.hide_banner()
        self.last_error = message
        self.finished.emit(None)
        self.inform("Labelling from reports", message)

    def show_queue(self) -> ReviewQueueDialog:
        if self.dialog is None:
            self.dialog = ReviewQueueDialog(self.workspace, self.store, self.session, self.parentWidget())
            self.dialog.labelled.connect(self.labelled)
            parent = self.parentWidget()
            if parent is not None and hasattr(parent, "worklist"):
                self.dialog.open_study.connect(parent.worklist.select)
        self.dialog.load()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def shutdown(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job.wait()
        if self.dialog is not None:
            self.dialog.shutdown()
