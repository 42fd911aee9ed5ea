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
    FractureLine, bone_frame, displace_fragment, fracture_gap, physis_gap, tube_path_length,
)

MU_BONE = 0.55   # effective attenuation per cm, log domain
MU_SOFT = 0.13
MU_METAL = 6.0


@dataclass(frozen=True)
class FracturePlan:
    bone: str
    line: FractureLine          # width in pixels here; converted to canonical units when rendering


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

    def __init__(self, plan: ViewPlan, fov: FieldOfView):
        self.h, self.w = plan.rows, plan.columns
        self.scale = self.h / fov.height * plan.zoom            # pixels per canonical unit
        self.mirror = -1.0 if plan.side == "L" else 1.0
        phi = math.radians(fov.angle_deg + plan.angle_deg)
        self.cos, self.sin = math.cos(phi), math.sin(phi)
        self.cx = self.w / 2 + plan.shift[0] * self.w
        self.cy = self.h / 2 + plan.shift[1] * self.h
        self.center = fov.center
        x = (np.arange(self.w, dtype=np.float32) - np.float32(self.cx)) / np.float32(self.scale)
        y = (np.arange(self.h, dtype=np.float32) - np.float32(self.cy)) / np.float32(self.scale)
        x, y = x[None, :], y[:, None]
        c, s = np.float32(self.cos), np.float32(self.sin)
        self.u = (c * x + s * y) * np.float32(self.mirror) + np.float32(fov.center[0])
        self.v = (-s * x + c * y) + np.float32(fov.center[1])

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
               fracture: FractureLine | None = None, combine: str = "add") -> None:
    margin = bone.radius * (1 + bone.flare) * 1.2 + (bone.radius * 1.5 if fracture else 0)
    box = canvas.bbox([bone.p0, bone.p1], margin)
    if box is None:
        return
    along, across = bone_frame(canvas.u[box], canvas.v[box], bone)
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
        limb = soft.get("soft_forearm") or soft.get("soft_upper")
        if limb is not None:
            casts.append(Bone("cast", limb.p0, limb.p1, limb.radius * 1.12, cortex=0.16, medulla=0.0,
                              flat_ends=True, density=0.5))
    return metal, casts


def attenuation(plan: ViewPlan, with_fracture: bool = True) -> np.ndarray:
    """Total attenuation (log domain) of one film, before detector blur and noise."""
    anatomy, fov = anatomy_for(plan.body_part, plan.view, plan.age)
    canvas = _Canvas(plan, fov)
    child = plan.age < 16
    cm = np.float32(anatomy.cm_per_unit)
    soft = np.zeros((canvas.h, canvas.w), np.float32)
    for bone in anatomy.soft:
        _tube_into(canvas, soft, bone, combine="max")
    bone_map = np.zeros_like(soft)
    fracture = plan.fracture if with_fracture else None
    px = 1.0 / canvas.scale
    for bone in anatomy.bones:
        line = None
        if fracture is not None and fracture.bone == bone.key:
            line = replace(fracture.line, width=fracture.line.width * px)
        _tube_into(canvas, bone_map, bone, child=child, fracture=line)
    _plates_into(canvas, bone_map, anatomy)
    total = soft * (cm * np.float32(MU_SOFT)) + bone_map * (cm * np.float32(MU_BONE))
    metal, casts = _extras(anatomy, plan)
    for b in metal:
        extra = np.zeros_like(soft)
        _tube_into(canvas, extra, b)
        total += extra * (cm * np.float32(MU_METAL))
    for b in casts:
        extra = np.zeros_like(soft)
        _tube_into(canvas, extra, b)
        total += extra * (cm * np.float32(MU_SOFT * 2.2))
    return total


def _marker(plan: ViewPlan, shape: tuple[int, int]) -> np.ndarray:
    """The lead side marker (L or R) near a corner, as extra attenuation."""
    h, w = shape
    mask = np.zeros((h, w), np.uint8)
    scale = max(h, w) / 480.0
    inset_x, inset_y = 0.05, 0.05
    if plan.collimation:
        inset_x += max(plan.collimation[0], plan.collimation[2])
        inset_y += max(plan.collimation[1], plan.collimation[3])
    x = int(w * inset_x) if plan.marker_corner in (0, 2) else int(w * (1 - inset_x) - 28 * scale)
    y = int(h * inset_y + 30 * scale) if plan.marker_corner in (0, 1) else int(h * (1 - inset_y))
    cv2.putText(mask, plan.side, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.1 * scale, 255,
                max(2, int(3 * scale)), cv2.LINE_AA)
    return mask


def detector_values(plan: ViewPlan, total: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Blur, noise, collimation, marker and quantisation: the stored pixel values
    ((7FE0,0010) Pixel Data, (0028,0101) Bits Stored) plus a (0028,1050) Window
    Center and (0028,1051) Window Width that frame the anatomy."""
    h, w = total.shape
    rng = np.random.default_rng(plan.noise_seed)
    gy, gx = plan.gradient
    ramp = (np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :] * np.float32(gx)
            + np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None] * np.float32(gy))
    signal = cv2.GaussianBlur(total, (0, 0), plan.blur_sigma) + ramp
    signal += _marker(plan, (h, w)).astype(np.float32) * np.float32(3.0 / 255)
    if plan.collimation:
        left, top, right, bottom = plan.collimation
        outside = np.ones((h, w), bool)
        outside[int(top * h):h - int(bottom * h), int(left * w):w - int(right * w)] = False
        signal = np.where(outside, np.float32(2.6) + signal * np.float32(0.25), signal)
    # Quantum noise: fewer photons behind dense tissue, so sigma ~ exp(attenuation / 2).
    sigma = np.float32(plan.noise) * np.exp(np.minimum(signal, 4.0) * np.float32(0.5))
    signal += sigma * rng.standard_normal((h, w), dtype=np.float32)
    max_value = (1 << plan.bits_stored) - 1
    gain = max_value * 0.85 / plan.signal_max
    stored = np.clip(signal * np.float32(gain) + np.float32(plan.offset_frac * max_value), 0, max_value)
    stored = np.rint(stored).astype(np.uint16)
    body = stored[::4, ::4][total[::4, ::4] > 0.2]
    if body.size < 16:
        body = stored[::4, ::4].ravel()
    lo, hi = np.percentile(body, (1, 99.5))
    if plan.monochrome1:
        stored = np.uint16(max_value) - stored
        lo, hi = max_value - hi, max_value - lo
    centre = (lo + hi) / 2 * plan.window_jitter[0]
    width = max((hi - lo) * plan.window_jitter[1], 16.0)
    return stored, float(round(centre, 1)), float(round(width, 1))


def render_view(plan: ViewPlan, with_fracture: bool = True) -> tuple[np.ndarray, float, float]:
    """Stored values (uint16), window centre and width of one film."""
    return detector_values(plan, attenuation(plan, with_fracture))
