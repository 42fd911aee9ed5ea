"""Bone layouts of the seven upper-limb body parts, in a canonical frame.

Two base skeletons are drawn once: the hand (fingers, metacarpals, carpus,
distal forearm; 1 unit ~ 20 cm) and the whole arm (scapula, clavicle, humerus,
radius, ulna; 1 unit ~ 33 cm, humerus length ~ 1). Each body part is a zoomed
field of view on one of them, so a wrist film shows metacarpal bases and the
distal radius just like a real one, and an elbow film shows both the humerus
and the forearm bones. Coordinates: ``u`` to the patient's lateral (thumb)
side of a right limb, ``v`` downwards (distal for the arm, proximal for the
hand, whose fingers point up as on a PA film).

Everything here is plain data; :mod:`core.demo.render` turns it into pixels.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

BODY_PARTS = ("finger", "hand", "wrist", "forearm", "elbow", "humerus", "shoulder")

# (0018,0015) Body Part Examined defined terms (PS3.16 Annex L).
BODY_PART_EXAMINED = {
    "finger": "FINGER", "hand": "HAND", "wrist": "WRIST", "forearm": "FOREARM",
    "elbow": "ELBOW", "humerus": "HUMERUS", "shoulder": "SHOULDER",
}


@dataclass(frozen=True)
class Bone:
    """A bone as a (possibly flared) hollow tube from ``p0`` (proximal) to ``p1``.

    ``radius`` is the shaft radius; ``flare`` widens the ends (metaphysis,
    condyles); ``cortex`` is the cortical thickness as a fraction of the radius
    at mid-shaft; ``medulla`` the density of the marrow cavity relative to
    cortex. ``physes`` says which ends have a growth plate in a child.
    ``solid`` tubes (soft tissue) have no cavity; ``fat`` is the thickness of a
    solid tube's subcutaneous fat layer as a fraction of its radius; ``flat_ends``
    cuts the tube square (a ring, a cast) instead of rounding it. Tubes with the
    same ``group`` are parts of one bone (humeral head, shaft and condyles) and
    are merged where they overlap instead of adding up.
    """

    key: str
    p0: tuple[float, float]
    p1: tuple[float, float]
    radius: float
    flare: float = 0.0
    cortex: float = 0.3
    medulla: float = 0.35
    density: float = 1.0
    physes: tuple[bool, bool] = (False, False)
    solid: bool = False
    flat_ends: bool = False
    fat: float = 0.0
    group: str = ""

    @property
    def length(self) -> float:
        return math.hypot(self.p1[0] - self.p0[0], self.p1[1] - self.p0[1])


@dataclass(frozen=True)
class Plate:
    """A flat bone (scapula blade) as a polygon of uniform thickness."""

    key: str
    points: tuple[tuple[float, float], ...]
    thickness: float = 0.012
    density: float = 1.0


@dataclass(frozen=True)
class FractureSite:
    """Where a fracture may be placed: a bone, a range along it, the report's words."""

    bone: str
    t_range: tuple[float, float]
    phrase: str


@dataclass
class Anatomy:
    bones: list[Bone]
    soft: list[Bone]
    plates: list[Plate] = field(default_factory=list)
    cm_per_unit: float = 20.0


@dataclass(frozen=True)
class FieldOfView:
    """Which part of a base skeleton a body part's film shows."""

    base: str                     # "hand" | "arm"
    center: tuple[float, float]
    height: float                 # canonical units spanned by the image height
    angle_deg: float = 0.0        # rotation that makes the part upright


FIELDS_OF_VIEW = {
    "hand": FieldOfView("hand", (0.03, 0.50), 1.05),
    "wrist": FieldOfView("hand", (0.0, 0.76), 0.50),
    "finger": FieldOfView("hand", (0.07, 0.25), 0.60, angle_deg=-6.0),
    "forearm": FieldOfView("arm", (0.0, 1.42), 1.10),
    "elbow": FieldOfView("arm", (0.0, 1.0), 0.48),
    "humerus": FieldOfView("arm", (0.0, 0.48), 1.25),
    "shoulder": FieldOfView("arm", (-0.16, 0.08), 0.62),
}

