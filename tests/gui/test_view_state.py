"""Qt-free viewer state: window/level, presets, invert, orientation, pixel lookup."""

import numpy as np
import pytest

from gui.viewer import rendering
from gui.viewer.view_state import ViewState, load_presets, orient


@pytest.fixture
def ramp():
    # 12-bit ramp, rows x cols = 40 x 60, value = row * 60 + col
    return np.arange(40 * 60, dtype=np.float32).reshape(40, 60)


def test_file_window_is_the_default_and_auto_without_tags(ramp):
    with_tags = ViewState(ramp, tag_windows=[(1000.0, 400.0)])
    assert (with_tags.center, with_tags.width) == (1000.0, 400.0)
    assert with_tags.preset_name == "DICOM window"
    auto = ViewState(ramp)
    assert auto.preset_name == "Auto"
    assert 0 < auto.center - auto.width / 2 < 30          # 0.5th percentile
    assert 2360 < auto.center + auto.width / 2 < 2400      # 99.5th percentile


def test_presets_by_key_change_the_window(ramp):
    state = ViewState(ramp)
    bone = state.preset_for_key("3")
    soft = state.preset_for_key("4")
    state.apply_preset(bone)
    bone_low = state.center - state.width / 2
    state.apply_preset(soft)
    soft_high = state.center + state.width / 2
    assert bone_low > soft_high * 0.6          # bone sits in the bright part of the histogram
    assert state.preset_name == "Soft tissue"
    assert {p.key for p in load_presets()} >= {"1", "2", "3", "4"}


def test_window_mapping_and_invert(ramp):
    state = ViewState(ramp, tag_windows=[(1200.0, 400.0)])
    out = state.render()
    assert out.dtype == np.uint8 and out.shape == (40, 60)
    assert out[0, 0] == 0 and out[-1, -1] == 255          # outside the window saturates
    state.toggle_invert()
    assert state.render()[0, 0] == 255
    state.adjust_window(d_center=0, d_width=256)            # drag right: wider
    assert state.width > 400 and state.preset_name == "Custom"


def test_lut_mapper_matches_direct_windowing(ramp):
    mapper = rendering.WindowMapper(ramp)
    assert mapper._index is not None                         # whole numbers: the LUT path
    for c, w, inv in ((1200.0, 400.0, False), (300.0, 50.0, True)):
        np.testing.assert_array_equal(mapper(c, w, inv), rendering.window_to_uint8(ramp, c, w, inv))


def test_monochrome1_starts_inverted_and_reset_restores_it(ramp):
    state = ViewState(ramp, invert=True)
    state.toggle_invert()
    state.rotate()
    state.reset()
    assert state.invert is True and state.rotation == 0


@pytest.mark.parametrize("rotation", [0, 1, 2, 3])
@pytest.mark.parametrize("flip", [False, True])
def test_screen_to_pixel_inverts_the_displayed_orientation(ramp, rotation, flip):
    state = ViewState(ramp)
    state.rotation, state.flip_h = rotation, flip
    state.actual_size()                                      # 1 screen pixel = 1 image pixel
    shown = orient(ramp, rotation, flip)
    pane_w, pane_h = shown.shape[1] + 20, shown.shape[0] + 10  # image centred with a margin
    for (u, v) in ((0, 0), (5, 7), (shown.shape[1] - 1, shown.shape[0] - 1)):
        hit = state.screen_to_pixel(10 + u + 0.5, 5 + v + 0.5, pane_w, pane_h)
        assert hit is not None
        assert ramp[hit] == shown[v, u]
    assert state.screen_to_pixel(1, 1, pane_w, pane_h) is None


def test_heatmap_colouring_is_absolute_not_min_max():
    low = np.full((4, 4), 0.1, dtype=np.float32)
    rgba = rendering.colour_heatmap(low)
    assert rgba.shape == (4, 4, 4) and rgba[..., 3].max() == 0   # a uniformly cool map stays transparent
    hot = rendering.colour_heatmap(np.ones((4, 4), dtype=np.float32))
    assert hot[..., 3].min() > 150 and hot[0, 0, 0] > hot[0, 0, 2]   # opaque and red


def test_the_heatmap_is_coloured_at_display_size_with_its_hot_spot_in_place():
    heat = np.zeros((2000, 1500), dtype=np.float32)
    heat[1000:1400, 300:600] = 1.0                  # a hot block in the lower left half
    small = rendering.heatmap_for_display(heat)
    assert small.shape == (512, 384)                 # long side 512, aspect kept
    assert abs(small.mean() - heat.mean()) < 1e-3    # area-averaged, not sampled
    rows, cols = np.nonzero(small > 0.5)
    assert 256 <= rows.min() and rows.max() < 359 and 76 <= cols.min() and cols.max() < 154
    tiny = np.ones((40, 30), dtype=np.float32)
    assert rendering.heatmap_for_display(tiny) is not None and rendering.heatmap_for_display(tiny).shape == (40, 30)


def test_window_level_keeps_the_coloured_overlay_and_rotation_recolours_it(qtbot):
    from gui.viewer.image_view import ImageView
    from gui.viewer.view_state import ViewState

    pane = ImageView()
    qtbot.addWidget(pane)
    values = np.tile(np.arange(300, dtype=np.float32), (200, 1))
    pane.set_image(ViewState(values))
    heat = np.zeros((200, 300), dtype=np.float32)
    heat[:, :50] = 1.0
    pane.set_heatmap(heat)
    first = pane._overlay_image()
    pane.state.width *= 0.5                          # window/level: the same colours
    pane.refresh()
    assert pane._overlay_image() is first
    pane.state.rotate(1)                             # a quarter turn: the overlay turns with the image
    pane.refresh()
    turned = pane._overlay_image()
    assert turned is not first and (turned.width(), turned.height()) == (200, 300)


def test_overlay_text_stays_legible_on_a_white_image(qtbot):
    """The pane's text is light; on white collimation borders or bone it needs its dark shadow."""
    from gui.viewer.image_view import ImageView
    from gui.viewer.view_state import ViewState

    pane = ImageView()
    qtbot.addWidget(pane)
    pane.resize(400, 300)
    state = ViewState(np.full((300, 400), 1000.0, dtype=np.float32))
    state.center, state.width = 0.0, 10.0               # everything above the window: white
    pane.set_image(state, title="PA 1/2")
    image = pane.grab().toImage()
    box = [image.pixelColor(x, y).lightness() for x in range(8, 60) for y in range(6, 22)]   # the title
    assert max(box) > 200 and min(box) < 60              # light text over a dark shadow on white
