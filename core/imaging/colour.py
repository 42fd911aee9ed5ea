"""Colour to grey: (0028,0004) Photometric Interpretation RGB (after pydicom's
YBR_* -> RGB conversion or PALETTE COLOR lookup) -> luminance."""

from __future__ import annotations

import numpy as np

# ITU-R BT.601 luma weights, the Y of YBR_FULL (PS3.3 C.7.6.3.1.2).
BT601_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Grey float32 (H, W) from an (H, W, 3[+alpha]) RGB array, ITU-R BT.601 weights.

    Keeps the input's value range (16-bit palettes stay 0..65535).
    """
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError("luminance expects an (H, W, 3) RGB array")
    rgb = rgb[..., :3]
    if rgb.dtype.kind == "u" or rgb.dtype.kind == "i":
        rgb = rgb.astype(np.float32)
    return np.ascontiguousarray(np.dot(rgb, BT601_WEIGHTS.astype(rgb.dtype)), dtype=np.float32)