# Fracture sites per body part; every site lies inside that part's field of view.
FRACTURE_SITES: dict[str, list[FractureSite]] = {
    "finger": [
        FractureSite("pp2", (0.3, 0.75), "proximal phalanx of the index finger"),
        FractureSite("mp2", (0.3, 0.7), "middle phalanx of the index finger"),
        FractureSite("dp2", (0.35, 0.6), "distal phalanx of the index finger"),
    ],
    "hand": [
        FractureSite("mc5", (0.55, 0.85), "fifth metacarpal neck"),
        FractureSite("mc4", (0.35, 0.7), "fourth metacarpal shaft"),
        FractureSite("mc2", (0.35, 0.7), "second metacarpal shaft"),
        FractureSite("pp3", (0.3, 0.7), "proximal phalanx of the middle finger"),
        FractureSite("mc1", (0.2, 0.5), "first metacarpal base"),
    ],
    "wrist": [
        FractureSite("radius", (0.78, 0.9), "distal radius"),
        FractureSite("scaphoid", (0.35, 0.65), "scaphoid waist"),
        FractureSite("ulna", (0.85, 0.95), "ulnar styloid"),
    ],
    "forearm": [
        FractureSite("radius", (0.3, 0.75), "radial shaft"),
        FractureSite("ulna", (0.3, 0.75), "ulnar shaft"),
        FractureSite("radius", (0.82, 0.9), "distal radius"),
    ],
    "elbow": [
        FractureSite("radius", (0.04, 0.1), "radial head"),
        FractureSite("olecranon", (0.3, 0.7), "olecranon"),
        FractureSite("humerus", (0.86, 0.93), "supracondylar humerus"),
    ],
    "humerus": [
        FractureSite("humerus", (0.3, 0.7), "humeral shaft"),
        FractureSite("humerus", (0.1, 0.18), "surgical neck of the humerus"),
    ],
    "shoulder": [
        FractureSite("humerus", (0.1, 0.17), "surgical neck of the humerus"),
        FractureSite("clavicle_mid", (0.3, 0.7), "clavicle"),
        FractureSite("tuberosity", (0.3, 0.7), "greater tuberosity"),
    ],
}


def _ray(prefix: str, base: tuple[float, float], head: tuple[float, float], lengths, radii, physis_at_base):
    """Consecutive bones along a finger ray, continuing the base->head direction."""
    bones = []
    dx, dy = head[0] - base[0], head[1] - base[1]
    norm = math.hypot(dx, dy)
    ux, uy = dx / norm, dy / norm
    gap = 0.014
    start = head
    for i, (name, length, r) in enumerate(zip(prefix, lengths, radii)):
        p0 = (start[0] + ux * gap, start[1] + uy * gap)
        p1 = (p0[0] + ux * length, p0[1] + uy * length)
        bones.append(Bone(name, p0, p1, r, flare=0.35, cortex=0.35, medulla=0.4, physes=(physis_at_base, False)))
        start = p1
    return bones


