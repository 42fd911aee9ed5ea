"""Render one synthetic radiograph: anatomy -> attenuation -> detector values.

Attenuation (Beer-Lambert, in the log domain a CR/DX detector records) is the
sum of soft tissue and bone path lengths times their attenuation, bone with a
trabecular texture in its cancellous parts (:mod:`core.demo.texture`); the
reader's image processing compresses the range and enhances detail as real
CR/DX readers do; the detector adds unsharpness (Gaussian blur), collimation,
the side marker and quantum noise whose standard deviation grows where fewer
photons arrive (behind bone), then maps the signal to stored values of
``bits_stored`` bits, inverted for MONOCHROME1. Everything is vectorised over
the pixels of each bone's bounding box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from core.demo.anatomy import Anatomy, Bone, FieldOfView, anatomy_for
from core.demo.projection import (
    FractureLine, buckle_across, displace_fragment, fracture_gap, physis_gap, tube_path_length,
)
from core.demo.texture import sample_texture

MU_BONE = 0.55   # effective attenuation per cm, log domain
MU_SOFT = 0.18
MU_METAL = 6.0
COARSE_STEP = 2   # anatomy is rendered on a grid this much coarser, then upsampled
# Soft-tissue swelling at its most marked, relative to soft tissue (0.45 before the reader's
# processing narrowed the display window; bench/demo_visibility.py keeps the two comparable).
SWELLING_DENSITY = 0.33
TEXEL_CM = 0.02   # trabecular texture resolution (0.2 mm), coarsened where the pixels are larger


@dataclass(frozen=True)
class FracturePlan:
    bone: str
    line: FractureLine          # width in pixels here; converted to canonical units when rendering
    swelling: float = 0.0       # soft-tissue swelling around the site, 0 (none) .. 1 (marked)


@dataclass(frozen=True)
class ViewPlan:
    """Every random choice of one film, so rendering is a pure function of it."""

    body_part: str
    view: str                   # (0018,5101) View Position: PA | AP | LAT | OBL
    side: str                   # (0020,0060) Laterality: R | L
    age: float
    rows: int
    columns: int
    zoom: float
    angle_deg: float
    shift: tuple[float, float]  # fraction of columns/rows
    monochrome1: bool
    bits_stored: int
    offset_frac: float
    signal_max: float
    noise: float
    blur_sigma: float
    gradient: tuple[float, float]
    collimation: tuple[float, float, float, float] | None   # left, top, right, bottom insets (fractions)
    marker_corner: int          # 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right
    ring: bool
    cast: bool
    fracture: FracturePlan | None
    noise_seed: int
    window_jitter: tuple[float, float]
    # The reader's image processing: detail gain, range compression, background scale
    # (fraction of the long side); see detector_processing. None: no processing.
    processing: tuple[float, float, float] | None = None


class _Canvas:
    """Maps pixels to canonical coordinates (and back) for one film."""

    def __init__(self, plan: ViewPlan, fov: FieldOfView, step: int = 1):
        # step > 1: a coarser grid for smooth fields (soft tissue), upsampled afterwards.
        self.h, self.w = -(-plan.rows // step), -(-plan.columns // step)
        self.scale = plan.rows / fov.height * plan.zoom / step   # pixels per canonical unit
        self.mirror = -1.0 if plan.side == "L" else 1.0
        phi = math.radians(fov.angle_deg + plan.angle_deg)
        self.cos, self.sin = math.cos(phi), math.sin(phi)
        self.cx = (plan.columns / 2 + plan.shift[0] * plan.columns) / step
        self.cy = (plan.rows / 2 + plan.shift[1] * plan.rows) / step
        self.center = fov.center
        self._x = (np.arange(self.w, dtype=np.float32) - np.float32(self.cx)) / np.float32(self.scale)
        self._y = (np.arange(self.h, dtype=np.float32) - np.float32(self.cy)) / np.float32(self.scale)

    def bone_frame(self, box, bone: Bone) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates along ``bone``'s axis (from p0) and across it, for the pixels in ``box``.

        Both are affine in the pixel's (x, y), so each is one broadcast sum of two
        1-D vectors instead of a chain of full-size array operations.
        """
        length = bone.length or 1e-6
        ax, ay = (bone.p1[0] - bone.p0[0]) / length, (bone.p1[1] - bone.p0[1]) / length
        c, s, m = self.cos, self.sin, self.mirror
        du0, dv0 = self.center[0] - bone.p0[0], self.center[1] - bone.p0[1]
        x, y = self._x[box[1]], self._y[box[0]]
        along = (x * np.float32(m * c * ax - s * ay))[None, :] + \
            (y * np.float32(m * s * ax + c * ay) + np.float32(du0 * ax + dv0 * ay))[:, None]
        across = (x * np.float32(-s * ax - m * c * ay))[None, :] + \
            (y * np.float32(c * ax - m * s * ay) + np.float32(dv0 * ax - du0 * ay))[:, None]
        return along, across

    def to_pixel(self, p: tuple[float, float]) -> tuple[float, float]:
        du = (p[0] - self.center[0]) * self.mirror
        dv = p[1] - self.center[1]
        x = self.cos * du - self.sin * dv
        y = self.sin * du + self.cos * dv
        return self.cx + x * self.scale, self.cy + y * self.scale

    def bbox(self, points, margin: float):
        xs, ys = zip(*(self.to_pixel(p) for p in points))
        m = margin * self.scale + 2
        x0, x1 = int(max(min(xs) - m, 0)), int(min(max(xs) + m + 1, self.w))
        y0, y1 = int(max(min(ys) - m, 0)), int(min(max(ys) + m + 1, self.h))
        if x0 >= x1 or y0 >= y1:
            return None
        return slice(y0, y1), slice(x0, x1)


