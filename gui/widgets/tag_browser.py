"""DICOM tag browser for the open image: a filterable tree of its header, sequences expandable.

The header is read (``stop_before_pixels``) and turned into rows by
core.imaging.tag_rows on a worker thread; this dialog only fills a model.
Pixel data is never shown. The filter box is a text box like any other: the
key guard keeps every plain key in it, so typing there never labels a study
(and the main window's reading shortcuts do not reach this separate window).
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QHeaderView, QLabel, QLineEdit, QTreeView, QVBoxLayout,
)

from gui.workers.job import JobThread

COLUMNS = ("Tag", "Name", "VR", "Value")


def _items(row) -> list[QStandardItem]:
    items = [QStandardItem(text) for text in (row.tag, row.name, row.vr, row.value)]
    for item in items:
        item.setEditable(False)
    for child in row.children:
        items[0].appendRow(_items(child))
    return items


class TagBrowser(QDialog):
    loaded = Signal(int)          # number of top-level rows shown (or -1 when the header could not be read)

    def __init__(self, path: str, title: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"DICOM tags — {title}" if title else "DICOM tags")
        self.resize(820, 640)
        layout = QVBoxLayout(self)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: tag, name or value (e.g. 0028, spacing, MONOCHROME)")
        self.filter_edit.setClearButtonEnabled(True)
        layout.addWidget(self.filter_edit)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(COLUMNS)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)                       # any column
        self.proxy.setRecursiveFilteringEnabled(True)           # a match inside a sequence keeps its parents
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter_edit.textChanged.connect(self._filter)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.tree, 1)
        self.status = QLabel("Reading the header…")
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            button.setAutoDefault(False)       # Enter in the filter box must not close the dialog
            button.setDefault(False)
        layout.addWidget(buttons)
        self.thread = JobThread(lambda _progress, _stop: _read(path), self)
        self.thread.succeeded.connect(self._show)
        self.thread.failed.connect(self._failed)
        self.thread.start()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if text.strip():
            self.tree.expandAll()

    def _show(self, rows) -> None:
        for row in rows:
            self.model.appendRow(_items(row))
        for col in range(3):
            self.tree.resizeColumnToContents(col)
        self.status.setText(f"{len(rows)} elements (pixel data not shown).")
        self.loaded.emit(len(rows))

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.loaded.emit(-1)

    def done(self, result: int) -> None:  # closing: let the reader thread finish first (a header read is ms)
        self.thread.wait()
        super().done(result)


def _read(path: str):
    from core.imaging.tag_rows import read_tag_rows

    return read_tag_rows(path)
