"""One preprocessing path for training and inference, and mapping heatmaps back.

Thin adapter over ``core.imaging.preprocess`` (display pipeline -> crop of
uniform borders -> optional CLAHE -> aspect-preserving pad-resize) so the
trainer and the predictor call literally the same function. No torch here.
"""

from __future__ import annotations

import cv2
import numpy as np


def model_ready(image, size: int, clahe: bool = False, crop: str = "border", denoising: str = "none"):
    """(network input float32 (size, size) in [0, 1], InputGeometry)."""
    from core.imaging.preprocess import model_input_with_geometry

    array, geometry = model_input_with_geometry(image, size=size, clahe=clahe, crop=crop, denoising=denoising)
    return np.asarray(array, dtype=np.float32), geometry


def preprocessing_options(preprocessing: dict) -> dict:
    """model_ready's keyword arguments from a model's recorded preprocessing.

    Models trained before crop/denoise existed recorded only size and clahe;
    they were trained on border-cropped, undenoised input.
    """
    return {"size": int(preprocessing["size"]), "clahe": bool(preprocessing.get("clahe", False)),
            "crop": str(preprocessing.get("crop", "border")), "denoising": str(preprocessing.get("denoise", "none"))}


def heatmap_to_image(heatmap: np.ndarray, geometry, image_shape: tuple[int, int]) -> np.ndarray:
    """A CAM-resolution heatmap (h, w) laid onto the displayed image (H, W).

    Bilinear upsampling to the model input size, then the preprocessing's own
    inverse geometry. Values keep their absolute scale; pixels outside the
    region the model saw are 0.
    """
    heatmap = np.asarray(heatmap, dtype=np.float32)
    size = geometry.placement.size
    full = cv2.resize(heatmap, (size, size), interpolation=cv2.INTER_LINEAR)
    out = geometry.heatmap_to_image(full)
    assert out.shape == tuple(image_shape)
    return np.clip(out, 0.0, 1.0)
