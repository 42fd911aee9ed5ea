"""Render one synthetic radiograph: anatomy -> attenuation -> detector values.

Attenuation (Beer-Lambert, in the log domain a CR/DX detector records) is the
sum of soft tissue and bone path lengths times their attenuation; the
detector adds unsharpness (Gaussian blur) and quantum noise whose standard
deviation grows where fewer photons arrive (behind bone), then maps the
signal to stored values of ``bits_stored`` bits, inverted for MONOCHROME1.
Everything is vectorised over the pixels of each bone's bounding box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from core.demo.anatomy import Anatomy, Bone, FieldOfView, anatomy_for
from core.demo.projection import (
    FractureLine, displace_fragment, fracture_gap, physis_gap, tube_path_length,
)

MU_BONE = 0.55   # effective attenuation per cm, log domain
MU_SOFT = 0.18
MU_METAL = 6.0
COARSE_STEP = 2   # anatomy is rendered on a grid this much coarser, then upsampled


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
               fracture: FractureLine | None = None, combine: str = "add", extra_margin: float = 0.0) -> None:
    margin = bone.radius * (1 + bone.flare) * 1.2 + extra_margin
    box = canvas.bbox([bone.p0, bone.p1], margin)
    if box is None:
        return
    along, across = canvas.bone_frame(box, bone)
    signed = None
    if fracture is not None:
        along, across, signed = displace_fragment(along, across, bone, fracture)
    path = tube_path_length(along, across, bone)
    if child and any(bone.physes):
        path *= physis_gap(along, across, bone)
    if fracture is not None:
        path *= fracture_gap(signed, across, bone, fracture)
    if combine == "max":
        np.maximum(out[box], path, out=out[box])
    else:
        out[box] += path


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
                          density=0.45 * fracture.swelling))
    return blobs


def attenuation(plan: ViewPlan, with_fracture: bool = True) -> np.ndarray:
    """Total attenuation (log domain) of one film, before detector blur and noise.

    Anatomy is rendered on a grid twice as coarse and upsampled (bilinear: a
    blur well under the detector's own), which is what makes 50+ studies a
    second possible. The fractured bone is rendered at full resolution twice,
    with and without the fracture, and only the difference is added: the
    fracture keeps its one-pixel detail while that bone stays exactly as sharp
    as every other bone (no shortcut for a model to learn).
    """
    anatomy, fov = anatomy_for(plan.body_part, plan.view, plan.age)
    child = plan.age < 16
    cm = np.float32(anatomy.cm_per_unit)
    coarse = _Canvas(plan, fov, step=COARSE_STEP)
    soft = np.zeros((coarse.h, coarse.w), np.float32)
    for bone in anatomy.soft:
        _tube_into(coarse, soft, bone, combine="max")
    if with_fracture and plan.fracture is not None and plan.fracture.swelling > 0:
        for swelling in _swelling(anatomy, plan.fracture):
            _tube_into(coarse, soft, swelling)
    bone_map = np.zeros_like(soft)
    for bone in anatomy.bones:
        _tube_into(coarse, bone_map, bone, child=child)
    _plates_into(coarse, bone_map, anatomy)
    metal_map = np.zeros_like(soft)
    cast_map = np.zeros_like(soft)
    metal, casts = _extras(anatomy, plan)
    for b in metal:
        _tube_into(coarse, metal_map, b)
    for b in casts:
        _tube_into(coarse, cast_map, b)
    total = (soft * (cm * np.float32(MU_SOFT)) + bone_map * (cm * np.float32(MU_BONE))
             + metal_map * (cm * np.float32(MU_METAL)) + cast_map * (cm * np.float32(MU_SOFT * 2.2)))
    total = cv2.resize(total, (plan.columns, plan.rows), interpolation=cv2.INTER_LINEAR)
    if with_fracture and plan.fracture is not None:
        fine = _Canvas(plan, fov)
        broken = [b for b in anatomy.bones if b.key == plan.fracture.bone]
        line = replace(plan.fracture.line, width=plan.fracture.line.width / fine.scale)
        for bone in broken:
            # How far a shifted or angulated distal fragment can stray from the intact bone.
            stray = (line.shift + 1.0) * bone.radius + \
                (1 - line.t) * bone.length * math.sin(math.radians(abs(line.angulation_deg)))
            intact = np.zeros((fine.h, fine.w), np.float32)
            _tube_into(fine, intact, bone, child=child, extra_margin=stray)
            fractured = np.zeros_like(intact)
            _tube_into(fine, fractured, bone, child=child, fracture=line, extra_margin=stray)
            total += (fractured - intact) * (cm * np.float32(MU_BONE))
    return total


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
    return detector_values(plan, attenuation(plan, with_fracture))
