"""Display maths on small arrays with hand-computed expectations (PS3.3 C.11)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.imaging.display import (
    DisplayMapper, apply_modality_lut_sequence, apply_rescale, apply_voi_lut_sequence, apply_window,
    default_window, render, resize_raw, robust_window, to_display,
)
from core.imaging.image import LookupTable, RadiographImage, load_image
from tests.core.dicom_reference import bundled_file, write_dicom


def _image(values, **kw) -> RadiographImage:
    values = np.asarray(values, dtype=np.float32)
    kw.setdefault("photometric", "MONOCHROME2")
    kw.setdefault("invert", kw["photometric"] == "MONOCHROME1")
    kw.setdefault("integral", bool(np.all(values == np.round(values))))
    return RadiographImage(values=values, **kw)


def test_rescale():
    out = apply_rescale(np.array([0, 10, 100], np.int16), slope=2.0, intercept=-5.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [-5, 15, 195])


def test_modality_lut_sequence_clamps_below_and_above():
    out = apply_modality_lut_sequence(np.array([5, 10, 11, 12, 50]), 10, np.array([100, 200, 300]))
    np.testing.assert_array_equal(out, [100, 100, 200, 300, 300])


def test_voi_lut_sequence_scales_by_bits():
    out = apply_voi_lut_sequence(np.array([-5, -2, -1, 0, 9.0]), -2, 8, np.array([0, 51, 255]))
    np.testing.assert_allclose(out, [0, 0, 0.2, 1, 1], atol=1e-6)


def test_window_linear_per_standard():
    # c = 100, w = 21: below c - 0.5 - (w-1)/2 = 89.5 -> 0, above 109.5 -> 1
    x = np.array([80, 89.5, 94.5, 99.5, 104.5, 109.5, 120], np.float32)
    np.testing.assert_allclose(apply_window(x, 100, 21, "LINEAR"), [0, 0, 0.25, 0.5, 0.75, 1, 1], atol=1e-6)


def test_window_linear_exact():
    x = np.array([80, 90, 95, 100, 110, 130], np.float32)
    np.testing.assert_allclose(apply_window(x, 100, 20, "LINEAR_EXACT"), [0, 0, 0.25, 0.5, 1, 1], atol=1e-6)


def test_window_sigmoid():
    x = np.array([100, 110, 90], np.float32)
    expected = [0.5, 1 / (1 + math.exp(-1)), 1 / (1 + math.exp(1))]
    np.testing.assert_allclose(apply_window(x, 100, 40, "SIGMOID"), expected, atol=1e-6)


def test_window_width_one_is_a_threshold():
    np.testing.assert_array_equal(apply_window(np.array([9.0, 9.5, 9.6, 11], np.float32), 10, 1), [0, 0, 1, 1])


def test_monochrome1_inverts_after_voi():
    # LINEAR c=100.5 w=201 maps x -> x/200: 0 -> 0, 50 -> 0.25, 200 -> 1; MONOCHROME1 then inverts.
    mono1 = _image([[0, 50, 200]], photometric="MONOCHROME1", windows=[(100.5, 201)])
    mono2 = _image([[0, 50, 200]], windows=[(100.5, 201)])
    np.testing.assert_array_equal(to_display(mono2), [[0, 64, 255]])
    np.testing.assert_array_equal(to_display(mono1), [[255, 191, 0]])


def test_voi_lut_sequence_is_preferred_to_the_window_and_inverted_for_monochrome1():
    lut = LookupTable(first_mapped=0, bits=8, data=np.array([0, 51, 255], np.float32))
    image = _image([[0, 1, 2]], photometric="MONOCHROME1", windows=[(1000, 10)], voi_lut=lut)
    np.testing.assert_array_equal(to_display(image), [[255, 204, 0]])
    # an explicit window wins over the LUT
    np.testing.assert_array_equal(to_display(image, window=(1.0, 2.0)), 255 - to_display(_image([[0, 1, 2]]), (1.0, 2.0)))


def test_first_of_several_windows_is_the_default():
    image = _image([[0, 1]], windows=[(40, 400), (300, 1500)])
    assert default_window(image) == (40, 400)


def test_robust_window_ignores_pixel_padding_value():
    values = np.full((100, 100), -2000.0, np.float32)  # padding outside the collimated field
    values[20:80, 20:80] = np.linspace(0, 1000, 3600, dtype=np.float32).reshape(60, 60)
    c_pad, w_pad = robust_window(values, padding_value=-2000.0)
    lo, hi = c_pad - w_pad / 2, c_pad + w_pad / 2
    assert 0 <= lo < 10 and 990 < hi <= 1000
    c_all, w_all = robust_window(values)
    assert c_all - w_all / 2 == pytest.approx(-2000)
    image = _image(values, padding_value=-2000.0)
    assert default_window(image) == pytest.approx((c_pad, w_pad))


def test_robust_window_of_a_constant_image_has_positive_width():
    c, w = robust_window(np.full((4, 4), 7.0, np.float32))
    assert w > 0 and c == pytest.approx(7.5)


@pytest.mark.parametrize("photometric", ["MONOCHROME2", "MONOCHROME1"])
@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
def test_display_mapper_matches_to_display_on_integral_images(photometric, function):
    rng = np.random.default_rng(1)
    image = _image(rng.integers(-1024, 3000, (64, 48)), photometric=photometric, voi_function=function,
                   windows=[(400, 1800)])
    mapper = DisplayMapper(image)
    for window in [None, (400, 1800), (-500, 37), (2999.5, 1)]:
        expected = to_display(image, window)
        got = mapper.map(*(window or (None, None)))
        assert np.abs(got.astype(int) - expected).max() <= 1, window
        assert (got != expected).mean() < 0.01
    assert mapper.exact == (function == "SIGMOID")  # only SIGMOID builds the table


def test_display_mapper_on_non_integral_values_is_within_one_grey_level():
    rng = np.random.default_rng(2)
    image = _image(rng.normal(0, 1, (50, 50)), integral=False, voi_function="SIGMOID")
    mapper = DisplayMapper(image)
    assert np.abs(mapper.map(0.1, 2.5).astype(int) - to_display(image, (0.1, 2.5))).max() <= 1
    assert not mapper.exact


def test_display_mapper_uses_the_voi_lut_by_default():
    lut = LookupTable(first_mapped=0, bits=8, data=np.array([0, 51, 255], np.float32))
    image = _image([[0, 1, 2, 7]], voi_lut=lut)
    np.testing.assert_array_equal(DisplayMapper(image).map(), [[0, 51, 255, 255]])


def test_resize_raw_keeps_modality_values():
    values = np.zeros((8, 4), np.float32)
    values[:, 2:] = 3000.0
    small = resize_raw(values, 4)
    assert small.shape == (4, 2)
    np.testing.assert_allclose(small, [[0, 3000]] * 4)  # INTER_AREA block means, not 8-bit
    assert resize_raw(values, (2, 2)).shape == (2, 2)


def test_to_display_is_8_bit_2d_on_real_files():
    path = bundled_file("MR_small.dcm")
    if path is None:
        pytest.skip("MR_small.dcm not bundled")
    out = to_display(load_image(path))
    assert out.dtype == np.uint8 and out.shape == (64, 64)
    # tags: c=600 w=1600 -> value 905 at (0,0): ((905 - 599.5) / 1599 + 0.5) * 255 = 176.2
    assert out[0, 0] == 176


def test_render_with_size_fits_the_long_side(tmp_path):
    path = write_dicom(tmp_path / "r.dcm", (np.arange(60 * 30).reshape(60, 30) % 4096).astype(np.uint16),
                       bits_stored=12, WindowCenter=2048, WindowWidth=4096)
    assert render(path).shape == (60, 30)
    assert render(path, size=20).shape == (20, 10)


def test_monochrome1_file_end_to_end(tmp_path):
    stored = np.array([[0, 1000], [2600, 4095]], np.uint16)
    path = write_dicom(tmp_path / "m1.dcm", stored, photometric="MONOCHROME1", bits_stored=12,
                       RescaleSlope=1, RescaleIntercept=-1000, WindowCenter=1000.5, WindowWidth=4001,
                       PixelPaddingValue=0)
    image = load_image(path)
    assert image.invert and image.photometric == "MONOCHROME1"
    np.testing.assert_array_equal(image.values, [[-1000, 0], [1600, 3095]])
    assert image.padding_value == -1000.0
    # LINEAR: (x - 1000) / 4000 + 0.5 -> 0, 0.25, 0.65, 1 (clipped); MONOCHROME1 inverts after VOI:
    # 255, 0.75 * 255 = 191.25, 0.35 * 255 = 89.25, 0.
    np.testing.assert_array_equal(to_display(image), [[255, 191], [89, 0]])


def test_modality_and_voi_lut_sequences_from_a_file(tmp_path):
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    mod = Dataset()
    mod.add_new(0x00283002, "US", [4, 10, 16])  # LUT Descriptor
    mod.add_new(0x00283006, "US", [100, 200, 300, 400])  # LUT Data
    mod.ModalityLUTType = "US"
    voi = Dataset()
    voi.add_new(0x00283002, "US", [3, 199, 8])  # 199 -> 0, 200 -> 51, >= 201 -> 255
    voi.add_new(0x00283006, "OW", np.array([0, 51, 255], "<u2").tobytes())  # OW form: raw bytes
    path = write_dicom(tmp_path / "luts.dcm", np.array([[9, 10, 11, 13, 20]], np.uint16),
                       ModalityLUTSequence=Sequence([mod]), VOILUTSequence=Sequence([voi]))
    image = load_image(path)
    np.testing.assert_array_equal(image.values, [[100, 100, 200, 400, 400]])
    np.testing.assert_array_equal(to_display(image), [[0, 0, 51, 255, 255]])
