"""Path lengths of X-rays through simple solids: the physics of the demo films.

A radiograph records, per pixel, the attenuation summed along the ray, so a
hollow tube (a long bone) projects with bright edges where the ray grazes the
cortex tangentially and a darker centre over the marrow cavity. These pure
functions return that path length over arrays of canonical coordinates
``(u, v)``; :mod:`core.demo.render` weights and sums them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from core.demo.anatomy import Bone


@dataclass(frozen=True)
class FractureLine:
    """A fracture of one bone: a lucent line, optionally displaced or angulated.

    ``t`` is the position along the bone (0 proximal, 1 distal); ``angle_deg``
    tilts the line away from transverse (oblique fractures); ``width`` is the
    gap's half-width in canonical units; ``depth`` how much bone is missing in
    the gap (1 = a clean black line); ``shift`` moves the distal fragment
    sideways by that fraction of the bone radius and ``angulation_deg`` tilts
    it; ``incomplete`` (+1/-1) limits the line to one cortex (a buckle or
    greenstick fracture), 0 crosses the whole bone. ``buckle`` (0..1, children's
    incomplete fractures) makes the cortex on that side bulge outwards over a
    short segment, with a faint dense band of compressed trabeculae: a torus
    fracture, which has hardly any lucent line.
    """

    t: float
    angle_deg: float
    width: float
    depth: float
    shift: float = 0.0
    angulation_deg: float = 0.0
    incomplete: int = 0
    buckle: float = 0.0


def displace_fragment(along, across, bone: Bone, fracture: FractureLine):
    """Move the distal fragment: returns new coordinates and the signed distance to the line."""
    a_f = np.float32(fracture.t * bone.length)
    th = math.radians(fracture.angle_deg)
    signed = (along - a_f) * np.float32(math.cos(th)) - across * np.float32(math.sin(th))
    if fracture.shift == 0.0 and fracture.angulation_deg == 0.0:
        return along, across, signed
    ang = math.radians(fracture.angulation_deg)
    ca, sa = np.float32(math.cos(ang)), np.float32(math.sin(ang))
    d_al = along - a_f
    d_ac = across - np.float32(fracture.shift * bone.radius)
    distal = signed > 0
    new_along = np.where(distal, a_f + ca * d_al + sa * d_ac, along)
    new_across = np.where(distal, -sa * d_al + ca * d_ac, across)
    return new_along, new_across, signed


PROFILE_SAMPLES = 512   # samples of a bone's radius profile along its length
CANCELLOUS = 0.42       # density of cancellous bone (bone ends, carpals) relative to cortex
TRABECULAR_CONTRAST = 0.28  # density swing of the trabecular texture in cancellous bone, relative to its density
END_DOME = 1.8          # how much flatter than a hemisphere a long bone's end is
FAT_DENSITY = 0.8       # subcutaneous fat relative to muscle


@functools.lru_cache(maxsize=512)
def tube_profile(bone: Bone) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Squared outer radius, squared marrow radius, marrow transparency and the
    texture weight (trabecular density swing) along the bone.

    The metaphyses flare (``bone.flare``) and the cortex thins towards the ends
    to a thin subchondral shell, where cancellous bone (denser than the shaft's
    fatty marrow, far less dense than cortex) fills the cavity: a real bone end
    projects a crisp outline around a textured interior, no brighter than the
    shaft. Sampled once per bone so that each pixel needs only a table look-up.
    """
    length, r = max(bone.length, 1e-6), bone.radius
    t = np.linspace(0, length, PROFILE_SAMPLES, dtype=np.float64)
    fl = max(0.12 * length, 1.5 * r)
    endness = np.minimum(np.exp(-np.square(t / fl)) + np.exp(-np.square((length - t) / fl)), 1)
    r_out = r * (1 + bone.flare * endness)
    r_in = r_out * (1 - bone.cortex * (1 - 0.8 * endness))
    medulla = bone.medulla + (CANCELLOUS - bone.medulla) * endness
    # Trabeculae fill the ends; the shaft's cavity holds fatty marrow with few of them.
    texture = TRABECULAR_CONTRAST * medulla * (0.15 + 0.85 * endness)
    return (np.square(r_out).astype(np.float32), np.square(r_in).astype(np.float32),
            (1 - medulla).astype(np.float32), texture.astype(np.float32))