def hand_anatomy(view: str, child_scale: float = 1.0) -> Anatomy:
    """Right hand, PA (fingers up): 5 metacarpals, 14 phalanges, 8 carpals, distal radius/ulna."""
    squeeze = {"PA": 1.0, "OBL": 0.6, "LAT": 0.22}[view]
    bones: list[Bone] = []
    soft: list[Bone] = []
    # metacarpal bases (v ~ 0.66) and heads (v ~ 0.40) of rays 2..5
    rays = [
        ("2", (0.045, 0.665), (0.075, 0.40), 1.0),
        ("3", (0.0, 0.67), (0.0, 0.39), 1.06),
        ("4", (-0.045, 0.665), (-0.075, 0.41), 0.97),
        ("5", (-0.085, 0.655), (-0.145, 0.45), 0.8),
    ]
    for name, base, head, size in rays:
        base = (base[0] * squeeze, base[1])
        head = (head[0] * squeeze, head[1])
        # One group: neighbouring metacarpal bases abut rather than stack up on a PA film.
        bones.append(Bone(f"mc{name}", base, head, 0.021 * size, flare=0.32, cortex=0.38, medulla=0.38,
                          physes=(False, True), group="metacarpals"))
        phal = _ray(["pp" + name, "mp" + name, "dp" + name], base, head,
                    [0.13 * size, 0.082 * size, 0.056 * size],
                    [0.019 * size, 0.016 * size, 0.013 * size], physis_at_base=True)
        bones.extend(phal)
        tip = phal[-1].p1
        soft.append(Bone(f"soft_f{name}", head, (tip[0], tip[1] - 0.02), 0.036 * size, solid=True, fat=0.25))
    # thumb: oblique metacarpal, two phalanges
    t_base, t_head = (0.085 * max(squeeze, 0.5), 0.70), (0.20 * max(squeeze, 0.7), 0.56)
    bones.append(Bone("mc1", t_base, t_head, 0.022, flare=0.45, cortex=0.38, medulla=0.38, physes=(True, False)))
    thumb = _ray(["pp1", "dp1"], t_base, t_head, [0.105, 0.07], [0.02, 0.016], physis_at_base=True)
    bones.extend(thumb)
    soft.append(Bone("soft_thumb", t_base, thumb[-1].p1, 0.045, solid=True, fat=0.25))
    # carpus: two rows of small rounded bones (shrunk in young children)
    cs = child_scale
    carpals = [
        ("scaphoid", (0.085, 0.795), (0.05, 0.74), 0.022),
        ("lunate", (0.01, 0.785), (0.0, 0.775), 0.026),
        ("triquetrum", (-0.05, 0.765), (-0.06, 0.755), 0.022),
        ("pisiform", (-0.07, 0.76), (-0.07, 0.755), 0.016),
        # distal row: its distal surface meets the metacarpal bases at a narrow joint space
        ("trapezium", (0.095, 0.717), (0.085, 0.702), 0.022),
        ("trapezoid", (0.045, 0.707), (0.04, 0.702), 0.018),
        ("capitate", (0.0, 0.737), (0.0, 0.702), 0.026),
        ("hamate", (-0.05, 0.717), (-0.055, 0.702), 0.024),
    ]
    for name, p0, p1, r in carpals:
        c = ((p0[0] + p1[0]) / 2 * squeeze, (p0[1] + p1[1]) / 2)
        h = ((p1[0] - p0[0]) / 2 * squeeze, (p1[1] - p0[1]) / 2)
        bones.append(Bone(name, (c[0] - h[0] * cs, c[1] - h[1] * cs), (c[0] + h[0] * cs, c[1] + h[1] * cs),
                          r * cs, cortex=0.28, medulla=0.5))
    # distal radius (lateral) and ulna (medial), proximal end off the film
    bones.append(Bone("radius", (0.05 * squeeze, 1.25), (0.045 * squeeze, 0.835), 0.034, flare=0.35,
                      cortex=0.3, medulla=0.35, physes=(False, True)))
    bones.append(Bone("ulna", (-0.075 * squeeze, 1.25), (-0.065 * squeeze, 0.84), 0.022, flare=0.3,
                      cortex=0.32, medulla=0.35, physes=(False, True)))
    soft.append(Bone("soft_palm", (0.0, 0.82), (0.0, 0.48), 0.14 * (0.55 + 0.45 * squeeze), solid=True, fat=0.12))
    soft.append(Bone("soft_forearm", (0.0, 1.3), (0.0, 0.84), 0.13 * (0.6 + 0.4 * squeeze), solid=True, fat=0.15))
    return Anatomy(bones, soft, cm_per_unit=20.0)


