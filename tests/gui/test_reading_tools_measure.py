"""Length and angle measurement: calibrated from the file's spacing (which one is said), else "uncalibrated (px)"."""

from __future__ import annotations

import itertools

import numpy as np
import pydicom
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gui.viewer.view_state import ViewState
from tests.gui.reading_tools_helpers import key, label_rows, open_window


def _click(pane, x: float, y: float) -> None:
    QTest.mouseClick(pane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))


@pytest.mark.parametrize("rotation,flip", list(itertools.product(range(4), (False, True))))
def test_screen_and_image_coordinates_round_trip(rotation, flip):
    state = ViewState(np.arange(60 * 40, dtype=np.float32).reshape(60, 40))
    state.rotation, state.flip_h, state.zoom, state.pan = rotation, flip, 3.0, (7.0, -5.0)
    for x, y in [(150.37, 120.29), (100.41, 90.13), (210.17, 170.43)]:   # inside pixels, not on their edges
        row, col = state.screen_to_image(x, y, 400, 300)
        assert state.image_to_screen(row, col, 400, 300) == pytest.approx((x, y))
        # the continuous coordinate lies in the pixel the existing (integer) lookup names
        hit = state.screen_to_pixel(x, y, 400, 300)
        if hit is not None:
            assert hit == (int(np.floor(row)), int(np.floor(col)))


def test_length_in_mm_from_imager_pixel_spacing(qtbot, make_window):
    window = open_window(qtbot, make_window)
    pane = window.study_view.visible_panes()[0]
    ds = pydicom.dcmread(window.current_rows[0]["source_path"], stop_before_pixels=True)
    mm_per_px = float(ds.ImagerPixelSpacing[0])                  # the demo writes square Imager Pixel Spacing only
    before = label_rows(window.store)
    key(qtbot, window, Qt.Key.Key_M)
    assert window.length_action.isChecked() and pane.tool == "length"
    scale = pane.state.scale(pane.width(), pane.height())
    x0, y0 = pane.width() / 2 - 60, pane.height() / 2 - 40
    _click(pane, x0, y0)
    _click(pane, x0 + 120, y0 + 90)                              # 150 screen px
    assert len(pane.state.measurements) == 1
    expected = 150 / scale * mm_per_px
    text = pane.state.measurements[0].text(pane.spacing())
    assert text == f"{expected:.1f} mm"
    status = window.saved_label.text()
    assert status.startswith(f"Length {expected:.1f} mm") and "Imager Pixel Spacing" in status
    assert "not corrected for magnification" in status
    # measured on the image, not the screen: zooming and rotating keep the value
    key(qtbot, window, Qt.Key.Key_R)
    pane.state.zoom_by(2.0, pane.width(), pane.height())
    assert pane.state.measurements[0].text(pane.spacing()) == text
    assert label_rows(window.store) == before                    # measuring never writes a label
    key(qtbot, window, Qt.Key.Key_M)                             # M again: back to panning
    assert pane.tool is None and not window.length_action.isChecked()


def test_angle_and_uncalibrated_pixels(qtbot, make_window):
    window = open_window(qtbot, make_window)
    pane = window.study_view.visible_panes()[0]
    key(qtbot, window, Qt.Key.Key_A)
    assert pane.tool == "angle"
    cx, cy = pane.width() / 2, pane.height() / 2
    for x, y in [(cx + 80, cy), (cx, cy), (cx, cy - 80)]:         # arm, vertex, arm: a right angle
        _click(pane, x, y)
    assert pane.state.measurements[-1].text(pane.spacing()) == "90.0°"
    assert window.saved_label.text().startswith("Angle 90.0°")
    # an image without any spacing attribute (a PNG from a MURA tree) is measured in pixels, and says so
    pane.header = None
    key(qtbot, window, Qt.Key.Key_M)
    scale = pane.state.scale(pane.width(), pane.height())
    _click(pane, cx - 50, cy)
    _click(pane, cx + 50, cy)
    assert pane.state.measurements[-1].text(pane.spacing()) == f"{100 / scale:.0f} px (uncalibrated)"
    assert "uncalibrated (px)" in window.saved_label.text()
    window.study_view.clear_measurements()
    assert not pane.state.measurements


def test_clicks_pan_again_when_no_tool_is_on(qtbot, make_window):
    window = open_window(qtbot, make_window)
    pane = window.study_view.visible_panes()[0]
    _click(pane, pane.width() / 2, pane.height() / 2)
    _click(pane, pane.width() / 2 + 30, pane.height() / 2)
    assert pane.state.measurements == []


def test_escape_drops_a_half_placed_measurement_then_puts_the_tool_away(qtbot, make_window):
    window = open_window(qtbot, make_window)
    pane = window.study_view.visible_panes()[0]
    before = label_rows(window.store)
    key(qtbot, window, Qt.Key.Key_M)
    cx, cy = pane.width() / 2, pane.height() / 2
    _click(pane, cx, cy)                                          # a stray first point
    assert pane.cancel_pending() is True                          # (the API the key uses) ...
    _click(pane, cx, cy)                                          # ... and the stray point again, for the key
    assert window.focusWidget() is window.study_view              # a click on a pane gives the image the keyboard
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Escape)
    assert pane.cancel_pending() is False                         # first Escape dropped the point ...
    assert pane.tool == "length" and window.length_action.isChecked()   # ... and kept the tool
    _click(pane, cx - 40, cy)
    _click(pane, cx + 40, cy)
    assert len(pane.state.measurements) == 1                      # the dropped point did not become a third end
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Escape)
    assert pane.tool is None and not window.length_action.isChecked()  # second Escape: back to panning
    assert len(pane.state.measurements) == 1                      # finished measurements stay
    assert label_rows(window.store) == before                     # Escape never writes a label
