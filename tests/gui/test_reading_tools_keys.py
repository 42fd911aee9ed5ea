"""The reading tools add no way to write a label: random sequences of measuring, layout, thumbnail, overlay and
tag-browser actions mixed with reading keys write exactly one label row per label key pressed on the image, and
none from anything else (typing and Enter in the tag browser's filter box included)."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui.key_guard import is_text_entry
from tests.gui.reading_tools_helpers import label_rows, open_window

LABEL_KEYS = {Qt.Key.Key_F, Qt.Key.Key_N, Qt.Key.Key_U}
PLAIN = [Qt.Key.Key_F, Qt.Key.Key_N, Qt.Key.Key_U, Qt.Key.Key_M, Qt.Key.Key_A, Qt.Key.Key_M, Qt.Key.Key_A,
         Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Escape, Qt.Key.Key_3]
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ACTIONS = 400


@pytest.mark.parametrize("seed", [7])
def test_reading_tools_write_no_label(qtbot, make_window, seed):
    window = open_window(qtbot, make_window)
    rng = random.Random(seed)
    checker = window.workspace.connect()
    presses = clicks = filtered = 0
    completed = []
    window.study_view.measured.connect(completed.append)
    for step in range(ACTIONS):
        before = label_rows(checker)
        roll = rng.random()
        expected = 0
        if roll < 0.15:                                          # a click on a pane: pans, or places a point
            panes = window.study_view.visible_panes()
            if panes:
                pane = rng.choice(panes)
                QTest.mouseClick(pane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                                 QPoint(rng.randrange(pane.width()), rng.randrange(pane.height())))
                clicks += 1
        elif roll < 0.20:
            window.set_layout(rng.choice(["auto", "1x1", "1x2", "2x2"]))
        elif roll < 0.25:
            buttons = window.study_view.thumbnails.buttons
            if buttons and window.study_view.thumbnails.isVisible():
                QTest.mouseClick(rng.choice(buttons), Qt.MouseButton.LeftButton)
        elif roll < 0.29:
            qtbot.keyClick(window, Qt.Key.Key_I, CTRL_SHIFT)
        elif roll < 0.32:                                        # the tag browser: type and press Enter in its filter
            qtbot.keyClick(window, Qt.Key.Key_T, CTRL_SHIFT)
            browser = window.tag_browser
            if browser is not None:
                browser.activateWindow()
                browser.filter_edit.setFocus()
                qtbot.keyClicks(browser.filter_edit, "".join(rng.choice("fnu ea") for _ in range(4)))
                qtbot.keyClick(browser.filter_edit, Qt.Key.Key_Return)
                qtbot.keyClick(browser.filter_edit, Qt.Key.Key_F)
                filtered += 1
                browser.close()
                window.activateWindow()
                qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2_000)
                window.focus_image()
        else:
            k = rng.choice(PLAIN)
            target = QApplication.focusWidget() or window
            if k in LABEL_KEYS and window.current_study is not None and not is_text_entry(target):
                expected = 1
            qtbot.keyClick(target, k)
        after = label_rows(checker)
        assert after - before == expected, (step, roll)
        presses += expected
        if step % 40 == 0:
            qtbot.wait(5)
    checker.close()
    assert presses >= 20 and clicks >= 20 and filtered >= 3
    assert len(completed) >= 3                 # the tools were really used, not only switched on and off