def arm_anatomy(view: str, flexed: str | None = "forearm") -> Anatomy:
    """Right arm, AP: scapula, clavicle, humerus, radius, ulna, a few carpals and ribs.

    On a lateral film the elbow is flexed about 90 degrees; ``flexed`` says which
    segment turns (the one the film is not centred on): "forearm" or "upper".
    """
    lateral = view == "LAT"
    squeeze = 0.35 if lateral else 1.0
    bones: list[Bone] = [
        Bone("humerus", (0.0, 0.07), (0.0, 0.93), 0.036, flare=0.55, cortex=0.32, medulla=0.3, physes=(True, True),
             group="humerus"),
        Bone("humeral_head", (-0.035, 0.035), (-0.03, 0.045), 0.075, cortex=0.12, medulla=0.5, density=0.6,
             group="humerus"),
        Bone("tuberosity", (0.045, 0.03), (0.05, 0.1), 0.028, cortex=0.2, medulla=0.5, group="humerus"),
        Bone("condyles", (-0.085 * squeeze, 0.945), (0.075 * squeeze, 0.945), 0.033, cortex=0.25, medulla=0.45,
             group="humerus"),
        Bone("epicondyle", (-0.1 * squeeze, 0.925), (-0.115 * squeeze, 0.93), 0.02, cortex=0.3, medulla=0.45,
             group="humerus"),
    ]
    forearm = [
        Bone("radius", (0.045 * squeeze, 1.015), (0.07 * squeeze, 1.86), 0.02, flare=0.8, cortex=0.38,
             medulla=0.3, physes=(True, True)),
        Bone("ulna", (-0.035 * squeeze, 0.99), (-0.05 * squeeze, 1.87), 0.021, flare=0.45, cortex=0.38,
             medulla=0.3, physes=(False, True), group="ulna"),
        Bone("olecranon", (-0.035 * squeeze, 0.93), (-0.035 * squeeze, 1.0), 0.03, cortex=0.25, medulla=0.45,
             group="ulna"),
        Bone("carpal_a", (0.03, 1.93), (0.04, 1.95), 0.02, cortex=0.3, medulla=0.5),
        Bone("carpal_b", (-0.03, 1.93), (-0.02, 1.94), 0.02, cortex=0.3, medulla=0.5),
    ]
    elbow = (0.0, 0.97)
    if lateral and flexed == "forearm":
        forearm = [_rotate_bone(b, elbow, -80.0) for b in forearm]
    if lateral and flexed == "upper":
        bones = [_rotate_bone(b, elbow, 80.0) for b in bones]
    bones += forearm
    bones += [
        Bone("glenoid", (-0.125, 0.0), (-0.125, 0.085), 0.022, cortex=0.3, medulla=0.5, group="scapula"),
        Bone("acromion", (-0.12, -0.085), (0.02, -0.075), 0.022, cortex=0.3, medulla=0.45, group="scapula"),
        Bone("clavicle_lat", (0.0, -0.105), (-0.2, -0.125), 0.022, cortex=0.35, medulla=0.35, group="clavicle"),
        Bone("clavicle_mid", (-0.2, -0.125), (-0.45, -0.08), 0.024, cortex=0.35, medulla=0.35, group="clavicle"),
        Bone("coracoid", (-0.16, -0.01), (-0.07, -0.02), 0.016, cortex=0.3, medulla=0.45, group="scapula"),
    ]
    for k in range(4):  # ribs: thin curved bands over the chest wall
        v = 0.05 + 0.13 * k
        bones.append(Bone(f"rib{k}a", (-0.32, v), (-0.5, v + 0.05), 0.012, cortex=0.45, medulla=0.5, density=0.6,
                          group=f"rib{k}"))
        bones.append(Bone(f"rib{k}b", (-0.5, v + 0.05), (-0.75, v + 0.07), 0.012, cortex=0.45, medulla=0.5,
                          density=0.6, group=f"rib{k}"))
    su = 0.35 if lateral else 1.0
    plates = [Plate("scapula", tuple((-0.14 + (x + 0.14) * su, y) for x, y in
                                     [(-0.13, -0.06), (-0.5, -0.1), (-0.45, 0.5), (-0.15, 0.12)]))]
    fore_axis = _rotate_bone(Bone("soft_fore", elbow, (0.0, 1.95), 0.07, solid=True, fat=0.18), elbow,
                             -80.0 if lateral and flexed == "forearm" else 0.0)
    upper_axis = _rotate_bone(Bone("soft_upper", (0.0, -0.05), elbow, 0.1, solid=True, fat=0.18), elbow,
                              80.0 if lateral and flexed == "upper" else 0.0)
    soft = [
        upper_axis,
        fore_axis,
        Bone("soft_shoulder", (-0.1, -0.05), (-0.3, 0.15), 0.16, solid=True, density=0.6, fat=0.2),
        Bone("soft_chest", (-0.7, -0.2), (-0.7, 0.9), 0.42, solid=True, density=0.35),
    ]
    return Anatomy(bones, soft, plates, cm_per_unit=33.0)


def _rotate_bone(bone: Bone, pivot: tuple[float, float], degrees: float) -> Bone:
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)

    def rot(p):
        x, y = p[0] - pivot[0], p[1] - pivot[1]
        return (pivot[0] + c * x - s * y, pivot[1] + s * x + c * y)

    return replace(bone, p0=rot(bone.p0), p1=rot(bone.p1))


def anatomy_for(body_part: str, view: str, age: float) -> tuple[Anatomy, FieldOfView]:
    """The skeleton and field of view of one film (view: PA, AP, LAT or OBL). Shared: do not modify."""
    child_scale = 0.55 if age < 8 else (0.8 if age < 12 else 1.0)
    return _anatomy(body_part, view, child_scale)


@functools.lru_cache(maxsize=128)
def _anatomy(body_part: str, view: str, child_scale: float) -> tuple[Anatomy, FieldOfView]:
    fov = FIELDS_OF_VIEW[body_part]
    if fov.base == "hand":
        hv = view if view in ("PA", "LAT", "OBL") else "PA"
        if body_part == "finger" and hv == "LAT":
            hv = "OBL"  # a lateral finger film still shows one ray clearly
        return hand_anatomy(hv, child_scale), fov
    flexed = {"forearm": "upper", "shoulder": None}.get(body_part, "forearm")
    return arm_anatomy("LAT" if view == "LAT" else "AP", flexed), fov