def _tube_into(canvas: _Canvas, out: np.ndarray, bone: Bone, *, child: bool = False,
               fracture: FractureLine | None = None, combine: str = "add", extra_margin: float = 0.0,
               texel: float | None = None) -> None:
    margin = bone.radius * (1 + bone.flare) * 1.2 + extra_margin
    box = canvas.bbox([bone.p0, bone.p1], margin)
    if box is None:
        return
    along, across = canvas.bone_frame(box, bone)
    signed = None
    if fracture is not None:
        along, across, signed = displace_fragment(along, across, bone, fracture)
        across = buckle_across(across, signed, bone, fracture)
    trabecular = None
    if texel is not None and not bone.solid:
        trabecular = sample_texture(along, across, texel, bone.key)
    path = tube_path_length(along, across, bone, trabecular)
    if child and any(bone.physes):
        path *= physis_gap(along, across, bone)
    if fracture is not None:
        path *= fracture_gap(signed, across, bone, fracture)
    if combine == "max":
        np.maximum(out[box], path, out=out[box])
    else:
        out[box] += path


def _bones_into(canvas: _Canvas, out: np.ndarray, bones: list[Bone], child: bool, texel: float) -> None:
    """Sum of the bones' path lengths; the parts of one bone (same ``group``) merge
    where they overlap (a union, as in the real bone) instead of adding up."""
    groups: dict[str, list[Bone]] = {}
    for bone in bones:
        if bone.group:
            groups.setdefault(bone.group, []).append(bone)
        else:
            _tube_into(canvas, out, bone, child=child, texel=texel)
    for members in groups.values():
        part = np.zeros_like(out)
        for bone in members:
            _tube_into(canvas, part, bone, child=child, texel=texel, combine="max")
        out += part


def _plates_into(canvas: _Canvas, out: np.ndarray, anatomy: Anatomy) -> None:
    for plate in anatomy.plates:
        pts = np.array([canvas.to_pixel(p) for p in plate.points], dtype=np.float32)
        mask = np.zeros((canvas.h, canvas.w), np.uint8)
        cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 255, lineType=cv2.LINE_AA)
        k = max(3, int(plate.thickness * canvas.scale) | 1)
        mask = cv2.GaussianBlur(mask, (k, k), 0)
        out += mask.astype(np.float32) * np.float32(plate.thickness * plate.density / 255.0)


