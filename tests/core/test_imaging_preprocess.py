"""Model preprocessing: border crop, CLAHE, pad-resize geometry, heatmap mapping back."""

from __future__ import annotations

import numpy as np
import pytest

from core.imaging.image import RadiographImage
from core.imaging.preprocess import (
    apply_clahe, crop_uniform_border, model_input, model_input_with_geometry, pad_resize,
)


def _framed(h=100, w=80) -> np.ndarray:
    rng = np.random.default_rng(0)
    img = rng.integers(40, 200, (h, w)).astype(np.uint8)
    img[:10, :] = 0  # black band at the top
    img[95:, :] = 255  # white band at the bottom
    img[:, :7] = 128  # grey band on the left
    return img


def test_crop_uniform_border_finds_each_band():
    cropped, box = crop_uniform_border(_framed())
    assert box == (10, 95, 7, 80)
    assert cropped.shape == (85, 73)


def test_crop_of_a_uniform_image_keeps_everything():
    img = np.full((30, 20), 9, np.uint8)
    cropped, box = crop_uniform_border(img)
    assert box == (0, 30, 0, 20) and cropped.shape == img.shape


def test_crop_never_keeps_less_than_the_minimum():
    img = np.zeros((100, 100), np.uint8)
    img[50, 50] = 255  # one bright pixel is not an image
    _, box = crop_uniform_border(img, min_keep=0.25)
    assert box == (0, 100, 0, 100)


def test_clahe_raises_local_contrast():
    rng = np.random.default_rng(0)
    flat = (100 + rng.integers(0, 6, (64, 64))).astype(np.uint8)
    out = apply_clahe(flat, clip=2.0, tiles=8)
    assert out.dtype == np.uint8 and out.shape == flat.shape
    assert out.std() > flat.std() * 2


def test_pad_resize_geometry():
    img = np.full((100, 50), 200, np.uint8)
    canvas, p = pad_resize(img, 32)
    assert canvas.shape == (32, 32)
    assert (p.top, p.left, p.height, p.width) == (0, 8, 32, 16)
    assert p.scale == pytest.approx(0.32)
    assert (canvas[:, 8:24] == 200).all()
    assert (canvas[:, :8] == 0).all() and (canvas[:, 24:] == 0).all()


def _radiograph(h=900, w=600) -> RadiographImage:
    yy, xx = np.mgrid[0:h, 0:w]
    values = (1000 + 800 * np.sin(yy / 40.0) * np.cos(xx / 55.0)).astype(np.float32)
    values[:60, :] = 0  # a uniform frame border, which the crop removes
    return RadiographImage(values=np.round(values), photometric="MONOCHROME2", invert=False,
                           windows=[(1000, 1800)], integral=True)


def test_model_input_is_float_unit_range_and_deterministic():
    image = _radiograph()
    a = model_input(image, size=64)
    b = model_input(image, size=64)
    assert a.shape == (64, 64) and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, model_input(image, size=64, clahe=True))


def test_heatmap_maps_back_onto_the_displayed_image():
    image = _radiograph()
    array, geometry = model_input_with_geometry(image, size=64)
    assert geometry.image_shape == (900, 600)
    y0, y1, x0, x1 = geometry.crop
    assert y0 > 0  # the border was cropped (in working pixels, image prescaled to 128)
    p = geometry.placement
    heat = np.zeros((64, 64), np.float32)
    heat[p.top:p.top + p.height, p.left:p.left + p.width] = 1.0
    back = geometry.heatmap_to_image(heat)
    assert back.shape == (900, 600) and back.dtype == np.float32
    assert back[:55, :].max() == 0.0  # the cropped border gets no heat
    assert back[70:, :].min() == pytest.approx(1.0)
    # a hot spot in the canvas lands at the matching place in the image
    heat2 = np.zeros((64, 64), np.float32)
    heat2[p.top + p.height // 2, p.left + p.width // 2] = 1.0
    ys, xs = np.nonzero(geometry.heatmap_to_image(heat2))
    assert abs(ys.mean() - (60 + 900) / 2) < 30 and abs(xs.mean() - 300) < 30
