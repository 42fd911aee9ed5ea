"""The model-ready array: identical at training and at inference.

display image at the default window (what the radiologist sees) -> crop
uniform frame borders -> optional CLAHE -> aspect-preserving resize with
zero padding to size x size -> float32 in [0, 1]. ``InputGeometry`` records
every step so a size x size heatmap can be laid back onto the displayed image.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from core.imaging.display import resize_raw, to_display
from core.imaging.image import RadiographImage

# Images are reduced to at most this many times the model size before
# windowing (raw values, INTER_AREA): the model never sees more detail, and
# cropping/CLAHE on 640 px costs a fraction of 2-3k px.
PRESCALE_FACTOR = 2


@dataclass(frozen=True)
class Placement:
    """Where the resized content sits inside the size x size canvas."""

    size: int
    top: int
    left: int
    height: int
    width: int
    scale: float  # canvas pixels per input pixel


@dataclass(frozen=True)
class InputGeometry:
    """How a displayed image (image.values.shape) became the model input."""

    image_shape: tuple[int, int]  # (H, W) of image.values
    prescale: tuple[float, float]  # (rows, columns): working pixels per image pixel (<= 1)
    crop: tuple[int, int, int, int]  # (y0, y1, x0, x1) in working pixels, end-exclusive
    placement: Placement

    def heatmap_to_image(self, heatmap: np.ndarray) -> np.ndarray:
        """A size x size map -> float32 (H, W) on the displayed image; 0 outside the crop."""
        h, w = self.image_shape
        p = self.placement
        content = np.asarray(heatmap, dtype=np.float32)[p.top:p.top + p.height, p.left:p.left + p.width]
        sy, sx = self.prescale
        y0, y1 = (int(round(v / sy)) for v in self.crop[:2])
        x0, x1 = (int(round(v / sx)) for v in self.crop[2:])
        y1, x1 = min(max(y1, y0 + 1), h), min(max(x1, x0 + 1), w)
        out = np.zeros((h, w), dtype=np.float32)
        if content.size:
            out[y0:y1, x0:x1] = cv2.resize(content, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        return out


def crop_uniform_border(img8: np.ndarray, tol: float = 3.0, min_keep: float = 0.25) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Remove uniform frame borders (black, white or grey bands) from an 8-bit image.

    A border row/column is one whose standard deviation is at most ``tol``
    grey levels; rows/columns are stripped from each side while they are
    uniform. Never keeps less than ``min_keep`` of a dimension; an entirely
    uniform image is returned unchanged. Returns (cropped, (y0, y1, x0, x1)).
    """
    h, w = img8.shape[:2]
    f = img8.astype(np.float32)
    y0, y1, x0, x1 = 0, h, 0, w
    # Bands meet at the corners (a grey left band crosses a black top band), so
    # rows are judged only over the columns still kept and vice versa, until stable.
    for _ in range(4):
        before = (y0, y1, x0, x1)
        busy = np.flatnonzero(f[y0:y1, x0:x1].std(axis=1) > tol)
        if busy.size:
            y0, y1 = y0 + int(busy[0]), y0 + int(busy[-1]) + 1
        busy = np.flatnonzero(f[y0:y1, x0:x1].std(axis=0) > tol)
        if busy.size:
            x0, x1 = x0 + int(busy[0]), x0 + int(busy[-1]) + 1
        if (y0, y1, x0, x1) == before:
            break
    if y1 - y0 < max(1, int(np.ceil(min_keep * h))) or x1 - x0 < max(1, int(np.ceil(min_keep * w))):
        return img8, (0, h, 0, w)
    return img8[y0:y1, x0:x1], (y0, y1, x0, x1)


