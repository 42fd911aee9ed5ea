"""Layouts 1×1 / 1×2 / 2×2, PA + lateral side by side by default, thumbnail strip, synchronised window/level and zoom."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.reading_tools_helpers import key, open_study_with_views, open_window


def _right_drag(pane, dx: int, dy: int) -> None:
    start = QPoint(pane.width() // 2, pane.height() // 2)
    QTest.mousePress(pane, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, start)
    end = QPointF(start.x() + dx, start.y() + dy)
    move = QMouseEvent(QEvent.Type.MouseMove, end, pane.mapToGlobal(end), Qt.MouseButton.NoButton,
                       Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(pane, move)
    QTest.mouseRelease(pane, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, end.toPoint())


def _wheel(pane, steps: int = 1) -> None:
    pos = QPointF(pane.width() / 2, pane.height() / 2)
    event = QWheelEvent(pos, pane.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(pane, event)


def test_two_views_open_side_by_side(qtbot, make_window):
    window = open_window(qtbot, make_window)
    open_study_with_views(qtbot, window, 2)
    view = window.study_view
    assert view.grid_shape() == (1, 2)
    (i0, a), (i1, b) = view.displayed()
    assert (i0, i1) == (0, 1) and a.isVisible() and b.isVisible()
    assert a.y() == b.y() and a.x() + a.width() <= b.x()                       # left and right, same row
    assert a.state is not None and b.state is not None
    assert "1/2" in a.title and "2/2" in b.title


def test_fixed_layouts_and_paging(qtbot, make_window):
    window = open_window(qtbot, make_window)
    open_study_with_views(qtbot, window, 3)
    view = window.study_view
    window.set_layout("2x2")
    assert view.grid_shape() == (2, 2) and sum(p.isVisible() for p in view.panes) == 4
    positions = [(p.x(), p.y()) for p in view.panes[:4]]
    assert positions[0][1] == positions[1][1] < positions[2][1] == positions[3][1]   # two rows of two
    assert [v for v, _p in view.displayed()] == [0, 1, 2] and view.panes[3].state is None
    window.set_layout("1x1")
    assert sum(p.isVisible() for p in view.panes) == 1 and "1/3" in view.panes[0].title
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_Right)
    assert view.active == 1 and "2/3" in view.panes[0].title and view.active_image_id() == view.image_ids[1]
    key(qtbot, window, Qt.Key.Key_Right)
    assert view.active == 2 and "3/3" in view.panes[0].title
    window.set_layout("1x2")                                     # the active view stays on screen
    assert view.active == 2 and [v for v, _p in view.displayed()] == [2]
    window.set_layout("auto")
    assert view.grid_shape() == (1, 3)


def test_thumbnails_pick_the_view(qtbot, make_window):
    window = open_window(qtbot, make_window)
    open_study_with_views(qtbot, window, 3)
    strip = window.study_view.thumbnails
    assert strip.isVisible() and len(strip.buttons) == 3
    assert all(not b.icon().isNull() for b in strip.buttons)
    window.set_layout("1x1")
    QTest.mouseClick(strip.buttons[2], Qt.MouseButton.LeftButton)
    assert window.study_view.active == 2 and "3/3" in window.study_view.panes[0].title
    assert strip.buttons[2].isChecked() and not strip.buttons[0].isChecked()
    assert strip.buttons[2].focusPolicy() == Qt.FocusPolicy.NoFocus       # the keys stay with the image


def test_window_level_and_zoom_follow_when_synchronised(qtbot, make_window):
    window = open_window(qtbot, make_window)
    open_study_with_views(qtbot, window, 2)
    a, b = window.study_view.visible_panes()
    before = (b.state.center, b.state.width)
    _right_drag(a, 40, -30)
    assert (a.state.center, a.state.width) != before
    assert (b.state.center, b.state.width) == (a.state.center, a.state.width)
    _wheel(a, 2)
    assert a.state.zoom is not None and b.state.zoom == a.state.zoom

    window.sync_action.trigger()                                 # synchronisation off
    assert not window.study_view.sync
    b_window, b_zoom = (b.state.center, b.state.width), b.state.zoom
    _right_drag(a, -60, 25)
    _wheel(a, 1)
    assert (b.state.center, b.state.width) == b_window and b.state.zoom == b_zoom
    assert (a.state.center, a.state.width) != b_window


def test_presets_apply_to_every_view_when_synchronised(qtbot, make_window):
    window = open_window(qtbot, make_window)
    open_study_with_views(qtbot, window, 2)
    view = window.study_view
    view.set_active(0)
    key(qtbot, window, Qt.Key.Key_3)
    assert {p.state.preset_name for p in view.visible_panes()} == {view.panes[0].state.preset_name}
    window.sync_action.trigger()
    key(qtbot, window, Qt.Key.Key_2)
    names = [p.state.preset_name for p in view.visible_panes()]
    assert names[0] != names[1]                                   # only the active view changed
