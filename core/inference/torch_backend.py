"""Torch backend of the Predictor, and Grad-CAM through pytorch-grad-cam.

Imports torch: used only when asked for (``backend="torch"``), for Grad-CAM,
and by the benchmarks. ``run`` returns the same (logits, cam) pair as the
exported ONNX graph.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class TorchBackend:
    def __init__(self, weights_file: Path, device: str = "cpu"):
        import torch

        from trainer.checkpoints import load_model

        self.torch = torch
        self.model, self.sidecar = load_model(Path(weights_file))
        self.device = torch.device(device)
        self.model.to(self.device).eval()

    def run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with self.torch.inference_mode():
            logits, cam = self.model.logits_and_cam(self.torch.from_numpy(np.asarray(x, np.float32)).to(self.device))
        return logits.float().cpu().numpy(), cam.float().cpu().numpy()


def grad_cam(model, x: np.ndarray, output: int = 0) -> np.ndarray:
    """Grad-CAM maps (N, H, W) from pytorch-grad-cam, target layer chosen per architecture.

    pytorch-grad-cam scales each map to [0, 1] per image (relative, unlike the
    CAM heatmaps of the Predictor); use it for explanation, not for comparing
    images.
    """
    import torch
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    model.eval()
    with GradCAM(model=model, target_layers=[model.grad_cam_target_layer()]) as cam:
        maps = cam(input_tensor=torch.from_numpy(np.asarray(x, np.float32)),
                   targets=[ClassifierOutputTarget(output)] * len(x))
    return np.asarray(maps, dtype=np.float32)
