"""Trabecular texture: the lattice of thin bony struts that fills bone ends.

On a radiograph cancellous bone is not a smooth grey: its trabeculae project
as a fine, irregular network of bright struts around lucent marrow spaces,
oriented mostly along the bone's load axis. We draw that once per process as
a periodic tile (band-passed noise turned into a ridge network, longer along
the bone than across), fixed by a constant seed so every process and every
run draws the same tile, and each bone samples it in its own coordinates
(``along``, ``across``): the texture moves with a displaced fragment and a
fracture line interrupts it, as on a real film.
"""

from __future__ import annotations

import functools
import zlib

import cv2
import numpy as np

TILE = 256              # texels per side (periodic)
TILE_SEED = 20240611    # the tile is part of the generator: changing it changes every film
PERIOD_TEXELS = 7.0     # typical strut spacing across the bone, in texels
ANISOTROPY = 1.8        # struts run this much longer along the bone than across it


@functools.lru_cache(maxsize=1)
def trabecular_tile() -> np.ndarray:
    """float32 (TILE, TILE), zero mean, unit standard deviation, periodic in both axes.

    Rows are ``across`` the bone, columns ``along`` it. Built in the Fourier
    domain (a ring of spatial frequencies around 1 / PERIOD_TEXELS, squashed
    along the bone), so the tile wraps seamlessly; the ridge transform
    exp(-(n / sd)^2) turns the zero crossings of the band-passed noise into a
    connected network of thin bright struts.
    """
    rng = np.random.default_rng(TILE_SEED)
    white = rng.standard_normal((TILE, TILE))
    fy = np.fft.fftfreq(TILE)[:, None]
    fx = np.fft.fftfreq(TILE)[None, :] * ANISOTROPY
    radius = np.hypot(fx, fy)
    f0 = 1.0 / PERIOD_TEXELS
    band = np.exp(-np.square((radius - f0) / (0.45 * f0)))
    noise = np.real(np.fft.ifft2(np.fft.fft2(white) * band))
    ridges = np.exp(-np.square(noise / noise.std()) * 1.2)
    ridges -= ridges.mean()
    ridges /= ridges.std()
    return ridges.astype(np.float32)


def bone_offset(key: str) -> tuple[float, float]:
    """Where a bone starts in the tile, so neighbouring bones do not share a pattern
    (crc32, not hash(): Python's string hash changes between processes)."""
    h = zlib.crc32(key.encode("utf-8"))
    return float(h % TILE), float((h // TILE) % TILE)


def sample_texture(along: np.ndarray, across: np.ndarray, texel: float, key: str) -> np.ndarray:
    """The tile at bone coordinates (canonical units; ``texel`` units per texel), bilinear, wrapped."""
    ou, ov = bone_offset(key)
    inv = np.float32(1.0 / texel)
    map_x = along * inv
    map_x += np.float32(ou)
    map_y = across * inv
    map_y += np.float32(ov)
    return cv2.remap(trabecular_tile(), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
