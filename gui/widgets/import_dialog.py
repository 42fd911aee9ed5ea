"""Import dialog: pick a folder, DICOMDIR, MURA tree or reports CSV; progress; rejected files with reasons."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QListWidget, QProgressBar,
    QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
)

from gui.workers.job import JobThread


class ImportDialog(QDialog):
    imported = Signal(dict)

    def __init__(self, workspace, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import studies")
        self.resize(720, 480)
        self.workspace = workspace
        self.thread: JobThread | None = None
        self.result: dict | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Folders (DICOM, MURA-style PNG trees), DICOMDIR files, DICOM files or a reports CSV. "
                                "Pixels stay where they are; only headers are read."))
        self.paths = QListWidget()
        layout.addWidget(self.paths)
        row = QHBoxLayout()
        self.add_folder_button = QPushButton("Add folder…")
        self.add_files_button = QPushButton("Add files (DICOMDIR, DICOM, CSV)…")
        row.addWidget(self.add_folder_button)
        row.addWidget(self.add_files_button)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.rejected = QTableWidget(0, 2)
        self.rejected.setHorizontalHeaderLabels(["Rejected file", "Reason"])
        self.rejected.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.rejected.verticalHeader().setVisible(False)
        layout.addWidget(self.rejected)
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(self.buttons)
        self.add_folder_button.clicked.connect(self._add_folder)
        self.add_files_button.clicked.connect(self._add_files)
        self.import_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)

    def add_paths(self, paths) -> None:
        for p in paths:
            if p:
                self.paths.addItem(str(p))

    def _add_folder(self) -> None:
        self.add_paths([QFileDialog.getExistingDirectory(self, "Folder to import")])

    def _add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Files to import", "",
                                                "DICOM, DICOMDIR or CSV (*);;Reports CSV (*.csv)")
        self.add_paths(files)

    def path_list(self) -> list[str]:
        return [self.paths.item(i).text() for i in range(self.paths.count())]

    def start(self) -> None:
        paths = self.path_list()
        if not paths or (self.thread is not None and self.thread.isRunning()):
            return
        from gui.services import import_paths

        workspace = self.workspace
        self.thread = JobThread(lambda progress, stop: import_paths(paths, workspace, progress, stop), self)
        self.thread.progress.connect(self._on_progress)
        self.thread.succeeded.connect(self._on_done)
        self.thread.failed.connect(self._on_failed)
        self.import_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.progress.setRange(0, 0)
        self.status.setText("Reading headers…")
        self.thread.start()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.status.setText(f"{done}/{total} {message}")

    def _on_done(self, result: dict) -> None:
        self.result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        rejected = result.get("rejected", [])
        self.rejected.setRowCount(len(rejected))
        for i, r in enumerate(rejected):
            path, reason = (r["path"], r["reason"]) if isinstance(r, dict) else (r.path, r.reason)
            self.rejected.setItem(i, 0, QTableWidgetItem(path))
            self.rejected.setItem(i, 1, QTableWidgetItem(reason))
        cancelled = " (cancelled)" if result.get("cancelled") else ""
        self.status.setText(f"Imported {result.get('imported', 0)} image(s), skipped {result.get('skipped', 0)} "
                            f"already known, rejected {len(rejected)}, reports {result.get('reports', 0)}{cancelled}.")
        self._idle()
        self.imported.emit(result)

    def _on_failed(self, message: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(message)
        self._idle()

    def _idle(self) -> None:
        self.import_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def _cancel_or_close(self) -> None:
        if self.thread is not None and self.thread.isRunning():
            self.thread.cancel()
        else:
            self.reject()

    def done(self, r: int) -> None:
        if self.thread is not None and self.thread.isRunning():
            self.thread.cancel()
            self.thread.wait()
        super().done(r)
