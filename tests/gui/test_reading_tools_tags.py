"""DICOM tag browser: the open view's header, filterable, no pixel data, read off the GUI thread; typing there never labels."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from tests.gui.reading_tools_helpers import key, label_rows, open_window

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _rows(proxy, parent=None):
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    return [(proxy.index(r, 0, parent).data(), proxy.index(r, 1, parent).data(), proxy.index(r, 3, parent).data())
            for r in range(proxy.rowCount(parent))]


def test_tag_browser_shows_the_active_views_header(qtbot, make_window, monkeypatch):
    import core.imaging.tag_rows as tag_rows

    threads = []
    real = tag_rows.read_tag_rows

    def spy(path):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(path)

    monkeypatch.setattr(tag_rows, "read_tag_rows", spy)
    window = open_window(qtbot, make_window)
    window.study_view.set_active(1)
    key(qtbot, window, Qt.Key.Key_T, CTRL_SHIFT)
    browser = window.tag_browser
    assert browser is not None and browser.isVisible()
    with qtbot.waitSignal(browser.loaded, timeout=10_000) as blocker:
        pass
    assert blocker.args[0] > 20 and threads == [False]               # read once, on a worker thread
    rows = _rows(browser.proxy)
    tags = {tag for tag, _name, _value in rows}
    assert "(7FE0,0010)" not in tags and "(0002,0010)" in tags
    sop = next(value for tag, _n, value in rows if tag == "(0008,0018)")
    with window.store.conn:
        expected = window.store.execute("SELECT sop_uid FROM images WHERE id = ?",
                                        (window.study_view.image_ids[1],)).fetchone()[0]
    assert sop == expected                                            # the active view's file, not the first one
    assert "view 2" in browser.windowTitle()


def test_filter_box_filters_and_never_labels(qtbot, make_window):
    window = open_window(qtbot, make_window)
    window.open_tag_browser()
    browser = window.tag_browser
    qtbot.waitUntil(lambda: browser.model.rowCount() > 0, timeout=10_000)
    before = label_rows(window.store)
    browser.activateWindow()
    browser.filter_edit.setFocus()
    qtbot.keyClicks(browser.filter_edit, "spacing")
    names = [name for _tag, name, _value in _rows(browser.proxy)]
    assert names and all("spacing" in n.lower() for n in names)      # Imager Pixel Spacing …
    assert "Imager Pixel Spacing" in names
    for k in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F, Qt.Key.Key_N, Qt.Key.Key_U, Qt.Key.Key_Space):
        qtbot.keyClick(browser.filter_edit, k)
    assert label_rows(window.store) == before                         # no key in the filter box wrote a label
    assert browser.isVisible()                                        # Enter did not close the dialog
    assert browser.filter_edit.text() == "spacingfnu "
