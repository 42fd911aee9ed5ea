"""The body crop the models see (core.imaging.preprocess.crop_body_region): it finds the limb
inside the collimated field, so the fracture gets the pixels rather than the collimator's shadow."""

from __future__ import annotations

import numpy as np

from core.imaging.preprocess import crop_body_region, strip_collimation


def _film(collimation: dict[str, int], seed: int = 0) -> np.ndarray:
    """A 400 x 300 display image: dark air, a grey limb (rows 80-330, columns 110-200) with a
    bright bone inside, and bright noisy collimator bands of the given widths on the edges."""
    rng = np.random.default_rng(seed)
    img = rng.normal(20, 6, (400, 300))
    img[80:330, 110:200] = rng.normal(90, 8, (250, 90))
    img[80:330, 140:165] = rng.normal(150, 10, (250, 25))
    band = lambda shape: rng.normal(215, 10, shape)  # noqa: E731 - unexposed: brighter than bone
    if collimation.get("top"):
        img[:collimation["top"], :] = band((collimation["top"], 300))
    if collimation.get("bottom"):
        img[400 - collimation["bottom"]:, :] = band((collimation["bottom"], 300))
    if collimation.get("left"):
        img[:, :collimation["left"]] = band((400, collimation["left"]))
    if collimation.get("right"):
        img[:, 300 - collimation["right"]:] = band((400, collimation["right"]))
    return np.clip(img, 0, 255).astype(np.uint8)


def _inside(box, limb=(80, 330, 110, 200), slack=40) -> bool:
    y0, y1, x0, x1 = box
    return (limb[0] - slack <= y0 <= limb[0] and limb[1] <= y1 <= limb[1] + slack
            and limb[2] - slack <= x0 <= limb[2] and limb[3] <= x1 <= limb[3] + slack)


def test_collimator_bands_are_stripped_and_the_limb_is_kept():
    img = _film({"top": 25, "left": 18, "right": 12})
    _, field = strip_collimation(img)
    assert field == (25, 400, 18, 288)
    _, box = crop_body_region(img)
    assert _inside(box), box


def test_without_collimation_the_crop_is_the_limb():
    _, field = strip_collimation(_film({}))
    assert field == (0, 400, 0, 300)
    _, box = crop_body_region(_film({}))
    assert _inside(box), box


def test_a_bright_bone_along_an_edge_is_not_taken_for_collimation():
    img = _film({})
    img[:, 5:40] = 160        # a long bone running down the left edge, as bright as the bone inside
    img[:60, 5:40] = 20       # ...that does not fill the whole edge
    _, field = strip_collimation(img)
    assert field == (0, 400, 0, 300)


def test_a_band_wider_than_a_third_of_the_film_is_left_alone():
    """More than 30 % of a side cannot be collimation of a limb film; better keep too much than cut bone."""
    _, field = strip_collimation(_film({"top": 160}))
    assert field[0] == 0
