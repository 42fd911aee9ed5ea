"""Worklist panel: filter, body part, search box and a sortable table of studies.

It presents core.store.worklist rows; in a blinded reader study the order is
shuffled (seeded by the session) and sorting is off, so case order is not a clue.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget,
)

from core.store.reading import LABEL_WORDS
from core.store.worklist import FILTERS, WorklistRow, filter_rows, shuffled

# What a reader triages by comes first, so that it shows in a narrow worklist pane
# (1280 px screen: about the first four columns) without scrolling sideways.
COLUMNS = ("Patient", "Body part", "AI p", "Label", "Difficulty", "#", "Accession")
BODY_PART_COLUMN, AI_COLUMN, LABEL_COLUMN, DIFFICULTY_COLUMN = 1, 2, 3, 4
SOURCE_TEXT = {"radiologist": "radiologist", "nlp": "report", "import": "import"}
TIER_COLOURS = {"negative": QColor("#4caf50"), "doubt": QColor("#ffb300"), "positive": QColor("#ef5350")}


class WorklistModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[WorklistRow] = []
        self._row_of: dict[int, int] = {}

    def set_rows(self, rows: list[WorklistRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        # study id -> row: moving to a study is a lookup, not a walk through every row in Python
        # (the reader steps through studies while triage updates the list).
        self._row_of = {r.study_id: i for i, r in enumerate(rows)}
        self.endResetModel()

    def row_of(self, study_id: int) -> int | None:
        return self._row_of.get(study_id)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.UserRole:
            return r.study_id
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.patient_key, r.body_part,
                    "" if r.probability is None else f"{r.probability:.2f}",
                    f"{LABEL_WORDS.get(r.label, r.label)} · {SOURCE_TEXT.get(r.label_source, r.label_source)}"
                    if r.label else "",
                    (r.difficulty or "").capitalize(), str(r.n_images), r.accession)[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == AI_COLUMN and r.tier:
            return TIER_COLOURS.get(r.tier)
        if role == Qt.ItemDataRole.UserRole + 1:   # sort key, in COLUMNS order
            return (r.patient_key, r.body_part, -1.0 if r.probability is None else r.probability,
                    f"{r.label or ''} {r.label_source or ''}", r.difficulty or "", r.n_images, r.accession)[col]
        return None


class WorklistPanel(QWidget):
    study_selected = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.all_rows: list[WorklistRow] = []
        self.order_seed: str | None = None     # set: a blinded session's shuffled order
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.filter_box = QComboBox()
        for key, text in FILTERS.items():
            self.filter_box.addItem(text, key)
        self.body_part_box = QComboBox()
        self.body_part_box.addItem("All body parts", "")
        top.addWidget(self.filter_box, 2)
        top.addWidget(self.body_part_box, 1)
        layout.addLayout(top)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search patient id or accession (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.model = WorklistModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole + 1)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        # Columns are sized once per reload (_fit_columns), and the reader may drag them. Not
        # ResizeToContents: that mode measures the cells again on every repaint after a change,
        # which was most of the GUI thread's time while triage filled the AI column
        # (bench/bench_triage.py: QTableView::sizeHintForColumn under every table repaint).
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setResizeContentsPrecision(0)    # measure the rows on screen only
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.table)
        self.table.clicked.connect(lambda idx: self.study_selected.emit(self.proxy.data(idx, Qt.ItemDataRole.UserRole)))
        self.filter_box.currentIndexChanged.connect(self._apply)
        self.body_part_box.currentIndexChanged.connect(self._apply)
        self.search.textChanged.connect(self._apply)

    def set_rows(self, rows: list[WorklistRow], keep_study: int | None = None) -> None:
        self.all_rows = rows
        parts = sorted({r.body_part for r in rows if r.body_part})
        current = self.body_part_box.currentData()
        self.body_part_box.blockSignals(True)
        self.body_part_box.clear()
        self.body_part_box.addItem("All body parts", "")
        for part in parts:
            self.body_part_box.addItem(part.capitalize(), part)
        index = self.body_part_box.findData(current)
        self.body_part_box.setCurrentIndex(max(0, index))
        self.body_part_box.blockSignals(False)
        self._apply(keep_study=keep_study)

    def set_order_seed(self, seed: str | None) -> None:
        """Shuffle the rows (a reader study) or, with None, go back to the normal sortable order."""
        self.order_seed = seed
        self.table.setSortingEnabled(seed is None)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self._apply()

    def set_filter(self, key: str) -> None:
        self.filter_box.setCurrentIndex(max(0, self.filter_box.findData(key)))

    def _apply(self, *_, keep_study: int | None = None) -> None:
        keep = keep_study if keep_study is not None else self.selected_study()
        shown = filter_rows(self.all_rows, self.filter_box.currentData() or "all",
                            self.body_part_box.currentData() or "", self.search.text())
        if self.order_seed is not None:
            shown = shuffled(shown, self.order_seed)
        if self.filter_box.currentData() == "uncertain":   # its own order: closest to 0.5 first
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            self.proxy.sort(-1)
        self.model.set_rows(shown)
        self._fit_columns()
        if keep is not None:
            self.select(keep, emit=False)

    def _fit_columns(self) -> None:
        """Widths from the rows on screen, and for the columns whose values arrive later (the
        label, triage's probability, the grade) room for their widest possible text, so that
        they never clip when a prediction or a label comes in without a reload."""
        self.table.resizeColumnsToContents()
        metrics = self.table.fontMetrics()
        padding = 2 * self.table.style().pixelMetric(self.table.style().PixelMetric.PM_FocusFrameHMargin) + 12
        widest = {
            LABEL_COLUMN: max((f"{word} · {source}" for word in LABEL_WORDS.values() for source in SOURCE_TEXT.values()),
                              key=metrics.horizontalAdvance),
            AI_COLUMN: "0.00",
            DIFFICULTY_COLUMN: "Difficult",
        }
        for column, text in widest.items():
            self.table.setColumnWidth(column, max(self.table.columnWidth(column), metrics.horizontalAdvance(text) + padding))

    def ordered_rows(self) -> list[WorklistRow]:
        """The rows as the table shows them (after filtering and sorting)."""
        rows = []
        for i in range(self.proxy.rowCount()):
            src = self.proxy.mapToSource(self.proxy.index(i, 0))
            rows.append(self.model.rows[src.row()])
        return rows

    def selected_study(self) -> int | None:
        idx = self.table.currentIndex()
        return self.proxy.data(idx, Qt.ItemDataRole.UserRole) if idx.isValid() else None

    def select(self, study_id: int, emit: bool = True) -> bool:
        row = self.model.row_of(study_id)
        if row is None:
            return False
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if not idx.isValid():
            return False
        self.table.setCurrentIndex(idx)
        self.table.scrollTo(idx)
        if emit:
            self.study_selected.emit(study_id)
        return True
