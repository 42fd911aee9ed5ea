"""Worklist table: columns sized once per reload (not on every repaint), and selection by study id."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView

from core.store.worklist import WorklistRow
from gui.widgets.worklist_view import AI_COLUMN, DIFFICULTY_COLUMN, LABEL_COLUMN, WorklistPanel


def _rows(n: int) -> list[WorklistRow]:
    fields = WorklistRow.__dataclass_fields__
    base = {name: None for name in fields}
    rows = []
    for i in range(n):
        row = dict(base, study_id=100 + i, patient_key=f"P{i:04d}", accession=f"A{i:06d}", body_part="wrist",
                   n_images=2)
        rows.append(WorklistRow(**{k: v for k, v in row.items() if k in fields}))
    return rows


def test_columns_are_not_measured_on_every_repaint_and_late_values_fit(qtbot):
    panel = WorklistPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.show()
    panel.set_rows(_rows(50))
    header = panel.table.horizontalHeader()
    assert all(header.sectionResizeMode(c) == QHeaderView.ResizeMode.Interactive for c in range(header.count() - 1))
    metrics = panel.table.fontMetrics()
    # the label, probability and grade arrive after the reload (a reading, triage): room for them already
    assert panel.table.columnWidth(LABEL_COLUMN) > metrics.horizontalAdvance("No fracture · radiologist")
    assert panel.table.columnWidth(AI_COLUMN) > metrics.horizontalAdvance("0.00")
    assert panel.table.columnWidth(DIFFICULTY_COLUMN) > metrics.horizontalAdvance("Difficult")
    fixed = range(header.count() - 1)                 # the last column stretches with the pane
    widths = [panel.table.columnWidth(c) for c in fixed]
    panel.model.rows[0].probability = 0.87
    panel.model.dataChanged.emit(panel.model.index(0, 0), panel.model.index(49, 6))
    qtbot.wait(20)
    assert [panel.table.columnWidth(c) for c in fixed] == widths


def test_select_finds_a_study_in_the_sorted_order(qtbot):
    panel = WorklistPanel()
    qtbot.addWidget(panel)
    panel.set_rows(_rows(30))
    panel.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)   # patient key, reversed
    with qtbot.waitSignal(panel.study_selected) as got:
        assert panel.select(105)
    assert got.args == [105] and panel.selected_study() == 105
    assert panel.ordered_rows()[0].study_id == 129
    assert not panel.select(999)                                  # not in the list: nothing selected, nothing emitted
    panel.search.setText("P0007")                                 # filtered out: cannot be selected
    assert not panel.select(105) and panel.select(107, emit=False)
