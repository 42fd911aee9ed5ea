"""A registered, published model without training: a tiny hand-built ONNX graph with the predictor's interface.

Inputs/outputs as the exported RadiNet graph: ``image`` (N, 1, S, S) ->
``logits`` (N, 1) and ``cam`` (N, 1, S/8, S/8). The CAM is an 8x8 average
pool of the image and the logit its mean, so outputs are deterministic and
depend on the input (a test can tell two images apart).
"""

from __future__ import annotations

import json

from core.inference.model_files import FORMAT, sha256_bytes


def onnx_model_bytes(size: int = 32) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, size, size])
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1])
    cam = helper.make_tensor_value_info("cam", TensorProto.FLOAT, ["N", 1, size // 8, size // 8])
    nodes = [
        helper.make_node("AveragePool", ["image"], ["cam"], kernel_shape=[8, 8], strides=[8, 8]),
        helper.make_node("GlobalAveragePool", ["cam"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["logits"], axis=1),
    ]
    graph = helper.make_graph(nodes, "fake_radinet", [image], [logits, cam])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def publish_fake_model(ws, task: str = "fracture", model_id: str = "fake-fracture-1", size: int = 32) -> str:
    """Write ``<id>.onnx`` + ``<id>.json`` into the workspace's models folder, register and promote it."""
    from core.store.registry import promote, register

    data = onnx_model_bytes(size)
    models = ws.models_dir
    models.mkdir(parents=True, exist_ok=True)
    (models / f"{model_id}.onnx").write_bytes(data)
    sidecar = {
        "format": FORMAT, "model_id": model_id, "task": task, "stage": "target" if task == "fracture" else "body-part",
        "architecture": "fake", "classes": ["negative", "positive"], "num_outputs": 1,
        "preprocessing": {"size": size, "clahe": False}, "onnx_file": f"{model_id}.onnx",
        "onnx_parity": {"sha256": sha256_bytes(data), "passed": True},
        "operating_points": {"high_sensitivity": 0.3, "high_specificity": 0.7},
    }
    (models / f"{model_id}.json").write_text(json.dumps(sidecar), encoding="utf-8")
    with ws.connect() as store:
        register(store, sidecar, f"models/{model_id}.safetensors", "test")
        promote(store, model_id, "test model", "test")
    return model_id
