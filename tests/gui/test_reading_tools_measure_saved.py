"""Measurements are saved in the workspace: a new window on the same workspace shows them; Clear removes them."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from core.store.measurements import measurements_for
from tests.gui.reading_tools_helpers import key, label_rows, open_study_with_views, open_window


def _click(pane, x: float, y: float) -> None:
    QTest.mouseClick(pane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))


def _measure_length(qtbot, window, pane) -> str:
    key(qtbot, window, Qt.Key.Key_M)
    cx, cy = pane.width() / 2, pane.height() / 2
    _click(pane, cx - 50, cy - 30)
    _click(pane, cx + 40, cy + 45)
    key(qtbot, window, Qt.Key.Key_M)                                 # back to panning
    return pane.state.measurements[-1].text(pane.spacing())


def _texts(window) -> dict[int, list[str]]:
    """image id -> the measurement texts its pane shows, for the views on screen."""
    view = window.study_view
    return {view.image_ids[i]: [m.text(pane.spacing()) for m in pane.state.measurements]
            for i, pane in view.displayed()}


def _reopen(qtbot, make_window, study_id: int):
    """A NEW window (its own connection and decode cache) on the same workspace, showing ``study_id``."""
    window = open_window(qtbot, make_window)
    other = next(r.study_id for r in window.worklist.ordered_rows() if r.study_id != study_id)
    window.worklist.select(other)                                   # via another study, as a reader would
    qtbot.waitUntil(lambda: window.current_study == other and bool(window.study_view.visible_panes()),
                    timeout=15_000)
    window.worklist.select(study_id)
    qtbot.waitUntil(lambda: window.current_study == study_id and bool(window.study_view.visible_panes()),
                    timeout=15_000)
    qtbot.waitUntil(lambda: all(p.header is not None for p in window.study_view.visible_panes()), timeout=10_000)
    return window


def test_a_measurement_is_saved_for_its_pane_and_shown_again_in_a_new_window_then_cleared(qtbot, make_window):
    window = open_window(qtbot, make_window)
    study_id = open_study_with_views(qtbot, window, 2)
    second_image = window.study_view.image_ids[1]
    pane = window.study_view.panes[1]                               # the second view's pane
    labels_before = label_rows(window.store)
    text = _measure_length(qtbot, window, pane)
    saved = measurements_for(window.store, window.study_view.image_ids)
    assert list(saved) == [second_image]                            # saved for the pane's own image ...
    assert saved[second_image][0].author == "dr.test" and saved[second_image][0].kind == "length"
    assert pane.state.measurements[0].id == saved[second_image][0].id
    assert label_rows(window.store) == labels_before                # ... and never as a label
    window.close()

    again = _reopen(qtbot, make_window, study_id)
    assert _texts(again) == {again.study_view.image_ids[0]: [], second_image: [text]}
    assert label_rows(again.store) == labels_before

    asked: list[str] = []
    again.confirm = lambda title, question: asked.append(question) or False     # the reader cancels
    again.clear_measurements()
    assert asked == ["Delete the 1 saved measurement of this study for good?"]
    assert _texts(again)[second_image] == [text] and measurements_for(again.store, [second_image])
    again.confirm = lambda title, question: True
    again.clear_measurements()
    assert _texts(again)[second_image] == []
    assert measurements_for(again.store, [second_image]) == {}
    audit = again.store.execute("SELECT user, object_id FROM audit WHERE action = 'clear-measurements'").fetchall()
    assert [tuple(r) for r in audit] == [("dr.test", str(second_image))]
    again.close()

    third = _reopen(qtbot, make_window, study_id)                   # cleared for good
    assert _texts(third)[second_image] == []


def test_a_failed_save_says_so_and_keeps_the_measurement_on_screen_until_cleared(qtbot, make_window):
    window = open_window(qtbot, make_window)
    pane = window.study_view.visible_panes()[0]
    window.store.execute("PRAGMA query_only = ON")                 # every write now fails inside sqlite
    try:
        text = _measure_length(qtbot, window, pane)
    finally:
        window.store.execute("PRAGMA query_only = OFF")
    status = window.saved_label.text()
    assert status.startswith("The measurement was not saved and stays on screen only until the study is closed: "
                             "the workspace database could not save the change")
    assert status.endswith(".") and status.count(". ") == 0        # one sentence
    assert "color" in window.saved_label.styleSheet()               # shown as an error
    assert [m.text(pane.spacing()) for m in pane.state.measurements] == [text]
    assert pane.state.measurements[0].id is None
    assert measurements_for(window.store, window.study_view.image_ids) == {}
    # Nothing saved: Clear takes it off the screen without asking.
    window.confirm = lambda title, question: (_ for _ in ()).throw(AssertionError("asked"))
    window.clear_measurements()
    assert pane.state.measurements == []


def test_a_reopened_study_shows_the_workspace_measurements_not_the_cached_ones(qtbot, make_window, workspace):
    from core.store.measurements import clear_measurements

    window = open_window(qtbot, make_window)
    study_id = window.current_study
    pane = window.study_view.visible_panes()[0]
    _measure_length(qtbot, window, pane)
    assert pane.state.measurements
    with workspace.connect() as other:                              # cleared elsewhere (another window, a script)
        assert clear_measurements(other, window.study_view.image_ids, "dr.other") == 1
    other_study = next(r.study_id for r in window.worklist.ordered_rows() if r.study_id != study_id)
    window.worklist.select(other_study)
    qtbot.waitUntil(lambda: window.current_study == other_study and bool(window.study_view.visible_panes()),
                    timeout=15_000)
    assert window.loader.cache.get(study_id)                       # the decoded study is still in the cache ...
    window.worklist.select(study_id)
    qtbot.waitUntil(lambda: window.current_study == study_id and bool(window.study_view.visible_panes()),
                    timeout=15_000)
    assert all(p.state.measurements == [] for p in window.study_view.visible_panes())   # ... the store wins


def test_a_measurement_saved_or_cleared_in_another_window_appears_in_the_open_study(qtbot, make_window):
    """Two windows on one workspace (two readers, or a second window): the change feed carries measurements."""
    first = open_window(qtbot, make_window)
    study_id = open_study_with_views(qtbot, first, 2)
    second = _reopen(qtbot, make_window, study_id)
    image = second.study_view.image_ids[1]
    text = _measure_length(qtbot, second, second.study_view.panes[1])
    qtbot.waitUntil(lambda: _texts(first).get(image) == [text], timeout=10_000)   # the feed polls every second
    second.confirm = lambda title, question: True
    second.clear_measurements()
    qtbot.waitUntil(lambda: _texts(first).get(image) == [], timeout=10_000)
