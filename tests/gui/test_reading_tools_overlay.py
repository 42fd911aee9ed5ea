"""Patient/study overlay on the image corners: from the header, hideable, hidden in blinded reading, never logged."""

from __future__ import annotations

import logging

import pydicom
from PySide6.QtCore import QRect, Qt

from tests.gui.reading_tools_helpers import key, open_window

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _corner_pixels(pane) -> bytes:
    """The top-right corner of the pane as painted (where date, description, view and laterality go)."""
    image = pane.grab(QRect(pane.width() - 160, 0, 160, 80)).toImage()
    return bytes(image.constBits())


def test_overlay_shows_the_header_of_each_view(qtbot, make_window):
    window = open_window(qtbot, make_window)
    for view, pane in window.study_view.displayed():
        ds = pydicom.dcmread(window.current_rows[view]["source_path"], stop_before_pixels=True)
        corners = pane.header.corners
        family, given = str(ds.PatientName).split("^")
        assert corners.top_left[0] == f"{family}, {given}"
        assert f"ID {ds.PatientID}" in corners.top_left
        date = ds.StudyDate
        assert corners.top_right[0] == f"{date[:4]}-{date[4:6]}-{date[6:]}"
        assert corners.top_right[-1] == f"{ds.ViewPosition} · {'Right' if ds.Laterality == 'R' else 'Left'}"
        assert corners.marker == ds.Laterality
        assert pane.overlay_visible


def test_overlay_toggle_hides_and_shows_the_corners(qtbot, make_window):
    window = open_window(qtbot, make_window)
    pane = window.study_view.visible_panes()[0]
    shown = _corner_pixels(pane)
    key(qtbot, window, Qt.Key.Key_I, CTRL_SHIFT)
    assert not window.overlay_action.isChecked()
    assert not any(p.overlay_visible for p in window.study_view.panes)
    hidden = _corner_pixels(pane)
    assert hidden != shown                      # the text is really gone from the picture
    key(qtbot, window, Qt.Key.Key_I, CTRL_SHIFT)
    assert pane.overlay_visible and _corner_pixels(pane) == shown


def test_blinded_reading_never_shows_the_overlay(qtbot, make_window):
    window = open_window(qtbot, make_window)
    key(qtbot, window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)       # blinded session on
    assert window._blinded()
    qtbot.waitUntil(lambda: bool(window.study_view.visible_panes()), timeout=15_000)
    assert window.overlay_action.isChecked()                                   # the toggle is on ...
    assert not any(p.overlay_visible for p in window.study_view.panes)          # ... and still nothing shows
    window.study_view.set_overlay_visible(True)
    assert not any(p.overlay_visible for p in window.study_view.panes)
    key(qtbot, window, Qt.Key.Key_Down)                                         # the next study too
    qtbot.waitUntil(lambda: bool(window.study_view.visible_panes()), timeout=15_000)
    assert not any(p.overlay_visible for p in window.study_view.visible_panes())
    key(qtbot, window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)       # session over
    assert all(p.overlay_visible for p in window.study_view.visible_panes())


def test_patient_data_never_reaches_the_logs(qtbot, make_window, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    window = open_window(qtbot, make_window)
    names = set()
    for row in window.store.images():
        ds = pydicom.dcmread(row["source_path"], stop_before_pixels=True)
        names.update({str(ds.PatientName), str(ds.PatientName).split("^")[1], ds.PatientID})
    window.set_tool("length")
    key(qtbot, window, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: all(p.header is not None for p in window.study_view.visible_panes()), timeout=10_000)
    window.open_tag_browser()
    qtbot.waitUntil(lambda: window.tag_browser.status.text().endswith("(pixel data not shown)."), timeout=10_000)
    out = capsys.readouterr()
    text = caplog.text + out.out + out.err + window.saved_label.text()
    assert not [n for n in names if n and n in text]
