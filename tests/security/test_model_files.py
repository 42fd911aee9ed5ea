"""Hostile model files: a pickle renamed .pt/.safetensors, an ONNX whose external data points outside the
workspace, truncated and foreign safetensors -- each refused with one sentence, nothing executed, nothing read
outside the workspace (issue 14, "Keep it proven")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import ModelFileError
from core.inference.model_files import sha256_bytes
from core.store import Workspace
from tests.security.fake_model import onnx_model_bytes, publish_fake_model
from tests.security.isolation import ROOT, strace_available


class _Payload:
    """Unpickling this creates ``marker``: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _pickle_bytes(marker: Path) -> bytes:
    import pickle

    return pickle.dumps({"conv1.weight": _Payload(marker)})


def _one_sentence(err: Exception) -> str:
    text = str(err)
    assert text and "\n" not in text and text.rstrip().endswith(".")
    return text


def test_a_pickle_renamed_pt_is_refused_and_never_runs(tmp_path):
    from trainer.models import build_model, load_imagenet_state_dict

    marker = tmp_path / "pwned"
    path = tmp_path / "imagenet.pt"
    path.write_bytes(_pickle_bytes(marker))
    with pytest.raises(ModelFileError) as info:
        load_imagenet_state_dict(build_model("resnet18", 1), path)
    assert "that can be loaded safely" in _one_sentence(info.value)
    assert not marker.exists()


@pytest.fixture
def ws(tmp_path) -> Workspace:
    ws = Workspace.open(tmp_path / "ws")
    publish_fake_model(ws)
    return ws


def _weights(ws, data: bytes, architecture: str = "resnet18") -> None:
    """Put ``data`` in place as the published model's weights, with a matching checksum (a hostile workspace)."""
    (ws.models_dir / "fake-fracture-1.safetensors").write_bytes(data)
    side = ws.models_dir / "fake-fracture-1.json"
    sidecar = json.loads(side.read_text())
    sidecar.update(weights_sha256=sha256_bytes(data), architecture=architecture, num_outputs=1)
    side.write_text(json.dumps(sidecar))


def _torch_predictor(ws):
    from core.inference.predictor import Predictor

    return Predictor(ws, "fracture", backend="torch")


def test_a_pickle_renamed_safetensors_is_refused_and_never_runs(ws, tmp_path):
    marker = tmp_path / "pwned"
    _weights(ws, _pickle_bytes(marker))
    with pytest.raises(ModelFileError) as info:
        _torch_predictor(ws)
    assert "is not a safetensors model file" in _one_sentence(info.value)
    assert not marker.exists()


def _small_safetensors() -> bytes:
    import torch
    from safetensors.torch import save

    return save({"foreign.weight": torch.zeros(4, 4), "foreign.bias": torch.ones(4)})


def test_a_truncated_safetensors_is_refused(ws):
    data = _small_safetensors()
    _weights(ws, data)
    (ws.models_dir / "fake-fracture-1.safetensors").write_bytes(data[: len(data) // 2])   # checksum now differs
    with pytest.raises(ModelFileError) as info:
        _torch_predictor(ws)
    assert "does not match its recorded checksum" in _one_sentence(info.value)
    _weights(ws, data[: len(data) // 2])                                                # checksum matches the cut
    with pytest.raises(ModelFileError) as info:
        _torch_predictor(ws)
    assert "is not a safetensors model file" in _one_sentence(info.value)


def test_a_foreign_safetensors_is_refused(ws):
    _weights(ws, _small_safetensors())
    with pytest.raises(ModelFileError) as info:
        _torch_predictor(ws)
    assert "does not hold the resnet18 model" in _one_sentence(info.value)


def _onnx_with_external_data(location: str) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    weight = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1])
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "4")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    model = onnx.ModelProto()
    model.CopyFrom(onnx.load_model_from_string(onnx_model_bytes()))
    model.graph.initializer.append(weight)
    return model.SerializeToString()


@pytest.mark.parametrize("location", ["../../../../../../etc/passwd", "/etc/passwd", "weights.bin"])
def test_onnx_with_external_data_is_refused(ws, location):
    from core.inference.onnx_session import new_session
    from core.inference.predictor import Predictor

    data = _onnx_with_external_data(location)
    with pytest.raises(ModelFileError) as info:
        new_session(data)
    assert "keeps its weights in separate files" in _one_sentence(info.value)
    (ws.models_dir / "fake-fracture-1.onnx").write_bytes(data)
    side = ws.models_dir / "fake-fracture-1.json"
    sidecar = json.loads(side.read_text())
    sidecar["onnx_parity"]["sha256"] = sha256_bytes(data)
    side.write_text(json.dumps(sidecar))
    with pytest.raises(ModelFileError):
        Predictor(ws, "fracture")


def test_nothing_outside_the_workspace_is_opened_while_refusing_external_data(ws, tmp_path):
    if not strace_available():
        pytest.skip("strace is not available here")
    secret = tmp_path / "outside-secret.bin"
    secret.write_bytes(b"\0" * 64)
    data = _onnx_with_external_data(str(secret))
    (ws.models_dir / "fake-fracture-1.onnx").write_bytes(data)
    side = ws.models_dir / "fake-fracture-1.json"
    sidecar = json.loads(side.read_text())
    sidecar["onnx_parity"]["sha256"] = sha256_bytes(data)
    side.write_text(json.dumps(sidecar))
    trace = tmp_path / "open.trace"
    code = ("from core.store import Workspace\nfrom core.inference.predictor import Predictor\n"
            "from core.errors import ModelFileError\n"
            f"ws = Workspace.open({str(ws.path)!r})\n"
            "try:\n    Predictor(ws, 'fracture')\nexcept ModelFileError as err:\n    print('refused:', err)\n")
    done = subprocess.run(["strace", "-f", "-qq", "-e", "trace=open,openat,stat,newfstatat", "-o", str(trace),
                           sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "refused:" in done.stdout, done.stderr[-2000:]
    assert str(secret) not in trace.read_text()
