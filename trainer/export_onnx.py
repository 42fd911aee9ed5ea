"""ONNX export with two outputs, the logits and the class activation map.

The CAM (last feature maps weighted by the classifier, see
``RadiNetModel.cam_from_maps``) is computed inside the graph, so a heatmap
costs no backward pass at inference. Every export is checked against torch:
probability |Δ| < 1e-4 and CAM correlation > 0.99.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

from core.inference.predictor import probabilities  # noqa: F401 - re-exported for older imports

PROBABILITY_TOLERANCE = 1e-4
CAM_CORRELATION_MIN = 0.99
OPSET = 17


def onnx_bytes(model, size: int) -> bytes:
    import torch

    from trainer.models import CamExport

    wrapper = CamExport(model).eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript-based exporter is used because it needs no onnxscript.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, (torch.zeros(1, 1, size, size),), buffer, dynamo=False, opset_version=OPSET,
            input_names=["image"], output_names=["logits", "cam"],
            dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "cam": {0: "batch"}},
        )
    return buffer.getvalue()


def parity(model, onnx_data: bytes, size: int, n: int = 4, seed: int = 0) -> dict:
    """Compare onnxruntime with torch on ``n`` test inputs (noise and smooth shapes)."""
    import torch

    from core.inference.onnx_session import new_session

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    inputs = [rng.random((size, size)), np.clip(np.sin(6 * xx) * np.cos(4 * yy) * 0.5 + 0.5, 0, 1),
              np.exp(-((xx - 0.3) ** 2 + (yy - 0.6) ** 2) * 20), np.full((size, size), 0.5)]
    x = np.stack(inputs[:max(1, n)])[:, None].astype(np.float32)
    session = new_session(onnx_data, providers=["CPUExecutionProvider"])
    o_logits, o_cam = session.run(["logits", "cam"], {"image": x})
    model.eval()
    with torch.no_grad():
        t_logits, t_cam = model.logits_and_cam(torch.from_numpy(x))
    dp = float(np.abs(probabilities(o_logits) - probabilities(t_logits.numpy())).max())
    correlations = []
    for a, b in zip(o_cam.reshape(len(x), -1), t_cam.numpy().reshape(len(x), -1)):
        if a.std() < 1e-12 or b.std() < 1e-12:
            correlations.append(1.0 if np.allclose(a, b, atol=1e-4) else 0.0)
        else:
            correlations.append(float(np.corrcoef(a, b)[0, 1]))
    cam_corr = float(min(correlations))
    return {"max_probability_difference": dp, "min_cam_correlation": cam_corr,
            "passed": bool(dp < PROBABILITY_TOLERANCE and cam_corr > CAM_CORRELATION_MIN)}


def with_metadata(onnx_data: bytes, metadata: dict[str, str]) -> bytes:
    """The same graph with ``metadata`` (string -> string) set as the model's metadata_props.

    This is how an exported file carries its own description (preprocessing,
    classes, task, body part, threshold, model id; see
    core.inference.onnx_model) so it can be used away from its workspace.
    """
    import onnx

    proto = onnx.load_from_string(onnx_data)
    onnx.helper.set_model_props(proto, {str(k): str(v) for k, v in metadata.items()})
    proto.producer_name = "RadiNet Studio"
    return proto.SerializeToString()


def export(model, size: int, out_path: Path, metadata: dict | None = None) -> dict:
    """Write the ONNX file atomically after a parity check; returns the parity report.

    ``metadata``: the model's sidecar (or a dict with its keys: model_id, task,
    body_part, classes, preprocessing, operating_points, ...); what travels is
    chosen by ``core.inference.onnx_model.onnx_metadata``. Without it the file
    is usable only next to its sidecar, not by ``radinet evaluate --model-file``.
    """
    from core.errors import ModelFileError
    from core.inference.onnx_model import METADATA_KEY, onnx_metadata
    from trainer.checkpoints import atomic_write

    data = onnx_bytes(model, size)
    if metadata:
        data = with_metadata(data, metadata if METADATA_KEY in metadata else onnx_metadata(metadata))
    report = parity(model, data, size)
    if not report["passed"]:
        raise ModelFileError(
            f"The ONNX export does not reproduce the model (probability difference {report['max_probability_difference']:.2g}, "
            f"heatmap correlation {report['min_cam_correlation']:.3f}); it was not written.")
    atomic_write(Path(out_path), data)
    import hashlib

    return {**report, "sha256": hashlib.sha256(data).hexdigest()}


def export_registered(workspace, store, model_id: str, out_path: Path | None = None) -> dict:
    """Export a registered model (next to its weights by default) and record it in the sidecar."""
    from core.store import registry
    from trainer.checkpoints import load_model, onnx_path, write_sidecar

    row = registry.get(store, model_id)
    model, sidecar = load_model(registry.model_file(workspace, row))
    size = int(sidecar["preprocessing"]["size"])
    target = Path(out_path) if out_path else onnx_path(workspace.models_dir, model_id)
    report = export(model, size, target, metadata=sidecar)
    if out_path is None:
        sidecar["onnx_file"] = target.name
        sidecar["onnx_parity"] = report
        write_sidecar(workspace.models_dir, sidecar)
    return {"model_id": model_id, "path": str(target), **report}
