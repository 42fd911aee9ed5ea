"""Blinded reading session: shuffled, no AI, no difficulty, no patient overlay; a per-reader summary saved at the end."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from gui.widgets.worklist_view import AI_COLUMN, DIFFICULTY_COLUMN, LABEL_COLUMN
from tests.gui.reading_tools_helpers import key, open_window

CTRL = Qt.KeyboardModifier.ControlModifier


def test_blinded_session_shows_nothing_that_gives_the_answer_away(qtbot, make_window, fake_predictor):
    window = open_window(qtbot, make_window, predictor=fake_predictor)
    first = window.current_study
    qtbot.waitUntil(lambda: first in window.predictions, timeout=15_000)
    key(qtbot, window, Qt.Key.Key_D)                                  # an earlier difficulty grade on this study
    assert window.side_panel.grade_buttons["difficult"].isChecked()
    plain = [r.study_id for r in window.worklist.ordered_rows()]
    key(qtbot, window, Qt.Key.Key_B, CTRL)
    assert [r.study_id for r in window.worklist.ordered_rows()] != plain                # shuffled
    assert all(window.worklist.table.isColumnHidden(c) for c in (LABEL_COLUMN, AI_COLUMN, DIFFICULTY_COLUMN))
    window.worklist.select(first)
    qtbot.waitUntil(lambda: window.current_study == first and bool(window.study_view.visible_panes()),
                    timeout=15_000)
    assert window.side_panel.ai_box.isHidden() and not window.study_view.heatmap_visible
    assert not any(p.heatmap_visible for p in window.study_view.panes)
    assert not any(b.isChecked() for b in window.side_panel.grade_buttons.values())    # the grade is not shown
    assert not any(p.overlay_visible for p in window.study_view.panes)
    key(qtbot, window, Qt.Key.Key_H)                                  # the heatmap key does nothing either
    assert not window.study_view.heatmap_visible


def test_summary_per_reader_is_saved_to_the_workspace(qtbot, make_window, workspace):
    window = open_window(qtbot, make_window)
    key(qtbot, window, Qt.Key.Key_B, CTRL)
    order = [r.study_id for r in window.worklist.ordered_rows()]
    answered = {}
    for study_id in order[:2]:
        window.worklist.select(study_id)
        qtbot.waitUntil(lambda s=study_id: window.current_study == s and bool(window.study_view.visible_panes()),
                        timeout=15_000)
        window.study_view.setFocus()
        qtbot.wait(50)                                                # some reading time
        for _ in window.study_view.image_ids:                         # one answer per view
            key(qtbot, window, Qt.Key.Key_N)
        answered[study_id] = len(window.study_view.image_ids)
    key(qtbot, window, Qt.Key.Key_B, CTRL)
    summary = window.last_blinded_summary
    path = summary["file"]
    assert path.startswith(str(workspace.path))                       # in the workspace, for `radinet study readers`
    saved = json.loads(open(path, encoding="utf-8").read())
    (reader,) = saved["readers"]
    assert reader["reader"] == "dr.test"
    assert reader["answers"] == sum(answered.values()) and reader["studies"] == 2
    assert len(reader["seconds_per_study"]) == 2 and all(t > 0 for t in reader["seconds_per_study"])
    assert "Blinded reading finished" in window.saved_label.text()
    with workspace.connect() as store:
        rows = store.execute("SELECT study_id, COUNT(*) FROM reading_answers WHERE session = ? GROUP BY study_id",
                             (saved["session"],)).fetchall()
    assert {r[0]: r[1] for r in rows} == answered
