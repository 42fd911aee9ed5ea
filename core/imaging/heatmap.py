"""Heatmap colouring: an absolute-scale [0, 1] map blended over the 8-bit display image.

The map is not rescaled per image: 0.5 (the CAM logit at zero) is the same
colour on every image, and opacity grows with the value, so a confident
negative stays almost transparent instead of showing a bright spot.
"""

from __future__ import annotations

import cv2
import numpy as np


def colourise(heatmap: np.ndarray) -> np.ndarray:
    """(H, W) float in [0, 1] -> (H, W, 3) uint8 RGB through OpenCV's JET colour map."""
    levels = (np.clip(np.asarray(heatmap, dtype=np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(levels, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


# On the sigmoid scale 0.5 is "no evidence either way": below it a heatmap is transparent.
# The one scaling of the CLI's overlay PNGs and the workstation's overlay.
FLOOR = 0.5


def opacity(heatmap: np.ndarray, max_alpha: float = 0.6, floor: float = FLOOR) -> np.ndarray:
    """(H, W) float opacity: 0 up to ``floor``, rising linearly to ``max_alpha`` at 1."""
    heat = np.clip(np.asarray(heatmap, dtype=np.float32), 0.0, 1.0)
    return np.clip((heat - floor) / max(1e-6, 1.0 - floor), 0.0, 1.0) * max_alpha


def overlay(display8: np.ndarray, heatmap: np.ndarray, max_alpha: float = 0.6, floor: float = FLOOR) -> np.ndarray:
    """RGB uint8 blend of a grey display image and a heatmap of the same H x W (opacity: :func:`opacity`)."""
    grey = np.asarray(display8, dtype=np.uint8)
    base = np.repeat(grey[..., None], 3, axis=2).astype(np.float32)
    heat = np.clip(np.asarray(heatmap, dtype=np.float32), 0.0, 1.0)
    alpha = opacity(heat, max_alpha, floor)[..., None]
    out = base * (1.0 - alpha) + colourise(heat).astype(np.float32) * alpha
    return (out + 0.5).astype(np.uint8)