def _extras(anatomy: Anatomy, plan: ViewPlan) -> tuple[list[Bone], list[Bone]]:
    """A ring on the ring finger and a cast around the limb, when the plan says so."""
    metal, casts = [], []
    bones = {b.key: b for b in anatomy.bones}
    if plan.ring and "pp4" in bones:
        pp = bones["pp4"]
        ux, uy = (pp.p1[0] - pp.p0[0]) / pp.length, (pp.p1[1] - pp.p0[1]) / pp.length
        c = (pp.p0[0] + ux * pp.length * 0.4, pp.p0[1] + uy * pp.length * 0.4)
        h = 0.008
        metal.append(Bone("ring", (c[0] - ux * h, c[1] - uy * h), (c[0] + ux * h, c[1] + uy * h),
                          pp.radius * 1.75, cortex=0.12, medulla=0.0, flat_ends=True))
    if plan.cast:
        soft = {b.key: b for b in anatomy.soft}
        limb = soft.get("soft_forearm") or soft.get("soft_fore")
        if limb is not None:
            casts.append(Bone("cast", limb.p0, limb.p1, limb.radius * 1.12, cortex=0.16, medulla=0.0,
                              flat_ends=True, density=0.3))
    return metal, casts


def _swelling(anatomy: Anatomy, fracture: FracturePlan) -> list[Bone]:
    """Soft-tissue swelling over a fracture: a soft, solid blob centred on the site."""
    blobs = []
    for bone in anatomy.bones:
        if bone.key != fracture.bone:
            continue
        ax, ay = (bone.p1[0] - bone.p0[0]) / bone.length, (bone.p1[1] - bone.p0[1]) / bone.length
        cx = bone.p0[0] + ax * bone.length * fracture.line.t
        cy = bone.p0[1] + ay * bone.length * fracture.line.t
        half = bone.radius * 2.5
        blobs.append(Bone("swelling", (cx - ax * half, cy - ay * half), (cx + ax * half, cy + ay * half),
                          bone.radius * (2.2 + 1.8 * fracture.swelling), solid=True,
                          density=SWELLING_DENSITY * fracture.swelling))
    return blobs


def texel_units(plan: ViewPlan, anatomy: Anatomy, fov: FieldOfView) -> float:
    """Canonical units per trabecular texel: TEXEL_CM, or more where the coarse grid's
    pixels are too large to show struts that fine (they would alias into noise)."""
    coarse_cm = anatomy.cm_per_unit * fov.height / (plan.rows * plan.zoom) * COARSE_STEP
    return max(TEXEL_CM, 0.45 * coarse_cm) / anatomy.cm_per_unit


def attenuation(plan: ViewPlan, with_fracture: bool = True) -> np.ndarray:
    """Total attenuation (log domain) of one film, before the reader's processing,
    detector blur and noise."""
    return _film(plan, with_fracture, processed=False)


def processed_attenuation(plan: ViewPlan, with_fracture: bool = True) -> np.ndarray:
    """The attenuation after the reader's image processing (see ``reader_background``)."""
    return _film(plan, with_fracture, processed=True)