def crop_body_region(img8: np.ndarray, margin: float = 0.04, min_keep: float = 0.25) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Crop an 8-bit display image to the body part (soft tissue and bone), as the paper crops.

    Air around the limb is darker than soft tissue on a displayed radiograph
    (MONOCHROME2 presentation, after the VOI LUT). Otsu's threshold on a
    blurred copy separates the two; the bounding box of the foreground
    components larger than 1 % of the image, plus ``margin``, is kept. Letters
    and markers are small components and do not widen the box. Never keeps
    less than ``min_keep`` of a dimension; returns (cropped, (y0, y1, x0, x1)).
    """
    h, w = img8.shape[:2]
    if h < 16 or w < 16:
        return img8, (0, h, 0, w)
    # Collimation bands are bright, large and touch the edges: Otsu would take them for
    # the body and keep the whole film. Strip them first and look for the body inside.
    _, (cy0, cy1, cx0, cx1) = strip_collimation(img8)
    _, box = _body_box(img8[cy0:cy1, cx0:cx1], margin, min_keep, (h, w))
    y0, y1, x0, x1 = box[0] + cy0, box[1] + cy0, box[2] + cx0, box[3] + cx0
    return img8[y0:y1, x0:x1], (int(y0), int(y1), int(x0), int(x1))


def strip_collimation(img8: np.ndarray, bright_fraction: float = 0.85, max_side: float = 0.3,
                      ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Remove the collimator's shadow along the edges of an 8-bit display image.

    Outside the collimated field the detector is unexposed, so on a displayed
    (MONOCHROME2) radiograph the edges show bright bands, brighter than bone
    in the middle of the field. A border row (column) is collimated when at
    least ``bright_fraction`` of its pixels are at or above the 99th percentile
    of the image's central half (and at least mid-grey); rows/columns are
    stripped from each side while they are, at most ``max_side`` of a side.
    Returns (cropped, (y0, y1, x0, x1)); the whole image when there is none.
    """
    h, w = img8.shape[:2]
    if h < 16 or w < 16:
        return img8, (0, h, 0, w)
    centre = img8[h // 4:3 * h // 4, w // 4:3 * w // 4]
    bright = img8 >= max(float(np.percentile(centre, 99)), 128.0)
    y0, y1, x0, x1 = 0, h, 0, w
    # Bands meet at the corners, so rows are judged over the columns still kept and
    # vice versa, until nothing changes.
    for _ in range(4):
        before = (y0, y1, x0, x1)
        rows = bright[y0:y1, x0:x1].mean(axis=1) >= bright_fraction
        cols = bright[y0:y1, x0:x1].mean(axis=0) >= bright_fraction
        top, bottom = _run_length(rows), _run_length(rows[::-1])
        left, right = _run_length(cols), _run_length(cols[::-1])
        if max(top, bottom) <= max_side * h and max(left, right) <= max_side * w:
            y0, y1, x0, x1 = y0 + top, y1 - bottom, x0 + left, x1 - right
        if (y0, y1, x0, x1) == before or y1 - y0 < 16 or x1 - x0 < 16:
            break
    if y1 - y0 < 16 or x1 - x0 < 16:
        return img8, (0, h, 0, w)
    return img8[y0:y1, x0:x1], (y0, y1, x0, x1)


def _run_length(flags: np.ndarray) -> int:
    """How many leading entries of ``flags`` are True."""
    off = np.flatnonzero(~flags)
    return int(off[0]) if off.size else int(flags.size)


def _body_box(img8: np.ndarray, margin: float, min_keep: float, full_shape: tuple[int, int],
              ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The body's bounding box inside the collimated field (see crop_body_region)."""
    h, w = img8.shape[:2]
    if h < 16 or w < 16:
        return img8, (0, h, 0, w)
    small = cv2.GaussianBlur(np.ascontiguousarray(img8, dtype=np.uint8), (0, 0), max(1.0, min(h, w) / 200))
    _, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    big = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 0.01 * h * w]
    if not big:
        return img8, (0, h, 0, w)
    y0 = min(stats[i, cv2.CC_STAT_TOP] for i in big)
    x0 = min(stats[i, cv2.CC_STAT_LEFT] for i in big)
    y1 = max(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] for i in big)
    x1 = max(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] for i in big)
    my, mx = int(margin * h), int(margin * w)
    y0, y1, x0, x1 = max(0, y0 - my), min(h, y1 + my), max(0, x0 - mx), min(w, x1 + mx)
    # Keep at least min_keep of each side of the whole film, centred on the box.
    for lo, hi, full, whole in ((0, 1, h, full_shape[0]), (2, 3, w, full_shape[1])):
        box = [y0, y1, x0, x1]
        need = min(full, int(np.ceil(min_keep * whole)))
        if box[hi] - box[lo] < need:
            centre = (box[lo] + box[hi]) // 2
            start = min(max(0, centre - need // 2), full - need)
            box[lo], box[hi] = start, start + need
        y0, y1, x0, x1 = box
    return img8[y0:y1, x0:x1], (int(y0), int(y1), int(x0), int(x1))


def denoise(img8: np.ndarray, method: str) -> np.ndarray:
    """Median (radius 1) or bilateral (domain sigma 1.5 px, range sigma 20 grey levels) filtering with SimpleITK.

    Seed 004 (ResNet-18 + CLAHE) denoises before classification; SimpleITK
    runs on the already-decoded 8-bit display array, never on DICOM pixels
    (pydicom stays the one pixel path).
    """
    if method == "none":
        return img8
    import SimpleITK as sitk

    image = sitk.GetImageFromArray(np.ascontiguousarray(img8, dtype=np.uint8))
    if method == "median":
        out = sitk.Median(image, [1, 1])
    elif method == "bilateral":
        out = sitk.Bilateral(sitk.Cast(image, sitk.sitkFloat32), domainSigma=1.5, rangeSigma=20.0)
    else:
        raise ValueError(f"unknown denoising {method!r}")
    return np.clip(sitk.GetArrayFromImage(out), 0, 255).astype(np.uint8)


def apply_clahe(img8: np.ndarray, clip: float = 2.0, tiles: int = 8) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation (cv2 CLAHE) on an 8-bit image."""
    return cv2.createCLAHE(clipLimit=float(clip), tileGridSize=(int(tiles), int(tiles))).apply(
        np.ascontiguousarray(img8, dtype=np.uint8))


def pad_resize(img8: np.ndarray, size: int) -> tuple[np.ndarray, Placement]:
    """Aspect-preserving resize so the long side is ``size``, centred on a zero size x size canvas."""
    h, w = img8.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, min(size, round(h * scale))), max(1, min(size, round(w * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(img8, (nw, nh), interpolation=interp)
    top, left = (size - nh) // 2, (size - nw) // 2
    canvas = np.zeros((size, size), dtype=img8.dtype)
    canvas[top:top + nh, left:left + nw] = resized
    return canvas, Placement(size=size, top=top, left=left, height=nh, width=nw, scale=scale)


def model_input_with_geometry(image: RadiographImage, size: int = 320, clahe: bool = False, crop: str = "border",
                              denoising: str = "none") -> tuple[np.ndarray, InputGeometry]:
    """float32 (size, size) in [0, 1] plus the geometry to map a heatmap back.

    ``crop``: "border" strips uniform frame borders (collimation); "body" then
    also crops to the body region so the limb, not the air, fills the input.
    """
    h, w = image.values.shape
    limit = PRESCALE_FACTOR * size
    prescale = (1.0, 1.0)
    work = image
    if max(h, w) > limit:
        values = resize_raw(image.values, limit)
        prescale = (values.shape[0] / h, values.shape[1] / w)
        work = dataclasses.replace(image, values=values, integral=False)
    img8 = to_display(work)
    cropped, box = crop_uniform_border(img8)
    if crop == "body":
        cropped, inner = crop_body_region(cropped)
        box = (box[0] + inner[0], box[0] + inner[1], box[2] + inner[2], box[2] + inner[3])
    elif crop != "border":
        raise ValueError(f"unknown crop {crop!r}")
    cropped = denoise(cropped, denoising)
    if clahe:
        cropped = apply_clahe(cropped)
    canvas, placement = pad_resize(cropped, size)
    array = canvas.astype(np.float32) * np.float32(1.0 / 255.0)
    return array, InputGeometry(image_shape=(h, w), prescale=prescale, crop=box, placement=placement)


def model_input(image: RadiographImage, size: int = 320, clahe: bool = False, crop: str = "border",
                denoising: str = "none") -> np.ndarray:
    """The model-ready array: float32 (size, size) in [0, 1]; same at training and inference."""
    return model_input_with_geometry(image, size, clahe, crop, denoising)[0]
