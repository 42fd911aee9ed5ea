"""Fixtures: a small demo workspace with a published fracture model.

The model is a tiny ONNX graph built here (one strided convolution whose
output is the CAM, its spatial mean the logit) and registered like a trained
one, so the DICOM export runs the real Predictor path in well under a second
without training anything. Its probabilities mean nothing clinically; the
tests only check that what it says reaches the DICOM files intact.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from core.store.workspace import Workspace

SIZE = 64
MODEL_ID = "fracture-test-tiny-0001"


def tiny_onnx_bytes() -> bytes:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weight = (rng.normal(size=(1, 1, 8, 8)) * 0.5).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "w"], ["cam"], strides=[8, 8]),
        helper.make_node("ReduceMean", ["cam"], ["pooled"], keepdims=1, axes=[2, 3]),
        helper.make_node("Flatten", ["pooled"], ["logits"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 1, SIZE, SIZE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 1]),
         helper.make_tensor_value_info("cam", TensorProto.FLOAT, ["n", 1, SIZE // 8, SIZE // 8])],
        initializer=[numpy_helper.from_array(weight, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def publish_tiny_model(ws: Workspace, model_id: str = MODEL_ID, body_part: str | None = None) -> str:
    """The tiny ONNX model registered and published in ``ws``: the all-parts fracture model, or with
    ``body_part`` that part's own (what the Training dock publishes from a study of that part)."""
    from core.inference.model_files import FORMAT, sha256_bytes
    from core.store import registry

    data = tiny_onnx_bytes()
    (ws.models_dir / f"{model_id}.onnx").write_bytes(data)
    sidecar = {"format": FORMAT, "model_id": model_id, "task": "fracture", "stage": "target",
               "architecture": "tiny-test-conv", "classes": ["fracture"],
               "preprocessing": {"size": SIZE, "clahe": False}, "onnx_file": f"{model_id}.onnx",
               "onnx_parity": {"sha256": sha256_bytes(data)},
               "operating_points": {"high_sensitivity": 0.3, "high_specificity": 0.7}}
    if body_part is not None:
        sidecar.update(scope=registry.scope("fracture", body_part), body_part=body_part)
    (ws.models_dir / f"{model_id}.json").write_text(json.dumps(sidecar))
    with ws.connect() as store:
        registry.register(store, sidecar, f"models/{model_id}.safetensors", "test")
        registry.promote(store, model_id, "test fixture", "test")
    return model_id


@pytest.fixture(scope="session")
def demo_ws_template(tmp_path_factory):
    from core.demo.workspace import build_demo_workspace

    ws = Workspace.open(tmp_path_factory.mktemp("interop-demo") / "ws")
    build_demo_workspace(ws, n_studies=6, seed=5)
    publish_tiny_model(ws)
    return ws


@pytest.fixture
def demo_ws(demo_ws_template, tmp_path):
    """A private copy of the demo workspace (tests add labels)."""
    dst = tmp_path / "ws"
    shutil.copytree(demo_ws_template.path, dst, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    return Workspace.open(dst)