def tube_path_length(along: np.ndarray, across: np.ndarray, bone: Bone,
                     trabecular: np.ndarray | None = None) -> np.ndarray:
    """Path length through a flared hollow tube, marrow weighted by ``bone.medulla``.

    Chord of a circle of radius r at distance d from its centre: 2*sqrt(r^2 - d^2);
    the cortex is the outer chord minus the (less dense) inner chord.
    ``trabecular`` (zero-mean texture, same shape) modulates the density of the
    marrow cavity in proportion to how much cancellous bone it holds, so ends and
    carpals are textured and the shaft's fatty marrow stays smooth. A solid tube
    with ``bone.fat`` is a limb: a muscle core inside a less dense fat layer.
    """
    length = np.float32(max(bone.length, 1e-6))
    t_along = np.clip(along, 0, length)
    if bone.flat_ends:
        d2 = across * across
    else:
        beyond = along - t_along
        if bone.flare and not bone.solid:
            # A long bone's articular end is a shallow dome, not a hemisphere: it stops
            # short of the joint, leaving the lucent joint space between two bones.
            beyond *= np.float32(END_DOME)
        d2 = beyond * beyond
        d2 += across * across
    if bone.solid and not bone.flare:
        out = np.float32(bone.radius) ** 2 - d2
        np.maximum(out, 0, out=out)
        np.sqrt(out, out=out)
        if bone.fat:
            # Subcutaneous fat attenuates ~20 % less than muscle: a faint skin-to-muscle step.
            core = np.float32((bone.radius * (1 - bone.fat)) ** 2) - d2
            np.maximum(core, 0, out=core)
            np.sqrt(core, out=core)
            out *= np.float32(FAT_DENSITY)
            out += core * np.float32(1 - FAT_DENSITY)
    else:
        r_out2, r_in2, marrow, swing = tube_profile(bone)
        idx = (t_along * np.float32((PROFILE_SAMPLES - 1) / length)).astype(np.intp)
        out = r_out2[idx] - d2
        np.maximum(out, 0, out=out)
        np.sqrt(out, out=out)
        if not bone.solid:
            inner = r_in2[idx] - d2
            np.maximum(inner, 0, out=inner)
            np.sqrt(inner, out=inner)
            if trabecular is not None:
                inner_bone = swing[idx] * trabecular
                inner_bone *= inner
            transparency = marrow[idx]
            inner *= transparency
            out -= inner
            if trabecular is not None:
                out += inner_bone
    if bone.flat_ends:
        out[(along < 0) | (along > length)] = 0
    out *= np.float32(2 * bone.density)
    return out


def fracture_gap(signed: np.ndarray, across: np.ndarray, bone: Bone, fracture: FractureLine) -> np.ndarray:
    """Fraction of bone kept near the fracture line (1 away from it, 1-depth on it).

    A buckle (``fracture.buckle``) adds a faint dense band of compressed
    trabeculae along the line instead of removing bone there."""
    line = np.exp(-np.square(signed / np.float32(fracture.width)))
    gap = np.float32(fracture.depth) * line
    if fracture.incomplete:
        # Only one cortex breaks: fade the line out past the bone axis.
        side = across * np.float32(fracture.incomplete) / np.float32(0.35 * bone.radius)
        gap = gap / (1 + np.exp(-np.clip(side, -30, 30)))
    if fracture.buckle:
        gap -= np.float32(0.25 * fracture.buckle) * np.exp(-np.square(signed / np.float32(2.5 * fracture.width)))
    return 1 - gap


def buckle_across(across: np.ndarray, signed: np.ndarray, bone: Bone, fracture: FractureLine) -> np.ndarray:
    """Coordinates across the bone, squeezed over a short segment on the buckled side
    so the cortex there bulges outwards (by up to ``0.18 * buckle`` of the radius)."""
    if not fracture.buckle or not fracture.incomplete:
        return across
    bump = np.float32(0.18 * fracture.buckle) * np.exp(-np.square(signed / np.float32(0.6 * bone.radius)))
    on_side = (across * np.float32(fracture.incomplete)) > 0
    return np.where(on_side, across / (1 + bump), across)


def physis_gap(along: np.ndarray, across: np.ndarray, bone: Bone) -> np.ndarray:
    """Fraction of bone kept at open growth plates: a smooth, slightly wavy lucent band
    across the whole bone near each end flagged in ``bone.physes`` (children only)."""
    keep = np.ones_like(along)
    length = bone.length
    offset = max(0.06 * length, 1.1 * bone.radius)
    width = np.float32(0.1 * bone.radius)
    wave = np.float32(0.12 * bone.radius) * np.sin(across * np.float32(3.0 / bone.radius))
    for at_end, pos in zip(bone.physes, (offset, length - offset)):
        if at_end:
            keep = keep * (1 - np.float32(0.6) * np.exp(-np.square((along - np.float32(pos) + wave) / width)))
    return keep