def reader_background(coarse: np.ndarray, scale: float) -> np.ndarray:
    """The large-scale background a CR/DX reader's processing separates from detail:
    a Gaussian of ``scale`` times the film's long side (computed at half the size of
    the coarse grid, where a blur that wide costs little)."""
    h, w = coarse.shape
    small = cv2.resize(coarse, (max(w // 2, 1), max(h // 2, 1)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(h, w) * scale / 2)   # coarse px * 2 = full px; /4 here
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _film(plan: ViewPlan, with_fracture: bool, processed: bool) -> np.ndarray:
    """Attenuation of one film, optionally through the reader's image processing.

    Anatomy is rendered on a grid twice as coarse and upsampled (bilinear: a
    blur well under the detector's own), which is what makes 30+ studies a
    second possible. The fractured bone is rendered at full resolution twice,
    with and without the fracture, and only the difference is added: the
    fracture keeps its one-pixel detail while that bone stays exactly as sharp
    as every other bone (no shortcut for a model to learn).

    The processing is what every CR/DX vendor applies before a film reaches
    PACS: dynamic-range compression plus detail enhancement (unsharp masking),
    signal = low * (1 - compression) + (total - low) * (1 + gain), with ``low``
    = ``reader_background`` of the fracture-free film (``plan.processing``). It
    makes cortices crisp and trabeculae visible while soft tissue stays
    readable. Being linear, it is applied on the coarse grid before upsampling;
    the fracture's fine detail is then enhanced as detail (1 + gain) and its
    broad soft-tissue swelling scaled as background (1 - compression), so a
    fracture changes the film only around itself.
    """
    anatomy, fov = anatomy_for(plan.body_part, plan.view, plan.age)
    child = plan.age < 16
    cm = np.float32(anatomy.cm_per_unit)
    texel = texel_units(plan, anatomy, fov)
    coarse = _Canvas(plan, fov, step=COARSE_STEP)
    soft = np.zeros((coarse.h, coarse.w), np.float32)
    for bone in anatomy.soft:
        _tube_into(coarse, soft, bone, combine="max")
    bone_map = np.zeros_like(soft)
    _bones_into(coarse, bone_map, anatomy.bones, child, texel)
    _plates_into(coarse, bone_map, anatomy)
    metal, casts = _extras(anatomy, plan)
    for b in metal:
        # Metal attenuates MU_METAL / MU_BONE times more than bone per unit path.
        _tube_into(coarse, bone_map, replace(b, density=b.density * MU_METAL / MU_BONE))
    for b in casts:
        _tube_into(coarse, soft, replace(b, density=b.density * 2.2))
    base = soft * (cm * np.float32(MU_SOFT))
    base += bone_map * (cm * np.float32(MU_BONE))
    detail, broad, scale = 1.0, 1.0, 0.0
    if processed and plan.processing is not None:
        gain, compression, scale = plan.processing
        base = cv2.addWeighted(base, 1 + gain, reader_background(base, scale), -(gain + compression), 0.0)
        detail, broad = 1 + gain, 1 - compression
    fractured = with_fracture and plan.fracture is not None
    if fractured and plan.fracture.swelling > 0:
        swollen = np.zeros_like(soft)
        for swelling in _swelling(anatomy, plan.fracture):
            _tube_into(coarse, swollen, swelling)
        base += swollen * (cm * np.float32(MU_SOFT * broad))
    total = cv2.resize(base, (plan.columns, plan.rows), interpolation=cv2.INTER_LINEAR)
    if fractured:
        fine = _Canvas(plan, fov)
        broken = [b for b in anatomy.bones if b.key == plan.fracture.bone]
        line = replace(plan.fracture.line, width=plan.fracture.line.width / fine.scale)
        change = np.zeros((fine.h, fine.w), np.float32)
        for bone in broken:
            # How far a shifted or angulated distal fragment can stray from the intact bone.
            stray = (line.shift + 1.0) * bone.radius + \
                (1 - line.t) * bone.length * math.sin(math.radians(abs(line.angulation_deg)))
            fractured = np.zeros_like(change)
            _tube_into(fine, fractured, bone, child=child, fracture=line, extra_margin=stray, texel=texel)
            intact = np.zeros_like(change)
            _tube_into(fine, intact, bone, child=child, extra_margin=stray, texel=texel)
            siblings = [b for b in anatomy.bones if bone.group and b.group == bone.group and b is not bone]
            if siblings:
                # The film holds the union of the bone's parts: fracture that union, or the
                # place a displaced fragment left would lose the overlapping parts too.
                others = np.zeros_like(change)
                for sibling in siblings:
                    _tube_into(fine, others, sibling, child=child, texel=texel, combine="max")
                np.maximum(fractured, others, out=fractured)
                np.maximum(intact, others, out=intact)
            fractured -= intact
            change += fractured
        change *= cm * np.float32(MU_BONE)
        total += change * np.float32(detail)
        if detail != 1.0:
            # The processing's background also follows bone that moved, or the place a
            # displaced fragment left would keep the intact bone's background (a dark halo).
            # Zero beyond the Gaussian's reach, so the change stays around the fracture.
            total -= _upsampled_background(change, scale) * np.float32(detail - broad)
    return total


def _upsampled_background(change: np.ndarray, scale: float) -> np.ndarray:
    """``reader_background`` of a full-size map (the same Gaussian, at a quarter of the size)."""
    h, w = change.shape
    small = cv2.resize(change, (max(w // 4, 1), max(h // 4, 1)), interpolation=cv2.INTER_AREA)
    sigma = max(h, w) * scale / 4
    reach = 2 * int(math.ceil(2.5 * sigma)) + 1   # kernel cut at 2.5 sigma: keeps the change near the fracture
    small = cv2.GaussianBlur(small, (reach, reach), sigma)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _add_marker(plan: ViewPlan, signal: np.ndarray) -> None:
    """The lead side marker (L or R) near a corner, added as attenuation (drawn in a small ROI)."""
    h, w = signal.shape
    scale = max(h, w) / 480.0
    font, size, thick = cv2.FONT_HERSHEY_SIMPLEX, 1.1 * scale, max(2, int(3 * scale))
    (tw, th), base = cv2.getTextSize(plan.side, font, size, thick)
    inset_x, inset_y = 0.05, 0.05
    if plan.collimation:
        inset_x += max(plan.collimation[0], plan.collimation[2])
        inset_y += max(plan.collimation[1], plan.collimation[3])
    x = int(w * inset_x) if plan.marker_corner in (0, 2) else int(w * (1 - inset_x) - tw)
    y = int(h * inset_y) if plan.marker_corner in (0, 1) else int(h * (1 - inset_y) - th - base)
    x, y = min(max(x, 0), w - tw - 4), min(max(y, 0), h - th - base - 4)
    roi = signal[y:y + th + base + 4, x:x + tw + 4]
    mask = np.zeros(roi.shape, np.uint8)
    cv2.putText(mask, plan.side, (2, th + 2), font, size, 255, thick, cv2.LINE_AA)
    roi += mask.astype(np.float32) * np.float32(3.0 / 255)


def detector_values(plan: ViewPlan, total: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Blur, noise, collimation, marker and quantisation: the stored pixel values
    ((7FE0,0010) Pixel Data, (0028,0101) Bits Stored) plus a (0028,1050) Window
    Center and (0028,1051) Window Width that frame the anatomy."""
    h, w = total.shape
    gy, gx = plan.gradient
    signal = cv2.GaussianBlur(total, (0, 0), plan.blur_sigma)
    signal += np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :] * np.float32(gx)   # heel effect
    signal += np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None] * np.float32(gy)
    _add_marker(plan, signal)
    if plan.collimation:
        left, top, right, bottom = plan.collimation
        y0, y1 = int(top * h), h - int(bottom * h)
        x0, x1 = int(left * w), w - int(right * w)
        for strip in (signal[:y0], signal[y1:], signal[y0:y1, :x0], signal[y0:y1, x1:]):
            strip *= np.float32(0.25)   # the collimator blade lets little through
            strip += np.float32(2.6)
    # Quantum noise: fewer photons behind dense tissue, so sigma ~ exp(attenuation / 2).
    sigma = np.minimum(signal, np.float32(4.0))
    sigma *= np.float32(0.5)
    cv2.exp(sigma, sigma)
    noise = np.empty((h, w), np.float32)
    cv2.setRNGSeed(plan.noise_seed)  # cv2.randn: 3x faster than numpy's normal, same seed -> same noise
    cv2.randn(noise, 0.0, float(plan.noise))
    sigma *= noise
    signal += sigma
    max_value = (1 << plan.bits_stored) - 1
    gain = max_value * 0.85 / plan.signal_max
    signal *= np.float32(gain)
    signal += np.float32(plan.offset_frac * max_value + 0.5)   # + 0.5: truncation below rounds
    np.clip(signal, 0, max_value, out=signal)
    stored = signal.astype(np.uint16)
    body = stored[::4, ::4][total[::4, ::4] > 0.2]
    if body.size < 16:
        body = stored[::4, ::4].ravel()
    lo, hi = np.percentile(body, (1, 99.5))
    if plan.monochrome1:
        np.subtract(np.uint16(max_value), stored, out=stored)
        lo, hi = max_value - hi, max_value - lo
    centre = (lo + hi) / 2 * plan.window_jitter[0]
    width = max((hi - lo) * plan.window_jitter[1], 16.0)
    return stored, float(round(centre, 1)), float(round(width, 1))


def render_view(plan: ViewPlan, with_fracture: bool = True) -> tuple[np.ndarray, float, float]:
    """Stored values (uint16), window centre and width of one film."""
    return detector_values(plan, processed_attenuation(plan, with_fracture))
